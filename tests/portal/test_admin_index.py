"""The operators' admin: an index grouped by task, and the admission page in the admin's frame."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group

from portal.admin_site import SECTIONS
from tests.support import make_user

pytestmark = pytest.mark.django_db


def _captions(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<caption>(.*?)</caption>", html, re.S)]


def test_the_index_is_grouped_by_task_and_loses_no_model(client):
    superuser = make_user(email="root@ops.example", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    html = client.get("/admin/").content.decode()
    captions = _captions(html)
    assert captions[0].startswith("Review queue")
    sections = [c for c in captions if not c.startswith("Review queue")]
    assert sections[:4] == ["Review and onboarding", "Payments", "Settlements and chargebacks", "Webhooks"]
    assert "Other" not in sections  # every registered model has its task
    listed = {key for _, keys in SECTIONS for key in keys}
    registered = {
        f"{m._meta.app_label}.{m._meta.model_name}" for m in apps.get_models() if admin.site.is_registered(m)
    }
    assert registered <= listed, registered - listed
    # Django's own per-app pages still work.
    assert client.get("/admin/portal/").status_code == 200
    assert "Django administration" not in html


def test_a_reviewer_sees_only_the_sections_of_their_permissions(client):
    reviewer = make_user(email="reviewer@ops.example", is_staff=True)
    reviewer.groups.add(Group.objects.get(name="reviewer"))
    client.force_login(reviewer)
    sections = _captions(client.get("/admin/").content.decode())
    assert "Review and onboarding" in sections
    assert "Budgets" not in sections and "Test equipment (simulators)" not in sections


def test_the_admission_page_has_one_heading_no_empty_error_and_the_admin_header(client):
    operator = make_user(is_staff=True)
    operator.groups.add(Group.objects.get(name="operator"))
    client.force_login(operator)
    html = client.get("/admin/admission/").content.decode()
    assert html.count("Admission control — live windows</h1>") == 1
    assert "Merchant Portal — Operations" in html
    assert "Django administration" not in html
    assert '<p id="admission-error" class="errornote" hidden></p>' in html

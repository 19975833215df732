"""Finance users import cost files from the budgets pages: several parts as one run, refusals shown."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db.models import Sum

from budgets.models import CostDaily, CostImport
from budgets.scenarios import write_focus
from tests.budgets.conftest import lines
from tests.support import make_user

pytestmark = pytest.mark.django_db

SEPT = [date(2024, 9, 1) + timedelta(days=i) for i in range(30)]


@pytest.fixture
def finance_client(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    user = make_user("fin@example.com")
    user.groups.add(Group.objects.get(name="finance"))
    client.force_login(user)
    return client


def test_finance_user_imports_two_parts_from_the_page(
    finance_client, tmp_path, django_capture_on_commit_callbacks
):
    assert 'id="import-link"' in finance_client.get("/budgets/").content.decode()
    write_focus(tmp_path / "p1.csv", lines(SEPT[:15], "10"))
    write_focus(tmp_path / "p2.csv", lines(SEPT[15:], "20", resource="i-2"))
    with (
        django_capture_on_commit_callbacks(execute=True),
        (tmp_path / "p1.csv").open("rb") as one,
        (tmp_path / "p2.csv").open("rb") as two,
    ):
        response = finance_client.post(
            "/budgets/imports/", {"files": [one, two], "format": "auto", "max_rejected": "0"}
        )
    cost_import = CostImport.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/budgets/imports/{cost_import.public_id}/"
    )
    assert cost_import.status == "done" and len(cost_import.paths) == 2
    assert CostDaily.objects.aggregate(s=Sum("cost"))["s"] == Decimal("450")
    page = finance_client.get(response["Location"]).content.decode()
    assert "Done" in page and "100%" in page


def test_a_refused_import_shows_why_and_changes_nothing(
    finance_client, tmp_path, django_capture_on_commit_callbacks
):
    write_focus(tmp_path / "bad.csv", lines(SEPT[:3], "-5"))
    with django_capture_on_commit_callbacks(execute=True), (tmp_path / "bad.csv").open("rb") as bad:
        response = finance_client.post("/budgets/imports/", {"files": [bad], "max_rejected": "0"})
    page = finance_client.get(response["Location"]).content.decode()
    assert "negative usage is refused" in page
    assert not CostDaily.objects.exists()


def test_members_without_the_permission_cannot_import(client):
    client.force_login(make_user("dev@example.com"))
    assert client.get("/budgets/imports/").status_code == 403

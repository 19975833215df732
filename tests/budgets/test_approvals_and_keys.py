"""Four eyes on budget requests; read-only API keys for automation."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from rest_framework.test import APIClient

from budgets import services
from budgets.models import BudgetRequest, BudgetsApiKey, PlanVersion
from portal.errors import PortalError
from tests.budgets.conftest import make_project
from tests.support import make_user

pytestmark = pytest.mark.django_db


def approver(email: str):
    user = make_user(email)
    user.groups.add(Group.objects.get(name="budget_approver"))
    return user


def test_the_requester_never_approves_their_own_request():
    project = make_project(budget="1000", months=12)
    alice, bob = approver("alice@example.com"), approver("bob@example.com")
    request = services.budget_request_create(project=project, amount="500", currency="USD", start_month="2025-03",
                                             months=3, purpose="more", actor=alice)  # fmt: skip
    versions = PlanVersion.objects.count()
    with pytest.raises(PortalError) as refused:
        services.budget_request_decide(request=request, approve=True, actor=alice)
    assert refused.value.status == 403
    request.refresh_from_db()
    assert request.status == BudgetRequest.Status.REQUESTED
    assert PlanVersion.objects.count() == versions  # nothing happened
    services.budget_request_decide(request=request, approve=True, actor=bob)
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", bob)


def test_read_only_key_reads_and_cannot_write(capsys):
    project = make_project(budget="1000", months=12)
    finance = make_user("robot@example.com")
    finance.groups.add(Group.objects.get(name="finance"))
    call_command("budgets_api_key", "robot@example.com", "--name", "dashboards")
    secret = capsys.readouterr().out.split(": ")[1].split()[0]
    assert secret.startswith("bk_") and BudgetsApiKey.objects.get().key_hash != secret
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/v1/budgets/projects").status_code == 200
    created = client.post(f"/v1/budgets/projects/{project.public_id}/requests", {"amount": "1", "currency": "USD",
                          "start_month": "2025-01", "months": 1, "purpose": "x"}, format="json")  # fmt: skip
    assert created.status_code == 403
    assert BudgetRequest.objects.count() == 1  # the initial budget only
    call_command("budgets_api_key", "--revoke", BudgetsApiKey.objects.get().public_id)
    assert client.get("/v1/budgets/projects").status_code == 401


def test_one_digest_per_project_not_one_mail_per_anomaly(mailoutbox):
    from datetime import date
    from decimal import Decimal

    from budgets.models import Anomaly
    from budgets.notifications import send_digest

    owner = make_user("owner@example.com")
    project, _ = services.project_upsert(name="Checkout", currency="USD", sub_accounts=["7"], tags=[],
                                         owners=[owner])  # fmt: skip
    for day, kind in ((1, "scaled_up_left"), (2, "service_spike"), (3, "not_stopped")):
        Anomaly.objects.create(project=project, type=kind, scope=f"resource:r{day}", start_date=date(2025, 3, day),
                               detected_on=date(2025, 3, day), expected=Decimal(1), actual=Decimal(3),
                               monthly_impact=Decimal(60))  # fmt: skip
    Anomaly.objects.filter(type="not_stopped").update(status="suppressed")
    assert send_digest(project_id=project.pk).startswith("digest of 2 anomalies")
    assert len(mailoutbox) == 1 and "daily digest" in mailoutbox[0].subject
    assert mailoutbox[0].body.count("\n- ") == 2
    assert send_digest(project_id=project.pk) == "nothing new"  # each anomaly once
    assert len(mailoutbox) == 1

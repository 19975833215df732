"""The operator admin: list and filters, open through the form, decide through actions; audited."""

from __future__ import annotations

import pytest
from django.test import Client

from payments.chargebacks.models import Chargeback
from portal.models import AuditEvent
from tests.chargebacks.helpers import balances, captured, open_chargeback
from tests.support import make_user

pytestmark = pytest.mark.django_db


def _operator() -> Client:
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_operator_opens_and_decides_audited(api, merchant):
    payment = captured(api, amount="2000")
    before = balances(merchant.merchant.pk)
    client = _operator()
    form = {
        "mode": "test",
        "order_id": payment.order_id,
        "category": 1,
        "request": 14,
        "reason_text": "phone",
    }
    too_much = client.post("/admin/chargebacks/chargeback/open/", {**form, "amount": 2001})
    assert too_much.status_code == 200 and not Chargeback.objects.exists()
    opened = client.post("/admin/chargebacks/chargeback/open/", {**form, "amount": 2000})
    assert opened.status_code == 302
    chargeback = Chargeback.objects.get()
    assert (chargeback.amount, chargeback.category, chargeback.request) == (2000, 1, 14)
    listing = client.get("/admin/chargebacks/chargeback/?status_code__exact=4005")
    assert listing.status_code == 200 and str(chargeback.chargeback_id).encode() in listing.content
    client.post(
        "/admin/chargebacks/chargeback/", {"action": "decide_won", "_selected_action": [chargeback.pk]}
    )
    chargeback.refresh_from_db()
    assert chargeback.status_code == 4007 and balances(merchant.merchant.pk) == before
    client.post(
        "/admin/chargebacks/chargeback/", {"action": "decide_lost", "_selected_action": [chargeback.pk]}
    )
    chargeback.refresh_from_db()
    assert chargeback.status_code == 4007  # decided once
    assert set(AuditEvent.objects.filter(action__startswith="chargeback.").values_list("action", flat=True)) == {
        "chargeback.opened", "chargeback.won",
    }  # fmt: skip
    assert client.get(f"/admin/chargebacks/chargeback/{chargeback.pk}/change/").status_code == 200


def test_cancel_action_and_non_staff(api):
    chargeback = open_chargeback(captured(api))
    client = _operator()
    client.post("/admin/chargebacks/chargeback/", {"action": "cancel", "_selected_action": [chargeback.pk]})
    chargeback.refresh_from_db()
    assert (chargeback.status_code, chargeback.canceled) == (4009, True)
    outsider = Client()
    outsider.force_login(make_user())
    assert outsider.get("/admin/chargebacks/chargeback/open/").status_code == 302  # to the admin login

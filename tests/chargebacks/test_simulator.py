"""The acquirer simulator raises and decides chargebacks through signed notifications, as a
real acquirer's notices reach the product; a repeated notice has no second effect."""

from __future__ import annotations

import json
import time

import pytest

from payments.chargebacks.models import Chargeback
from payments.settlements.models import Posting
from simulators import chargebacks as sim
from tests.chargebacks.helpers import balances, captured
from tests.support import ApiClient

pytestmark = pytest.mark.django_db

CONTROL = "/simulators/acquirer/chargebacks"


def test_raise_then_win_through_signed_notices(api, merchant):
    payment = captured(api, amount="4000")
    before = balances(merchant.merchant.pk)
    control = ApiClient()
    raised = control.call("POST", CONTROL, {"transaction_id": payment.transaction_id, "amount": 1500})
    assert raised.status_code == 200 and raised.json()["delivered"] == 200, raised.json()
    chargeback = Chargeback.objects.get()
    assert (chargeback.payment_id, chargeback.amount, chargeback.status_code) == (payment.pk, 1500, 4005)
    assert balances(merchant.merchant.pk)["chargeback_held"] == -1500
    case = raised.json()["case_id"]
    won = control.call(
        "POST", CONTROL, {"transaction_id": payment.transaction_id, "stage": "won", "case_id": case}
    )
    assert won.json()["delivered"] == 200
    chargeback.refresh_from_db()
    assert chargeback.status_code == 4007 and balances(merchant.merchant.pk) == before


def test_a_repeated_notice_is_applied_once(api, merchant):
    payment = captured(api)
    notice = sim.chargeback_notice(transaction_id=payment.transaction_id, stage="open")
    assert notice["amount"] == 5000  # the whole captured amount by default
    assert sim.send_notice(notice) == 200 and sim.send_notice(notice) == 200
    chargeback = Chargeback.objects.get()
    lost = {
        **sim.chargeback_notice(
            transaction_id=payment.transaction_id, stage="lost", case_id=notice["case_id"]
        )
    }
    assert sim.send_notice(lost) == 200 and sim.send_notice(lost) == 200
    chargeback.refresh_from_db()
    assert chargeback.status_code == 4011
    stages = sorted(
        Posting.objects.filter(reference=chargeback.ledger_reference).values_list("stage", flat=True)
    )
    assert stages == ["hold", "loss"]
    # Too late to win now: the acquirer's contradicting notice is refused, nothing moves.
    won = sim.chargeback_notice(transaction_id=payment.transaction_id, stage="won", case_id=notice["case_id"])
    assert sim.send_notice(won) == 400
    assert Posting.objects.filter(reference=chargeback.ledger_reference).count() == 2


def test_unsigned_or_forged_notices_are_refused(api):
    payment = captured(api)
    notice = sim.chargeback_notice(transaction_id=payment.transaction_id, stage="open")
    raw = json.dumps(notice).encode()
    client = ApiClient()
    url = "/notifications/acquirer/chargebacks"
    assert client.post(url, raw, content_type="application/json").status_code == 401
    forged = {"HTTP_X_ACQUIRER_TIMESTAMP": str(int(time.time())), "HTTP_X_ACQUIRER_SIGNATURE": "0" * 64}
    assert client.post(url, raw, content_type="application/json", **forged).status_code == 401
    assert not Chargeback.objects.exists()


def test_unknown_or_uncaptured_transactions(api):
    control = ApiClient()
    assert control.call("POST", CONTROL, {"transaction_id": "nope"}).status_code == 404
    assert control.call("POST", CONTROL, {"transaction_id": "x", "stage": "maybe"}).status_code == 400
    assert not Chargeback.objects.exists()


def test_operator_admin_action_raises_through_the_simulator(api):
    from django.test import Client

    from simulators.models import SimulatedAcquirerTransaction
    from tests.support import make_user

    payment = captured(api)
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    rows = list(
        SimulatedAcquirerTransaction.objects.filter(transaction_id=payment.transaction_id).values_list(
            "pk", flat=True
        )
    )
    answer = client.post(
        "/admin/simulators/simulatedacquirertransaction/",
        {"action": "raise_chargeback", "_selected_action": rows},
    )
    assert answer.status_code == 302
    chargeback = Chargeback.objects.get()
    assert chargeback.payment_id == payment.pk and chargeback.status_code == 4005

"""The ledger: payment postings in the payment's own statement, chargebacks, adjustments, guards."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from payments.models import Payment
from payments.settlements import ledger
from payments.settlements.models import Entry, Posting
from portal.models import Contract
from tests.payments.helpers import action, execute, register, token

pytestmark = pytest.mark.django_db


def balances(merchant_id: int) -> dict[str, int]:
    """Debit-minus-credit per account of one merchant's test-mode ledger."""
    out: dict[str, int] = {}
    for entry in Entry.objects.filter(merchant_id=merchant_id, mode="test"):
        out[entry.account] = out.get(entry.account, 0) + entry.debit - entry.credit
    return {account: value for account, value in out.items() if value}


def test_capture_change_cancel_post_the_deltas(api, merchant):
    Contract.objects.filter(merchant=merchant.merchant, pay_type="Card").update(
        fee_rate_bps=360, fixed_fee=50
    )
    payment = register(api, amount="5000", job_code="CAPTURE")
    assert not Posting.objects.exists()  # registering moves no money
    assert execute(api, payment, token(api)).status_code == 200
    posting = Posting.objects.get()
    assert (posting.trade_type, posting.amount, posting.fee, posting.platform_fee) == (1, 5000, 180, 0)
    assert posting.order_id == payment["id"] and posting.fee_class == "vm"
    assert balances(merchant.merchant.pk) == {
        "acquirer_receivable": 5000,
        "merchant_payable": -4820,
        "fee_revenue": -180,
    }

    answer = action(api, payment, "change", job_code="CAPTURE", amount="3000")
    assert answer.status_code == 200, answer.json()
    last = Posting.objects.last()
    assert (last.trade_type, last.amount, last.fee) == (2, -2000, -72)  # fee(3000) = 108
    assert action(api, payment, "cancel").status_code == 200
    last = Posting.objects.last()
    assert (last.trade_type, last.amount, last.fee) == (2, -3000, -108)
    assert balances(merchant.merchant.pk) == {}


def test_authorisation_posts_nothing(api):
    payment = register(api, amount="1000")
    assert execute(api, payment, token(api)).status_code == 200
    assert Payment.objects.get(order_id=payment["id"]).status == "AUTHORIZED"
    assert not Posting.objects.exists() and not Entry.objects.exists()


def test_chargeback_stages_are_idempotent(merchant):
    m = merchant.merchant.pk
    at = timezone.now()
    for _ in range(2):
        ledger.record_chargeback(
            merchant_id=m,
            mode="test",
            currency="JPY",
            amount=700,
            reference="cb_1",
            order_id="o_1",
            stage="hold",
            at=at,
        )
    assert Posting.objects.count() == 1
    assert balances(m) == {"merchant_payable": 700, "chargeback_held": -700}
    ledger.record_chargeback(
        merchant_id=m,
        mode="test",
        currency="JPY",
        amount=700,
        reference="cb_1",
        order_id="o_1",
        stage="loss",
        at=at,
    )
    assert balances(m) == {"merchant_payable": 700, "acquirer_receivable": -700}
    assert [p.trade_type for p in Posting.objects.all()] == [3, None]


def test_the_database_refuses_changes_and_unbalanced_postings(merchant):
    m = merchant.merchant.pk
    ledger.record_adjustment(
        merchant_id=m, mode="test", currency="JPY", amount=-300, reason="postage", actor="op"
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        Posting.objects.update(amount=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.all().delete()
    posting = Posting.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO settlements_entry (posting_id, merchant_id, mode, currency, account, debit, credit)"
            " VALUES (%s, %s, 'test', 'JPY', 'bank', 5, 0)",
            [posting.pk, m],
        )
    assert Entry.objects.count() == 2

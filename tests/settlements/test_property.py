"""Property: after any sequence of register / capture / change / cancel / chargeback
hold-release-loss / adjustment over a few payments, every posting balances, each ledger account
equals what the payments table (and the chargebacks and adjustments made) say it must, and the
settlement run's statement equals an independent computation from the payments table."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payments.models import Payment, Status
from payments.settlements import ledger, services
from payments.settlements.models import Entry, Statement
from portal.models import Contract
from tests.payments.helpers import action, execute, register, token
from tests.support import ApiClient, make_merchant

pytestmark = pytest.mark.django_db
RATE_BPS, FIXED_FEE = 360, 40

payment_index = st.integers(min_value=0, max_value=2)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.sampled_from(["AUTH", "CAPTURE"]), st.integers(100, 20_000)),
        st.tuples(st.just("capture"), payment_index),
        st.tuples(st.just("change"), payment_index, st.integers(1, 20_000)),
        st.tuples(st.just("cancel"), payment_index),
        st.tuples(st.just("chargeback"), payment_index, st.sampled_from(["hold", "release", "loss"])),
        st.tuples(st.just("adjust"), st.integers(-5_000, 5_000).filter(bool)),
    ),
    min_size=1,
    max_size=6,
)


def expected_fee(sale: int) -> int:
    return 0 if sale == 0 else max(sale * RATE_BPS // 10_000, FIXED_FEE)


def balances(merchant_id: int) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for entry in Entry.objects.filter(merchant_id=merchant_id, mode="test"):
        out[entry.account] += entry.debit - entry.credit
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=operations)
def test_ledger_and_statement_reconcile_with_the_payments(ops):
    keys = make_merchant(name="Property shop")
    merchant_id = keys.merchant.pk
    Contract.objects.filter(merchant=keys.merchant).update(fee_rate_bps=RATE_BPS, fixed_fee=FIXED_FEE)
    api = ApiClient(keys.test_secret)
    payments: list[dict] = []
    held: dict[int, int] = {}  # payment index → amount held, while open
    resolved: set[int] = set()  # a payment's chargeback, once released or lost, is over
    holds = releases = losses = adjustments = 0
    for op in ops:
        kind = op[0]
        if kind == "pay":
            payment = register(api, amount=str(op[2]), job_code=op[1])
            assert execute(api, payment, token(api)).status_code == 200
            payments.append(payment)
            continue
        if kind == "adjust":
            ledger.record_adjustment(
                merchant_id=merchant_id, mode="test", currency="JPY", amount=op[1], reason="p", actor="t"
            )
            adjustments += op[1]
            continue
        if op[1] >= len(payments):
            continue
        payment = payments[op[1]]
        if kind == "capture":
            answer = action(api, payment, "capture")
        elif kind == "change":
            answer = action(api, payment, "change", job_code="CAPTURE", amount=str(op[2]))
        elif kind == "cancel":
            answer = action(api, payment, "cancel")
        else:
            stage, amount = op[2], 500 + op[1]
            reference = f"cb_{keys.merchant.public_id}_{op[1]}"
            if stage == "hold" and op[1] not in held and op[1] not in resolved:
                held[op[1]] = amount
                holds += amount
            elif stage != "hold" and op[1] in held:
                amount = held.pop(op[1])
                resolved.add(op[1])
                if stage == "release":
                    releases += amount
                else:
                    losses += amount
            else:
                continue
            ledger.record_chargeback(
                merchant_id=merchant_id, mode="test", currency="JPY", amount=amount, reference=reference,
                order_id=payment["id"], stage=stage, at=timezone.now(),
            )  # fmt: skip
            continue
        assert answer.status_code < 500, answer.content

    # every posting balances
    by_posting: dict[int, int] = defaultdict(int)
    for entry in Entry.objects.filter(merchant_id=merchant_id):
        by_posting[entry.posting_id] += entry.debit - entry.credit
    assert all(value == 0 for value in by_posting.values())

    # the accounts, from the payments table and the operations made
    sales = [
        p.amount + p.tax if p.status == Status.CAPTURED else 0
        for p in Payment.objects.filter(merchant_id=merchant_id, mode="test")
    ]
    sale, fee = sum(sales), sum(expected_fee(s) for s in sales)
    got = balances(merchant_id)
    assert got["acquirer_receivable"] == sale - losses
    assert -got["merchant_payable"] == sale - fee - holds + releases + adjustments
    assert -got["fee_revenue"] == fee
    assert -got["chargeback_held"] == holds - releases - losses
    assert got["adjustments"] == adjustments

    # the statement of everything, computed independently
    services.settlement_run(today=date(2100, 1, 1))
    statement = Statement.objects.filter(merchant_id=merchant_id).first()
    total = sale - holds + releases + adjustments
    if statement is None:
        assert (total, fee) == (0, 0) and not any(got.values())
        return
    tax = fee * 10 // 100
    assert (statement.total_amount, statement.fee_amount, statement.tax_amount) == (total, fee, tax)
    assert statement.settlement_amount == statement.deposit_amount == total - fee - tax
    assert statement.status_code == (3002 if total - fee - tax > 0 else 3011 if total == fee + tax else 3006)
    after = balances(merchant_id)
    assert -after["merchant_payable"] == statement.deposit_amount and -after["tax_payable"] == tax

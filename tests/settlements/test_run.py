"""The settlement run: terms close in Japan's time, one statement per term, late postings roll on."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from payments.settlements import services, tasks
from payments.settlements.models import DepositStatus, Entry, PlatformStatement, Posting, Statement
from portal.models import Contract
from tests.payments.helpers import execute, register, token

JST = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def book_at(monkeypatch):
    """Set the clock of the payments' status writes (and so of their postings)."""

    def setter(moment: datetime) -> None:
        monkeypatch.setattr("payments.state.timezone", SimpleNamespace(now=lambda: moment))

    return setter


def captured(api, book_at, moment: datetime, amount: int) -> dict:
    book_at(moment)
    payment = register(api, amount=str(amount), job_code="CAPTURE")
    assert execute(api, payment, token(api)).status_code == 200
    return payment


def figures(statement: Statement) -> tuple:
    return (
        statement.term_start, statement.term_end, statement.count, statement.total_amount,
        statement.fee_amount, statement.tax_amount, statement.settlement_amount, statement.deposit_amount,
        statement.scheduled_deposit_date, statement.status_code,
    )  # fmt: skip


@pytest.mark.django_db
def test_month_boundary_in_japan_time(api, merchant, book_at):
    Contract.objects.filter(merchant=merchant.merchant).update(fee_rate_bps=360, fixed_fee=0)
    captured(api, book_at, datetime(2027, 1, 31, 23, 59, tzinfo=JST), 1000)
    captured(api, book_at, datetime(2027, 2, 1, 0, 1, tzinfo=JST), 2000)
    assert Posting.objects.count() == 2

    assert services.settlement_run(today=date(2027, 1, 31)) == []
    assert not Statement.objects.exists()

    [january] = services.settlement_run(today=date(2027, 2, 1))
    assert figures(january) == (
        date(2027, 1, 1), date(2027, 1, 31), 1, 1000, 36, 3, 961, 961, date(2027, 2, 15), DepositStatus.FIXED,
    )  # fmt: skip
    assert [line.posting.amount for line in january.lines.all()] == [1000]
    assert services.settlement_run(today=date(2027, 2, 1)) == []
    assert services.settlement_run(today=date(2027, 2, 20)) == []
    assert Statement.objects.count() == 1

    [february] = services.settlement_run(today=date(2027, 3, 1))
    assert figures(february) == (
        date(2027, 2, 1), date(2027, 2, 28), 1, 2000, 72, 7, 1921, 1921, date(2027, 3, 15), DepositStatus.FIXED,
    )  # fmt: skip
    assert Statement.objects.count() == 2
    # The fixing posted the tax: what the merchant is owed is exactly the two deposits.
    payable = sum(
        e.credit - e.debit
        for e in Entry.objects.filter(merchant_id=merchant.merchant.pk, account="merchant_payable")
    )
    assert payable == 961 + 1921


@pytest.mark.django_db
def test_late_postings_roll_into_the_next_term_and_negative_stays_negative(merchant):
    from payments.settlements import ledger

    m = merchant.merchant.pk
    ledger.record_adjustment(
        merchant_id=m, mode="test", currency="JPY", amount=500, reason="goodwill", actor="op",
        at=datetime(2027, 1, 10, tzinfo=JST),
    )  # fmt: skip
    [january] = services.settlement_run(today=date(2027, 2, 1))
    assert (january.total_amount, january.deposit_amount, january.status_code) == (500, 500, 3002)
    # Booked in January but committed after January was fixed: it goes to February's statement.
    ledger.record_chargeback(
        merchant_id=m, mode="test", currency="JPY", amount=800, reference="cb_late", order_id="o_x",
        stage="hold", at=datetime(2027, 1, 20, tzinfo=JST),
    )  # fmt: skip
    [february] = services.settlement_run(today=date(2027, 3, 1))
    assert (february.term_start, february.count, february.total_amount) == (date(2027, 2, 1), 1, -800)
    assert (february.deposit_amount, february.status_code) == (-800, DepositStatus.CLAIMING)
    assert services.statement_mark_deposited(statement=february) is False
    assert services.statement_mark_deposited(statement=january) is True
    assert services.statement_mark_deposited(statement=january) is False
    january.refresh_from_db()
    assert january.status_code == DepositStatus.DEPOSITED
    assert Posting.objects.filter(kind="payout").count() == 1


@pytest.mark.django_db
def test_semimonthly_terms_and_tenant_platform_fees(merchant):
    from payments.settlements import ledger
    from payments.settlements.models import Kind

    Contract.objects.filter(merchant=merchant.merchant).update(
        settlement_cycle="semimonthly", deposit_delay_days=5
    )
    m = merchant.merchant.pk
    ledger.record_adjustment(
        merchant_id=m, mode="test", currency="JPY", amount=100, reason="x", actor="op",
        at=datetime(2027, 1, 15, 23, 0, tzinfo=JST),
    )  # fmt: skip
    assert services.settlement_run(today=date(2027, 1, 15)) == []
    [first] = services.settlement_run(today=date(2027, 1, 16))
    assert (first.term_start, first.term_end, first.scheduled_deposit_date) == (
        date(2027, 1, 1), date(2027, 1, 15), date(2027, 1, 20),
    )  # fmt: skip
    assert Kind.STATEMENT_FIX not in set(Posting.objects.values_list("kind", flat=True))  # no tax, no fee
    assert not PlatformStatement.objects.exists()


def _run_in_thread(today: date, out: list) -> None:
    try:
        out.append(len(services.settlement_run(today=today)))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_two_runs_in_parallel_make_one_statement(merchant):
    from payments.settlements import ledger

    for i in range(3):
        ledger.record_adjustment(
            merchant_id=merchant.merchant.pk, mode="test", currency="JPY", amount=100 + i, reason="x",
            actor="op", at=datetime(2027, 1, 10, tzinfo=JST),
        )  # fmt: skip
    out: list[int] = []
    threads = [threading.Thread(target=_run_in_thread, args=(date(2027, 2, 1), out)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(out) == [0, 1]
    statement = Statement.objects.get()
    assert (statement.count, statement.total_amount) == (3, 303)
    assert statement.lines.count() == 3


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_task_runs_the_service_in_a_real_worker(celery_worker, merchant):
    from payments.settlements import ledger

    ledger.record_adjustment(
        merchant_id=merchant.merchant.pk, mode="test", currency="JPY", amount=250, reason="x", actor="op",
        at=datetime(2027, 1, 10, tzinfo=JST),
    )  # fmt: skip
    tasks.run.delay(today="2027-02-01")
    deadline = time.monotonic() + 30
    while not Statement.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    statement = Statement.objects.get()
    assert (statement.term_start, statement.total_amount) == (date(2027, 1, 1), 250)
    assert "settlements.run" in celery_worker.log()

    tasks.deposit_due.delay(today="2027-02-15")  # the scheduled deposit date: paid out
    deadline = time.monotonic() + 30
    while Statement.objects.get().status_code != DepositStatus.DEPOSITED and time.monotonic() < deadline:
        time.sleep(0.1)
    assert Statement.objects.get().status_code == DepositStatus.DEPOSITED, celery_worker.log()
    assert Posting.objects.filter(kind="payout", amount=0).count() == 1
    assert "settlements.deposit_due" in celery_worker.log()

"""A fixed statement's deposit after the run: held and released, returned by the bank and paid
again, and a negative statement's claim held, failed and paid (``payments.settlements.deposits``)."""

from __future__ import annotations

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client

from payments.settlements import deposits, ledger, services
from payments.settlements.models import DepositStatus, Entry, PlatformStatement, Posting, Statement
from portal.models import AuditEvent
from tests.payments.helpers import execute, register, token
from tests.settlements.helpers import platform_and_tenant
from tests.support import ApiClient, make_user

JST = ZoneInfo("Asia/Tokyo")
PAY_DAY = date(2027, 2, 28)  # on or after every statement's scheduled deposit date here


def statement_of(merchant_id: int, amount: int) -> Statement:
    """January's statement of ``amount`` (an adjustment: negative makes a claim)."""
    ledger.record_adjustment(
        merchant_id=merchant_id, mode="test", currency="JPY", amount=amount, reason="goodwill", actor="op",
        at=datetime(2027, 1, 10, tzinfo=JST),
    )  # fmt: skip
    [statement] = services.settlement_run(today=date(2027, 2, 1))
    return statement


def net(merchant_id: int, account: str) -> int:
    """The account's balance as debits minus credits."""
    sums = Entry.objects.filter(merchant_id=merchant_id, account=account).aggregate(
        d=Sum("debit"), c=Sum("credit")
    )
    return (sums["d"] or 0) - (sums["c"] or 0)


def move(statement: Statement, action: str, reason: str = "", actor=None) -> bool:
    return deposits.statement_move(statement=statement, action=action, actor=actor, reason=reason)


@pytest.mark.django_db
def test_a_held_deposit_waits_for_its_release_then_the_next_run_pays_it(merchant):
    m = merchant.merchant.pk
    statement = statement_of(m, 500)
    assert statement.status_code == DepositStatus.FIXED

    assert move(statement, "hold", "bank account under review") is True
    assert (statement.status_code, statement.status_reason) == (
        DepositStatus.HELD,
        "bank account under review",
    )
    event = AuditEvent.objects.get(action="settlement.hold")
    assert (event.before, event.after) == (
        {"status_code": 3002},
        {"status_code": 3004, "reason": "bank account under review"},
    )
    assert services.deposits_due(today=PAY_DAY) == 0  # the run leaves a held deposit alone
    assert not Posting.objects.filter(kind="payout").exists()
    assert move(statement, "payout_returned", "no payout was made") is False  # not deposited

    assert move(statement, "release") is True
    assert (statement.status_code, statement.status_reason) == (DepositStatus.FIXED, "")
    assert services.deposits_due(today=PAY_DAY) == 1
    statement.refresh_from_db()
    assert statement.status_code == DepositStatus.DEPOSITED
    assert move(statement, "hold", "too late") is False  # paid out: nothing to hold
    assert Posting.objects.filter(kind="payout").count() == 1
    assert net(m, "bank") == -500


@pytest.mark.django_db
def test_a_returned_payout_is_posted_back_and_paid_again_once(merchant):
    m = merchant.merchant.pk
    statement = statement_of(m, 700)
    assert services.statement_mark_deposited(statement=statement) is True
    assert net(m, "bank") == -700

    assert move(statement, "payout_returned", "account closed") is True
    assert statement.status_code == DepositStatus.DEPOSIT_ERROR and statement.deposited_at is None
    assert move(statement, "payout_returned", "again") is False
    assert net(m, "bank") == 0 and net(m, "merchant_payable") == -700  # owed to the merchant again
    assert services.deposits_due(today=PAY_DAY) == 0  # waits for the operator

    assert move(statement, "release") is True
    assert services.deposits_due(today=PAY_DAY) == 1
    statement.refresh_from_db()
    assert (statement.status_code, statement.payout_attempts) == (DepositStatus.DEPOSITED, 2)
    stages = list(Posting.objects.filter(reference=statement.public_id).values_list("kind", "stage"))
    assert stages[-3:] == [("payout", "payout"), ("payout_returned", "returned-1"), ("payout", "payout-2")]
    assert net(m, "bank") == -700 and net(m, "merchant_payable") == 0  # paid once, in all


@pytest.mark.django_db
def test_a_claim_is_held_failed_and_paid(merchant):
    m = merchant.merchant.pk
    statement = statement_of(m, -800)
    assert (statement.status_code, statement.deposit_amount) == (DepositStatus.CLAIMING, -800)
    assert net(m, "merchant_payable") == 800  # the merchant owes us

    assert move(statement, "hold", "merchant disputes the chargeback") is True
    assert statement.status_code == DepositStatus.CLAIM_HELD
    assert move(statement, "release") is True and statement.status_code == DepositStatus.CLAIMING
    assert move(statement, "claim_failed", "direct debit refused") is True
    assert statement.status_code == DepositStatus.CLAIM_ERROR
    assert move(statement, "claim_paid") is True
    assert (statement.status_code, statement.status_reason) == (DepositStatus.CLAIM_PAID, "")
    assert move(statement, "claim_paid") is False
    assert net(m, "bank") == 800 and net(m, "merchant_payable") == 0
    assert services.statement_mark_deposited(statement=statement) is False


@pytest.mark.django_db
def test_a_move_that_says_why_needs_a_reason_and_the_merchant_sees_the_status(merchant, api):
    statement = statement_of(merchant.merchant.pk, 300)
    with pytest.raises(ValueError, match="needs a reason"):
        move(statement, "hold", "  ")
    assert move(statement, "hold", "KYC refresh") is True
    listed = api.call("GET", "/v1/accounts?status=3004").json()
    assert [item["id"] for item in listed["list"]] == [statement.public_id]
    assert listed["list"][0]["status_code"] == 3004
    assert api.call("GET", "/v1/accounts?status=3002").json()["total_count"] == 0


@pytest.mark.django_db
def test_operators_hold_with_a_reason_page_in_the_admin(merchant):
    statement = statement_of(merchant.merchant.pk, 900)
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    url = "/admin/settlements/statement/"
    asked = client.post(url, {"action": "hold", "_selected_action": [statement.pk]})
    assert (
        asked.status_code == 200
        and b'name="reason"' in asked.content
        and statement.public_id.encode() in asked.content
    )
    again = client.post(
        url, {"action": "hold", "_selected_action": [statement.pk], "apply": "1", "reason": " "}
    )
    assert again.status_code == 200 and b"Say why" in again.content
    done = client.post(
        url, {"action": "hold", "_selected_action": [statement.pk], "apply": "1", "reason": "fraud review"}
    )
    assert done.status_code == 302
    statement.refresh_from_db()
    assert (statement.status_code, statement.status_reason) == (DepositStatus.HELD, "fraud review")
    assert client.post(url, {"action": "release", "_selected_action": [statement.pk]}).status_code == 302
    statement.refresh_from_db()
    assert statement.status_code == DepositStatus.FIXED

    viewer = Client()
    viewer.force_login(make_user(is_staff=True))
    assert b'value="hold"' not in viewer.get(url).content  # no change permission on statements: no move


@pytest.mark.django_db
def test_a_move_from_a_list_filtered_by_status_counts_what_it_moved(merchant):
    """The changelist filtered by the status the move leaves: the message counts the statements
    selected, not the ones still matching the filter afterwards."""
    statement = statement_of(merchant.merchant.pk, 900)
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    url = f"/admin/settlements/statement/?status_code__exact={DepositStatus.FIXED}"
    data = {"action": "hold", "_selected_action": [statement.pk], "apply": "1", "reason": "review"}
    page = client.post(url, data, follow=True)
    assert b"1 statement(s) held." in page.content and b"not in a state" not in page.content


@pytest.mark.django_db(transaction=True)
def test_the_deposit_run_and_a_hold_at_once_leave_one_outcome(merchant):
    statement = statement_of(merchant.merchant.pk, 400)
    start = threading.Barrier(2)
    results: dict[str, bool] = {}

    def run(name, call):
        start.wait()
        try:
            results[name] = call()
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=run, args=("paid", lambda: services.statement_mark_deposited(statement=statement))
        ),
        threading.Thread(
            target=run, args=("held", lambda: move(Statement.objects.get(pk=statement.pk), "hold", "r"))
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    statement.refresh_from_db()
    assert sorted(results.values()) == [False, True]
    payouts = Posting.objects.filter(kind="payout").count()
    if results["paid"]:
        assert (statement.status_code, payouts) == (DepositStatus.DEPOSITED, 1)
    else:
        assert (statement.status_code, payouts) == (DepositStatus.HELD, 0)


@pytest.mark.django_db
def test_a_platforms_fee_income_is_paid_out_on_its_date():
    platform, tenant = platform_and_tenant()
    tapi = ApiClient(tenant.test_secret)
    payment = register(tapi, amount="10000", job_code="CAPTURE")
    assert execute(tapi, payment, token(tapi)).status_code == 200
    services.settlement_run(today=date(2100, 1, 1))
    income = PlatformStatement.objects.get(platform=platform.merchant)
    assert (income.status_code, income.deposit_amount) == (DepositStatus.FIXED, 275)  # fee 250 + tax 25
    p = platform.merchant.pk
    assert net(p, "platform_payable") == -275  # owed to the platform

    assert services.deposits_due(today=income.scheduled_deposit_date) == 2  # the tenant's and the platform's
    income.refresh_from_db()
    assert income.status_code == DepositStatus.DEPOSITED and income.deposited_at is not None
    assert net(p, "platform_payable") == 0 and net(p, "bank") == -275
    assert services.platform_statement_mark_deposited(statement=income) is False  # once
    assert (
        ApiClient(platform.test_secret).call("GET", "/v1/platform_accounts?status=3003").json()["total_count"]
        == 1
    )

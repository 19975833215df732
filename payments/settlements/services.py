"""Settlement runs: fix the statements of closed terms from the ledger (docs/settlements.md).

``settlement_run(today=…)`` fixes, for every merchant, mode and currency with unsettled
postings, the statement of the last term that closed before ``today`` (Japan's date). The
statement settles every posting booked before the start of today's open term that no
statement has settled yet: a posting committed after an earlier term was fixed (late) rolls
into the next statement. One statement per (merchant, mode, currency, term): an advisory
lock per (merchant, mode, currency) serialises runs and the unique constraint backs it up.
"""

from __future__ import annotations

import calendar
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from payments.settlements import deposits, ledger
from payments.settlements.ledger import Line
from payments.settlements.models import (
    Account,
    DepositStatus,
    Kind,
    PlatformStatement,
    Posting,
    Statement,
    StatementLine,
)
from portal.models import Contract, Merchant

JST = ZoneInfo("Asia/Tokyo")
TAX_PERCENT = 10


@dataclass(frozen=True)
class Term:
    start: date
    end: date


def term_of(day: date, *, cycle: str) -> Term:
    """The settlement term holding ``day``: the calendar month, or its 1–15 and 16–end halves."""
    last = calendar.monthrange(day.year, day.month)[1]
    if cycle == Contract.Cycle.SEMIMONTHLY:
        if day.day <= 15:
            return Term(day.replace(day=1), day.replace(day=15))
        return Term(day.replace(day=16), day.replace(day=last))
    return Term(day.replace(day=1), day.replace(day=last))


def last_closed_term(today: date, *, cycle: str) -> Term:
    """The term that closed last before ``today`` (the one before today's open term)."""
    return term_of(term_of(today, cycle=cycle).start - timedelta(days=1), cycle=cycle)


def jst_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=JST)


def tax_of(amount: int) -> int:
    """Consumption tax of a fee total: floor(amount × 10 / 100), per statement (floored for negatives too)."""
    return amount * TAX_PERCENT // 100


@dataclass(frozen=True)
class Figures:
    count: int
    total_amount: int
    fee_amount: int
    tax_amount: int
    platform_fee_amount: int
    platform_fee_tax_amount: int
    settlement_amount: int
    bank_transfer_fee: int
    deposit_amount: int

    @property
    def status_code(self) -> int:
        if self.deposit_amount > 0:
            return DepositStatus.FIXED
        if self.deposit_amount == 0:
            return DepositStatus.SETTLED_ZERO
        return DepositStatus.CLAIMING


def statement_figures(*, count: int, total: int, fee: int, platform_fee: int) -> Figures:
    """fincode's Account amounts from the sums of a term's trade amounts, fees and platform fees."""
    tax = tax_of(fee)
    pf_tax = tax_of(platform_fee)
    settlement = total - fee - tax - platform_fee - pf_tax
    bank_fee = settings.SETTLEMENT_BANK_TRANSFER_FEE if settlement > 0 else 0
    return Figures(
        count=count,
        total_amount=total,
        fee_amount=fee,
        tax_amount=tax,
        platform_fee_amount=platform_fee,
        platform_fee_tax_amount=pf_tax,
        settlement_amount=settlement,
        bank_transfer_fee=bank_fee,
        deposit_amount=settlement - bank_fee,
    )


def merchant_terms(*, merchant_id: int, currency: str) -> tuple[str, int]:
    """(cycle, deposit delay days) of a merchant: semimonthly when any of its contracts in the
    currency says so; the shortest deposit delay of them (15 days without a contract)."""
    rows = list(
        Contract.objects.filter(merchant_id=merchant_id, currency=currency).values_list(
            "settlement_cycle", "deposit_delay_days"
        )
    )
    cycle = (
        Contract.Cycle.SEMIMONTHLY
        if any(c == Contract.Cycle.SEMIMONTHLY for c, _ in rows)
        else Contract.Cycle.MONTHLY
    )
    delay = min((d for _, d in rows), default=15)
    return cycle, delay


def _unsettled():
    settled = StatementLine.objects.filter(posting_id=OuterRef("pk"))
    return Posting.objects.filter(trade_type__isnull=False).exclude(Exists(settled))


def _signed(account: str, merchant_id: int, amount: int, other: str, other_merchant: int) -> list[Line]:
    """Debit ``account`` and credit ``other`` by ``amount`` (the other way round when negative)."""
    if amount >= 0:
        return [Line(merchant_id, account, debit=amount), Line(other_merchant, other, credit=amount)]
    return [Line(merchant_id, account, credit=-amount), Line(other_merchant, other, debit=-amount)]


def _advisory_lock(*parts: object) -> None:
    key = zlib.crc32("settlements:".join(str(p) for p in parts).encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [25, key - (1 << 31)])


@transaction.atomic
def statement_fix(*, merchant_id: int, mode: str, currency: str, today: date) -> Statement | None:
    """Fix the statement of the merchant's last closed term; None when there is nothing to settle
    or it was fixed before (a second run, or one in parallel, makes no second statement)."""
    cycle, delay = merchant_terms(merchant_id=merchant_id, currency=currency)
    term = last_closed_term(today, cycle=cycle)
    _advisory_lock(merchant_id, mode, currency)
    if Statement.objects.filter(
        merchant_id=merchant_id, mode=mode, currency=currency, term_start=term.start
    ).exists():
        return None
    cutoff = jst_midnight(term.end + timedelta(days=1))
    postings = list(
        _unsettled()
        .filter(merchant_id=merchant_id, mode=mode, currency=currency, booked_at__lt=cutoff)
        .order_by("booked_at", "id")
    )
    if not postings:
        return None
    figures = statement_figures(
        count=len(postings),
        total=sum(p.amount for p in postings),
        fee=sum(p.fee for p in postings),
        platform_fee=sum(p.platform_fee for p in postings),
    )
    merchant = Merchant.objects.get(pk=merchant_id)
    statement = Statement.objects.create(
        merchant_id=merchant_id,
        mode=mode,
        currency=currency,
        term_start=term.start,
        term_end=term.end,
        scheduled_deposit_date=term.end + timedelta(days=delay),
        status_code=figures.status_code,
        fixed_at=timezone.now(),
        **vars(figures),
    )
    StatementLine.objects.bulk_create([StatementLine(statement=statement, posting=p) for p in postings])
    platform_id = (
        merchant.platform_id if merchant.shop_type == "tenant" and merchant.platform_id else merchant_id
    )
    lines = _signed(
        Account.MERCHANT_PAYABLE, merchant_id, figures.tax_amount, Account.TAX_PAYABLE, merchant_id
    )
    lines += _signed(
        Account.MERCHANT_PAYABLE,
        merchant_id,
        figures.platform_fee_tax_amount,
        Account.PLATFORM_PAYABLE,
        platform_id,
    )
    lines += _signed(
        Account.MERCHANT_PAYABLE, merchant_id, figures.bank_transfer_fee, Account.FEE_REVENUE, merchant_id
    )
    if any(line.debit or line.credit for line in lines):
        ledger.post(
            merchant_id=merchant_id,
            mode=mode,
            currency=currency,
            kind=Kind.STATEMENT_FIX,
            lines=lines,
            at=timezone.now(),
            reference=statement.public_id,
            stage="fix",
        )
    if platform_id != merchant_id and figures.platform_fee_amount:
        _platform_statement_add(platform_id=platform_id, statement=statement, figures=figures)
    return statement


def _platform_statement_add(*, platform_id: int, statement: Statement, figures: Figures) -> None:
    """Add a tenant statement's platform fees to its platform's statement of the same term."""
    _advisory_lock("platform", platform_id, statement.mode, statement.currency)
    platform_statement, _ = PlatformStatement.objects.get_or_create(
        platform_id=platform_id,
        mode=statement.mode,
        currency=statement.currency,
        term_start=statement.term_start,
        term_end=statement.term_end,
        defaults={"scheduled_deposit_date": statement.scheduled_deposit_date},
    )
    platform_statement = PlatformStatement.objects.select_for_update().get(pk=platform_statement.pk)
    platform_statement.tenant_statements.add(statement)
    platform_statement.count += figures.count
    platform_statement.total_amount += figures.total_amount
    platform_statement.platform_fee_amount += figures.platform_fee_amount
    platform_statement.platform_fee_tax_amount += figures.platform_fee_tax_amount
    platform_statement.settlement_amount = (
        platform_statement.platform_fee_amount + platform_statement.platform_fee_tax_amount
    )
    platform_statement.deposit_amount = (
        platform_statement.settlement_amount - platform_statement.bank_transfer_fee
    )
    platform_statement.status_code = (
        DepositStatus.FIXED
        if platform_statement.deposit_amount > 0
        else DepositStatus.SETTLED_ZERO
        if platform_statement.deposit_amount == 0
        else DepositStatus.CLAIMING
    )
    platform_statement.save(
        update_fields=[
            "count", "total_amount", "platform_fee_amount", "platform_fee_tax_amount",
            "settlement_amount", "deposit_amount", "status_code", "updated",
        ]
    )  # fmt: skip


def settlement_run(*, today: date) -> list[Statement]:
    """Fix every closed term's statement (each in its own transaction); returns the new ones."""
    keys = (
        _unsettled()
        .filter(booked_at__lt=jst_midnight(today))
        .values_list("merchant_id", "mode", "currency")
        .distinct()
        .order_by("merchant_id", "mode", "currency")
    )
    made = []
    for merchant_id, mode, currency in list(keys):
        statement = statement_fix(merchant_id=merchant_id, mode=mode, currency=currency, today=today)
        if statement is not None:
            made.append(statement)
    return made


@transaction.atomic
def statement_mark_deposited(*, statement: Statement, actor: str = "") -> bool:
    """A fixed statement's deposit was paid out: post the payout and mark it deposited (3003).
    Conditional: only a FIXED statement moves; False when it was not (already deposited, held,
    zero, negative). A payout after one the bank returned (``deposits``) is the next attempt,
    posted under its own stage."""
    moved = Statement.objects.filter(pk=statement.pk, status_code=DepositStatus.FIXED).update(
        status_code=DepositStatus.DEPOSITED,
        deposited_at=timezone.now(),
        payout_attempts=F("payout_attempts") + 1,
        status_reason="",
        updated=timezone.now(),
    )
    if not moved:
        return False
    statement.refresh_from_db()
    attempt = statement.payout_attempts
    deposits.bank_post(
        statement,
        owner=statement.merchant_id,
        kind=Kind.PAYOUT,
        amount=statement.deposit_amount,
        into_bank=False,
        stage="payout" if attempt == 1 else f"payout-{attempt}",
        actor=actor,
    )
    return True


@transaction.atomic
def platform_statement_mark_deposited(*, statement: PlatformStatement, actor: str = "") -> bool:
    """A platform's fee income of one term was paid out (3003): moved from its platform payable
    to the bank. Conditional, as a merchant's statement: only a FIXED one moves."""
    moved = PlatformStatement.objects.filter(pk=statement.pk, status_code=DepositStatus.FIXED).update(
        status_code=DepositStatus.DEPOSITED, deposited_at=timezone.now(), updated=timezone.now()
    )
    if not moved:
        return False
    statement.refresh_from_db()
    deposits.bank_post(
        statement,
        owner=statement.platform_id,
        payable=Account.PLATFORM_PAYABLE,
        kind=Kind.PAYOUT,
        amount=statement.deposit_amount,
        into_bank=False,
        stage="payout",
        actor=actor,
    )
    return True


def deposits_due(*, today: date) -> int:
    """Pay out every fixed statement — a merchant's, a platform's fee income — whose scheduled
    deposit date has come (the beat task). Held or returned deposits wait (``deposits``)."""
    actor = "settlements.deposit_due"
    count = 0
    for statement in Statement.objects.filter(
        status_code=DepositStatus.FIXED, scheduled_deposit_date__lte=today
    ).order_by("id"):
        count += statement_mark_deposited(statement=statement, actor=actor)
    for income in PlatformStatement.objects.filter(
        status_code=DepositStatus.FIXED, scheduled_deposit_date__lte=today
    ).order_by("id"):
        count += platform_statement_mark_deposited(statement=income, actor=actor)
    return count


@transaction.atomic
def adjustment_create(
    *, merchant: Merchant, mode: str, currency: str, amount: int, reason: str, actor
) -> Posting:
    """An operator's adjustment of a merchant's next statement (trade type 4), audited."""
    from portal.services.audit import audit_record

    label = getattr(actor, "email", None) or "system"
    posting = ledger.record_adjustment(
        merchant_id=merchant.pk, mode=mode, currency=currency, amount=amount, reason=reason, actor=label
    )
    audit_record(
        actor=actor,
        action="settlement.adjustment",
        obj=posting,
        merchant=merchant,
        after={"mode": mode, "currency": currency, "amount": amount, "reason": posting.reason},
    )
    return posting

"""The double-entry ledger: every money movement posts balanced entries (docs/settlements.md).

Writers:

- ``payment_posting_sql``: the posting of a payment whose captured amount (or its fees)
  changed, as data-modifying CTEs that ``payments.state.payment_write_with_history`` adds to
  the ONE statement that writes the payment's status: one writer, no second code path. It
  posts the difference between what the payment is now (its net captured amount, the fee and
  the platform fee of that amount) and what the ledger already holds for it, so the ledger
  always equals the payment after any sequence of operations.
- ``record_chargeback`` (the chargebacks app's interface), ``record_adjustment`` (operators)
  and ``post`` (the settlement run's fixing and payout postings): one INSERT statement each,
  idempotent per ``(reference, stage)``.

Entries are append-only and every posting balances: the database refuses anything else
(migration 0002).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from payments.settlements import errors
from payments.settlements.models import Account, Entry, Kind, Posting, TradeType
from portal.errors import PortalError
from portal.models import Mode

if TYPE_CHECKING:
    from payments.models import Payment, PaymentEvent

# fincode's AccountPaymentMethod per fee class (the pay-type modules' ``fee_class``).
PAYMENT_METHODS: dict[str, str] = {
    "vm": "VM",
    "jad": "JA",
    "konbini": "KONBINI",
    "paypay": "PayPay",
    "applepay_vm": "ApplepayVM",
    "applepay_jad": "ApplepayJA",
    "googlepay_vm": "GooglepayVM",
    "googlepay_jad": "GooglepayJA",
    "directdebit": "Directdebit",
    "virtualaccount": "Virtualaccount",
}

CHARGEBACK_STAGES = ("hold", "release", "loss")


def payment_method(fee_class: str) -> str | None:
    """fincode's AccountPaymentMethod of a fee class (None for ours that fincode lacks, e.g. BNPL)."""
    return PAYMENT_METHODS.get(fee_class)


def captured_amount(payment: Payment) -> int:
    """What the payment has taken from the buyer and owes the merchant: amount + tax once captured."""
    from payments.models import Status

    return payment.amount + payment.tax if payment.status == Status.CAPTURED else 0


def fee_of(amount: int, *, rate_bps: int, fixed_fee: int) -> int:
    """Our fee of a net captured amount: max(floor(amount × bps / 10000), fixed fee); 0 for 0."""
    if amount == 0:
        return 0
    return max(amount * rate_bps // 10_000, fixed_fee)


def platform_fee_of(amount: int, *, rate: Decimal | None, fixed_fee: int | None) -> int:
    """A platform's fee of a net captured amount: max(floor(amount × rate / 100), fixed fee);
    0 for 0, and 0 when the applicable row has no rate."""
    if amount == 0 or rate is None:
        return 0
    by_rate = int((Decimal(amount) * rate / 100).to_integral_value(rounding=ROUND_FLOOR))
    return max(by_rate, fixed_fee or 0)


# --- The payment posting: CTEs of the payment's one statement ---------------------------------

_PAYMENT_POSTING = """
lg_t AS (
  SELECT src.payment_id, %(sale)s::bigint AS sale,
    CASE WHEN %(sale)s::bigint = 0 THEN 0 ELSE COALESCE((
      SELECT GREATEST(FLOOR(%(sale)s::numeric * k.fee_rate_bps / 10000)::bigint, k.fixed_fee)
      FROM portal_contract k WHERE k.merchant_id = %(merchant)s AND k.pay_type = %(pay_type)s), 0) END AS fee,
    COALESCE(tm.platform_id, 0) AS platform_id,
    CASE WHEN %(sale)s::bigint = 0 OR tm.platform_id IS NULL THEN 0 ELSE COALESCE((
      SELECT CASE WHEN f.rate IS NULL THEN 0
                  ELSE GREATEST(FLOOR(%(sale)s::numeric * f.rate / 100)::bigint, COALESCE(f.fixed_fee, 0)) END
      FROM portal_platformfee f
      WHERE f.fee_class = %(fee_class)s AND f.merchant_id IN (tm.id, tm.platform_id)
      ORDER BY f.merchant_id = tm.id DESC LIMIT 1), 0) END AS pf
  FROM {source} AS src
  LEFT JOIN portal_merchant tm
    ON tm.id = %(merchant)s AND tm.shop_type = 'tenant' AND tm.platform_id IS NOT NULL
),
lg_d AS (
  SELECT t.payment_id, t.platform_id, t.sale - COALESCE(SUM(p.amount), 0) AS d_sale,
         t.fee - COALESCE(SUM(p.fee), 0) AS d_fee, t.pf - COALESCE(SUM(p.platform_fee), 0) AS d_pf
  FROM lg_t t LEFT JOIN settlements_posting p ON p.payment_id = t.payment_id AND p.kind = 'payment'
  GROUP BY t.payment_id, t.platform_id, t.sale, t.fee, t.pf
),
lg_p AS (
  INSERT INTO settlements_posting (merchant_id, mode, currency, kind, trade_type, payment_id, order_id,
    access_id, pay_type, fee_class, amount, fee, platform_fee, reference, stage, reason, actor, booked_at,
    created_at)
  SELECT %(merchant)s, %(mode)s, %(currency)s, 'payment', CASE WHEN d.d_sale < 0 THEN 2 ELSE 1 END,
    d.payment_id, %(order_id)s, %(access_id)s, %(pay_type)s, %(fee_class)s, d.d_sale, d.d_fee, d.d_pf,
    '', '', %(action)s, %(actor)s, %(at)s, %(at)s
  FROM lg_d d WHERE d.d_sale <> 0 OR d.d_fee <> 0 OR d.d_pf <> 0
  RETURNING id, amount, fee, platform_fee
),
lg_e AS (
  INSERT INTO settlements_entry (posting_id, merchant_id, mode, currency, account, debit, credit)
  SELECT p.id, v.merchant_id, %(mode)s, %(currency)s, v.account, v.debit, v.credit
  FROM lg_p p CROSS JOIN lg_d d CROSS JOIN LATERAL (VALUES
    (%(merchant)s::bigint, 'acquirer_receivable', GREATEST(p.amount, 0), GREATEST(-p.amount, 0)),
    (%(merchant)s::bigint, 'merchant_payable', GREATEST(-p.amount, 0), GREATEST(p.amount, 0)),
    (%(merchant)s::bigint, 'merchant_payable', GREATEST(p.fee, 0), GREATEST(-p.fee, 0)),
    (%(merchant)s::bigint, 'fee_revenue', GREATEST(-p.fee, 0), GREATEST(p.fee, 0)),
    (%(merchant)s::bigint, 'merchant_payable', GREATEST(p.platform_fee, 0), GREATEST(-p.platform_fee, 0)),
    (d.platform_id::bigint, 'platform_payable', GREATEST(-p.platform_fee, 0), GREATEST(p.platform_fee, 0))
  ) AS v(merchant_id, account, debit, credit)
  WHERE v.debit + v.credit > 0
)"""


def payment_posting_sql(*, payment: Payment, history: PaymentEvent, source: str) -> tuple[str, list] | None:
    """The payment's posting as CTEs (``lg_t``…``lg_e``) for the statement that writes it.

    ``payment`` is the payment as the change leaves it; ``source`` names an earlier CTE with
    the written row's ``payment_id`` (no row: nothing is posted). Posts the difference between
    the payment's net captured amount, our fee and the platform fee of it, and the sums of its
    earlier postings. Returns None when nothing can have changed (not captured now, not
    captured before), so the hot paths of authorisation pay nothing.
    """
    from payments.methods.registry import METHODS
    from payments.models import Status

    sale = captured_amount(payment)
    if sale == 0 and history.from_status != Status.CAPTURED:
        return None
    method = METHODS.get(payment.pay_type)
    params = {
        "sale": sale,
        "merchant": payment.merchant_id,
        "mode": payment.mode,
        "currency": payment.currency,
        "pay_type": payment.pay_type,
        "fee_class": method.fee_class(payment) if method is not None else "",
        "order_id": payment.order_id,
        "access_id": payment.access_id,
        "action": history.action[:200],
        "actor": (history.actor or "")[:120],
        "at": history.created_at,
    }
    sql, names = _positional(_PAYMENT_POSTING.format(source=source))
    return sql, [params[name] for name in names]


def _positional(sql: str) -> tuple[str, list[str]]:
    """``%(name)s`` placeholders as ``%s`` and the names in order (the caller's statement is positional)."""
    names = re.findall(r"%\((\w+)\)s", sql)
    return re.sub(r"%\((\w+)\)s", "%s", sql), names


# --- Other postings: one INSERT statement each ----------------------------------------------


@dataclass(frozen=True)
class Line:
    merchant_id: int
    account: str
    debit: int = 0
    credit: int = 0


_POST_HEAD = (
    "WITH p AS (INSERT INTO settlements_posting (merchant_id, mode, currency, kind, trade_type, order_id,"
    " access_id, pay_type, fee_class, amount, fee, platform_fee, reference, stage, reason, actor,"
    " booked_at, created_at) VALUES (%s, %s, %s, %s, %s, %s, '', '', '', %s, 0, 0, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (reference, stage) WHERE reference <> '' DO NOTHING RETURNING id), "
    "e AS (INSERT INTO settlements_entry (posting_id, merchant_id, mode, currency, account, debit, credit)"
    " SELECT p.id, v.m, %s, %s, v.a, v.d, v.c FROM p CROSS JOIN (VALUES "
)
_POST_TAIL = ") AS v(m, a, d, c)) SELECT id FROM p"


def post(
    *,
    merchant_id: int,
    mode: str,
    currency: str,
    kind: str,
    lines: list[Line],
    at: datetime,
    reference: str,
    stage: str,
    trade_type: int | None = None,
    amount: int = 0,
    order_id: str = "",
    reason: str = "",
    actor: str = "",
) -> int | None:
    """Write one posting and its entries in ONE statement; idempotent per ``(reference, stage)``.

    Returns the posting's id, or None when that reference and stage were posted before.
    """
    lines = [line for line in lines if line.debit or line.credit]
    if sum(line.debit for line in lines) != sum(line.credit for line in lines) or not lines:
        raise ValueError("a posting must balance")
    values = ", ".join(["(%s::bigint, %s, %s::bigint, %s::bigint)"] * len(lines))
    sql = _POST_HEAD + values + _POST_TAIL  # placeholder groups only: no value is spliced in
    params: list[Any] = [
        merchant_id, mode, currency, kind, trade_type, order_id[:30], amount, reference, stage,
        reason[:200], actor[:120], at, timezone.now(), mode, currency,
    ]  # fmt: skip
    for line in lines:
        params += [line.merchant_id, line.account, line.debit, line.credit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def record_chargeback(
    *,
    merchant_id: int,
    mode: str,
    currency: str,
    amount: int,
    reference: str,
    order_id: str,
    stage: str,
    at: datetime,
) -> None:
    """Post a chargeback stage; a repeat of ``(reference, stage)`` is a no-op.

    ``hold``: the amount is taken from the merchant's next settlement (trade type 3);
    ``release``: it is given back (trade type 5); ``loss``: the held amount goes to the acquirer
    (no statement line: the merchant already paid it with the hold).
    """
    if stage not in CHARGEBACK_STAGES:
        raise ValueError(f"stage must be one of {CHARGEBACK_STAGES}")
    if amount <= 0:
        raise ValueError("amount must be positive")
    if mode not in Mode.values or not reference:
        raise ValueError("mode and reference are required")
    m = merchant_id
    if stage == "hold":
        kind, trade, signed = Kind.CHARGEBACK_HOLD, TradeType.CHARGEBACK, -amount
        lines = [
            Line(m, Account.MERCHANT_PAYABLE, debit=amount),
            Line(m, Account.CHARGEBACK_HELD, credit=amount),
        ]
    elif stage == "release":
        kind, trade, signed = Kind.CHARGEBACK_RELEASE, TradeType.CHARGEBACK_CANCEL, amount
        lines = [
            Line(m, Account.CHARGEBACK_HELD, debit=amount),
            Line(m, Account.MERCHANT_PAYABLE, credit=amount),
        ]
    else:
        kind, trade, signed = Kind.CHARGEBACK_LOSS, None, 0
        lines = [
            Line(m, Account.CHARGEBACK_HELD, debit=amount),
            Line(m, Account.ACQUIRER_RECEIVABLE, credit=amount),
        ]
    with transaction.atomic():  # a savepoint: a conflict never poisons the caller's transaction
        post(
            merchant_id=m, mode=mode, currency=currency, kind=kind, lines=lines, at=at, reference=reference,
            stage=stage, trade_type=trade, amount=signed, order_id=order_id,
        )  # fmt: skip


def record_adjustment(
    *,
    merchant_id: int,
    mode: str,
    currency: str,
    amount: int,
    reason: str,
    actor: str,
    at: datetime | None = None,
    reference: str = "",
) -> Posting:
    """An operator's adjustment of a merchant's next settlement (trade type 4, ± ``amount``)."""
    from portal.ids import new_id

    if amount == 0:
        raise PortalError(errors.ADJUSTMENT_AMOUNT_ZERO)
    if not reason.strip():
        raise PortalError(errors.ADJUSTMENT_REASON_REQUIRED)
    m, size = merchant_id, abs(amount)
    if amount > 0:
        lines = [Line(m, Account.ADJUSTMENTS, debit=size), Line(m, Account.MERCHANT_PAYABLE, credit=size)]
    else:
        lines = [Line(m, Account.MERCHANT_PAYABLE, debit=size), Line(m, Account.ADJUSTMENTS, credit=size)]
    reference = reference or new_id("adj", 24)
    with transaction.atomic():
        posting_id = post(
            merchant_id=m, mode=mode, currency=currency, kind=Kind.ADJUSTMENT, lines=lines,
            at=at or timezone.now(), reference=reference, stage="adjustment", trade_type=TradeType.ADJUSTMENT,
            amount=amount, reason=reason.strip(), actor=actor,
        )  # fmt: skip
    if posting_id is None:
        return Posting.objects.get(reference=reference, stage="adjustment")
    return Posting.objects.get(pk=posting_id)


__all__ = ["Entry", "record_adjustment", "record_chargeback"]

"""A fixed statement's deposit, after the run fixed it: paid out, held, returned by the bank and
paid again, or — for a negative statement — claimed from the merchant (fincode's
DepositStatusCode 3002–3009).

    FIXED 3002 ──pay──▶ DEPOSITED 3003 ──returned──▶ DEPOSIT_ERROR 3005 ──release──▶ FIXED
      │ ▲                                                      (paid again by the next deposit run)
    hold release
      ▼ │
    HELD 3004
    CLAIMING 3006 ──paid──▶ CLAIM_PAID 3009
      │ ▲ ╲──failed──▶ CLAIM_ERROR 3007 ──release──▶ CLAIMING;  CLAIM_ERROR ──paid──▶ CLAIM_PAID
    hold release
      ▼ │
    CLAIM_HELD 3008

The deposit run pays FIXED statements only (``services.statement_mark_deposited``), so a held
or failed deposit waits for an operator.
Each move locks the statement and checks the state it leaves (an operator and the deposit run,
or two operators, cannot both move it), is audited, and — where money moves — is posted to
the ledger in the same transaction, once per statement and payout (``payout_attempts``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from payments.settlements import ledger
from payments.settlements.ledger import Line
from payments.settlements.models import Account, DepositStatus, Kind, PlatformStatement, Statement
from portal.models import User
from portal.services.audit import audit_record

S = DepositStatus

# action → {the state it leaves: the state it reaches}
MOVES: dict[str, dict[int, int]] = {
    "hold": {S.FIXED: S.HELD, S.CLAIMING: S.CLAIM_HELD},
    "release": {
        S.HELD: S.FIXED,
        S.DEPOSIT_ERROR: S.FIXED,
        S.CLAIM_HELD: S.CLAIMING,
        S.CLAIM_ERROR: S.CLAIMING,
    },
    "payout_returned": {S.DEPOSITED: S.DEPOSIT_ERROR},
    "claim_failed": {S.CLAIMING: S.CLAIM_ERROR},
    "claim_paid": {S.CLAIMING: S.CLAIM_PAID, S.CLAIM_ERROR: S.CLAIM_PAID},
}
# The moves that say why (the reason is kept on the statement and shown to operators).
WITH_REASON = frozenset({"hold", "payout_returned", "claim_failed"})


def _label(actor: User | None) -> str:
    return actor.email if actor is not None else "system"


def statement_move(*, statement: Statement, action: str, actor: User | None, reason: str = "") -> bool:
    """Apply ``action`` (a key of ``MOVES``) to ``statement``; False when its state does not allow
    it (nothing written). ``reason`` is required by the actions of ``WITH_REASON``; ``actor`` is
    the operator (None: the system), in the audit log and on the ledger's postings."""
    targets = MOVES[action]
    reason = reason.strip()[:200]
    if action in WITH_REASON and not reason:
        raise ValueError(f"{action} needs a reason")
    with transaction.atomic():
        locked = Statement.objects.select_for_update().filter(pk=statement.pk).first()
        if locked is None or locked.status_code not in targets:
            return False
        before = locked.status_code
        locked.status_code = targets[before]
        locked.status_reason = reason if action in WITH_REASON else ""
        if action == "payout_returned":
            _post_returned(locked, actor=actor, reason=reason)
            locked.deposited_at = None
        elif action == "claim_paid":
            _post_claim_paid(locked, actor=actor)
        locked.save(update_fields=["status_code", "status_reason", "deposited_at", "updated"])
        audit_record(
            actor=actor,
            action=f"settlement.{action}",
            obj=locked,
            merchant=locked.merchant,
            before={"status_code": before},
            after={"status_code": locked.status_code, "reason": reason},
        )
    statement.refresh_from_db()
    return True


def bank_post(
    statement: Statement | PlatformStatement,
    *,
    owner: int,
    kind: str,
    amount: int,
    into_bank: bool,
    stage: str,
    actor: str,
    payable: str = Account.MERCHANT_PAYABLE,
    reason: str = "",
) -> None:
    """Money between the bank and ``owner``'s ``payable`` (a merchant's, or a platform's fee
    income) for ``statement``: out of the bank (a payout) or into it (a payout given back, a
    claim paid); one posting per statement and ``stage``."""
    bank = Account.BANK
    debit, credit = (bank, payable) if into_bank else (payable, bank)
    ledger.post(
        merchant_id=owner,
        mode=statement.mode,
        currency=statement.currency,
        kind=kind,
        lines=[Line(owner, debit, debit=amount), Line(owner, credit, credit=amount)],
        at=timezone.now(),
        reference=statement.public_id,
        stage=stage,
        reason=reason,
        actor=actor,
    )


def _post_returned(statement: Statement, *, actor: User | None, reason: str) -> None:
    """The bank gave the payout back: the merchant is owed its deposit again."""
    bank_post(
        statement,
        owner=statement.merchant_id,
        kind=Kind.PAYOUT_RETURNED,
        amount=statement.deposit_amount,
        into_bank=True,
        stage=f"returned-{statement.payout_attempts}",
        actor=_label(actor),
        reason=reason,
    )


def _post_claim_paid(statement: Statement, *, actor: User | None) -> None:
    """The merchant paid what a negative statement claimed: its payable is back to zero."""
    bank_post(
        statement,
        owner=statement.merchant_id,
        kind=Kind.CLAIM_RECEIVED,
        amount=-statement.deposit_amount,
        into_bank=True,
        stage="claim-paid",
        actor=_label(actor),
    )

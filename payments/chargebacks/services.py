"""Chargebacks: every write, each in one transaction with its ledger posting and its webhook.

Transitions go through ``_transition`` only: it locks the chargeback (``select_for_update``),
checks the status it may leave, writes the new one, posts the ledger stage and records the
timeline, so a repeated or concurrent decision finds the row already moved and is refused —
never a second hold, never a release after a loss.

Ledger stages (``payments.settlements.ledger.record_chargeback``, idempotent per stage):
open → ``hold``; won or canceled by the acquirer → ``release``; lost → ``loss``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import filetype  # type: ignore[import-untyped]
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from payments.chargebacks import errors, shapes
from payments.chargebacks.models import (
    OPEN_STATUSES,
    Category,
    Chargeback,
    ChargebackEvent,
    ChargebackEvidence,
    Request,
    Status,
)
from payments.models import Payment
from payments.selectors import JST
from payments.settlements import ledger
from payments.webhooks.outbox import event_record
from portal.errors import FieldError, PortalError
from portal.models import ApiKey, User
from portal.services.audit import Actor, audit_record

EVENT_OPENED = "chargebacks.opened"
EVENT_DECIDED = "chargebacks.decided"
EVIDENCE_DAYS = 14
EVIDENCE_MAX_FILES = 10


def _label(actor: Actor | str) -> str:
    if isinstance(actor, str):
        return actor
    if isinstance(actor, ApiKey):
        return f"api_key:{actor.masked}"
    if isinstance(actor, User):
        return actor.email
    return "system"


def _notify(chargeback: Chargeback, name: str) -> None:
    chargeback.event_seq += 1
    Chargeback.objects.filter(pk=chargeback.pk).update(event_seq=chargeback.event_seq)
    event_record(
        merchant_id=chargeback.merchant_id,
        mode=chargeback.mode,
        name=name,
        sequence=chargeback.event_seq,
        payload=shapes.list_item(chargeback),
    )


def _timeline(chargeback: Chargeback, action: str, actor: Actor | str, note: str = "") -> None:
    ChargebackEvent.objects.create(
        chargeback=chargeback,
        action=action,
        status_code=chargeback.status_code,
        actor_label=_label(actor)[:255],
        note=note[:500],
    )


def _audit(chargeback: Chargeback, action: str, actor: Actor | str, before: int | None) -> None:
    audit_record(
        actor=None if isinstance(actor, str) else actor,
        action=f"chargeback.{action}",
        obj=chargeback,
        merchant=chargeback.merchant,
        before=None if before is None else {"status_code": before},
        after={"status_code": chargeback.status_code, "by": _label(actor)},
    )


@transaction.atomic
def chargeback_open(
    *,
    payment: Payment,
    amount: int,
    category: int,
    request: int,
    acquirer_reference: str,
    reason_code: str = "",
    reason_text: str = "",
    actor: Actor | str = "acquirer",
    at: datetime | None = None,
) -> Chargeback:
    """The acquirer (or an operator) opens a chargeback on a captured payment: the amount is
    held from the merchant's next settlement. A repeated notice (same ``acquirer_reference``)
    answers the chargeback it opened, and holds nothing twice."""
    existing = Chargeback.objects.filter(acquirer_reference=acquirer_reference).first()
    if existing is not None:
        return existing
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise FieldError("26", "amount", "invalid", "must be a positive whole number")
    if category not in Category.values:
        raise FieldError("26", "category", "choice")
    if request not in Request.values:
        raise FieldError("26", "request", "choice")
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    captured = ledger.captured_amount(payment)
    if captured == 0:
        raise PortalError(errors.PAYMENT_NOT_CAPTURED)
    if amount > captured:
        raise PortalError(errors.AMOUNT_OVER_CAPTURED)
    if Chargeback.objects.filter(payment=payment, status_code__in=OPEN_STATUSES).exists():
        raise PortalError(errors.ALREADY_DISPUTED)
    now = at or timezone.now()
    try:
        with transaction.atomic():
            chargeback = Chargeback.objects.create(
                payment=payment,
                merchant_id=payment.merchant_id,
                mode=payment.mode,
                currency=payment.currency,
                amount=amount,
                category=category,
                request=request,
                acquirer_reference=acquirer_reference,
                reason_code=reason_code[:10],
                reason_text=reason_text[:500],
                trade_registration_date=payment.created,
                process_date=payment.created.astimezone(JST).date(),
                opened_to_shop_date=now,
                evidence_due_date=now.astimezone(JST).date() + timedelta(days=EVIDENCE_DAYS),
            )
    except IntegrityError:  # the same notice, concurrently: answer the one that won
        existing = Chargeback.objects.filter(acquirer_reference=acquirer_reference).first()
        if existing is None:
            raise PortalError(errors.ALREADY_DISPUTED) from None
        return existing
    chargeback = Chargeback.objects.select_related("merchant", "payment").get(pk=chargeback.pk)
    _post(chargeback, "hold", now)
    _timeline(chargeback, "opened", actor, reason_text)
    _audit(chargeback, "opened", actor, None)
    _notify(chargeback, EVENT_OPENED)
    return chargeback


def _post(chargeback: Chargeback, stage: str, at: datetime) -> None:
    ledger.record_chargeback(
        merchant_id=chargeback.merchant_id,
        mode=chargeback.mode,
        currency=chargeback.currency,
        amount=chargeback.amount,
        reference=chargeback.ledger_reference,
        order_id=chargeback.payment.order_id,
        stage=stage,
        at=at,
    )


def _lock(chargeback: Chargeback) -> Chargeback:
    return (
        Chargeback.objects.select_for_update(of=("self",))
        .select_related("merchant", "payment")
        .get(pk=chargeback.pk)
    )


def _transition(
    chargeback: Chargeback,
    *,
    allowed: tuple[int, ...],
    to: int,
    action: str,
    actor: Actor | str,
    stage: str | None = None,
    fields: dict[str, Any] | None = None,
    note: str = "",
    event: str | None = None,
) -> Chargeback:
    """The one place a chargeback changes status (the caller holds a transaction)."""
    locked = _lock(chargeback)
    if locked.status_code not in allowed:
        raise PortalError(errors.STATE_CONFLICT)
    before = locked.status_code
    now = timezone.now()
    locked.status_code = to
    for name, value in (fields or {}).items():
        setattr(locked, name, now if value is _NOW else value)
    locked.save()
    if stage:
        _post(locked, stage, now)
    _timeline(locked, action, actor, note)
    _audit(locked, action, actor, before)
    if event:
        _notify(locked, event)
    return locked


_NOW = object()


@transaction.atomic
def chargeback_evidence_add(*, chargeback: Chargeback, upload, actor: Actor) -> ChargebackEvidence:
    """The merchant answers with a PDF/PNG/JPEG file, checked by its content (not its name)."""
    limit = settings.DOCUMENT_MAX_BYTES
    if upload is None:
        raise FieldError("26", "file", "required")
    if upload.size > limit:
        raise PortalError(
            errors.EVIDENCE_TOO_LARGE, f"file: larger than {limit // 1024 // 1024} MB", field="file"
        )
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise PortalError(errors.EVIDENCE_TOO_LARGE, field="file")
    if not content:
        raise FieldError("26", "file", "required", "the file is empty")
    guessed = filetype.guess(content)
    content_type = guessed.mime if guessed else None
    if content_type not in ChargebackEvidence.CONTENT_TYPES:
        raise PortalError(errors.EVIDENCE_REJECTED, field="file")
    locked = _lock(chargeback)
    if locked.status_code != Status.OPEN:
        raise PortalError(errors.STATE_CONFLICT)
    if timezone.now().astimezone(JST).date() > locked.evidence_due_date:
        raise PortalError(errors.EVIDENCE_LATE, field="file")
    if locked.evidence.count() >= EVIDENCE_MAX_FILES:
        raise PortalError(errors.TOO_MANY_EVIDENCE, field="file")
    evidence = ChargebackEvidence(
        chargeback=locked,
        original_name=(getattr(upload, "name", "") or "evidence")[-255:],
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor if isinstance(actor, User) else None,
    )
    evidence.file.save("upload", ContentFile(content), save=False)
    evidence.save()
    _timeline(locked, "evidence_added", actor, evidence.original_name)
    audit_record(
        actor=actor,
        action="chargeback.evidence_added",
        obj=locked,
        merchant=locked.merchant,
        after={"evidence": evidence.public_id, "content_type": content_type, "size": len(content)},
    )
    return evidence


@transaction.atomic
def chargeback_submit(*, chargeback: Chargeback, actor: Actor) -> Chargeback:
    """The merchant sends its evidence to the acquirer (4005 → 4006)."""
    if not ChargebackEvidence.objects.filter(chargeback=chargeback).exists():
        raise PortalError(errors.EVIDENCE_REQUIRED)
    return _transition(
        chargeback,
        allowed=(Status.OPEN,),
        to=Status.SUBMITTED,
        action="submitted",
        actor=actor,
        fields={"submitted_at": _NOW},
    )


@transaction.atomic
def chargeback_decide(*, chargeback: Chargeback, won: bool, actor: Actor | str, note: str = "") -> Chargeback:
    """The acquirer's decision: won → 4007 and the hold is released; lost → 4011 and the hold
    becomes the merchant's loss. Only one decision ever lands."""
    return _transition(
        chargeback,
        allowed=OPEN_STATUSES,
        to=Status.WON if won else Status.LOST,
        action="won" if won else "lost",
        actor=actor,
        stage="release" if won else "loss",
        fields={"decided_at": _NOW},
        note=note,
        event=EVENT_DECIDED,
    )


@transaction.atomic
def chargeback_cancel(*, chargeback: Chargeback, actor: Actor | str, note: str = "") -> Chargeback:
    """The acquirer withdrew the chargeback: 4009 canceled, and the hold is released."""
    return _transition(
        chargeback,
        allowed=OPEN_STATUSES,
        to=Status.SETTLED,
        action="canceled",
        actor=actor,
        stage="release",
        fields={"canceled": True, "canceled_date": _NOW, "decided_at": _NOW},
        note=note,
        event=EVENT_DECIDED,
    )


NOTICE_OUTCOMES = {"won": Status.WON, "lost": Status.LOST, "canceled": Status.SETTLED}


def chargeback_notice_apply(*, mode: str, notice: dict[str, Any]) -> Chargeback:
    """An acquirer's dispute notice (``simulators.chargebacks`` sends them in test mode): open a
    chargeback on the payment of ``transaction_id``, or decide the one of ``case_id``. A notice
    that arrives again is acknowledged without a second effect."""
    stage, case_id = notice.get("stage"), str(notice.get("case_id") or "")
    if not case_id or len(case_id) > 64:
        raise FieldError("26", "id", "invalid", "case_id is required")
    if stage == "open":
        payment = Payment.objects.filter(
            mode=mode, transaction_id=str(notice.get("transaction_id") or "")
        ).first()
        if payment is None:
            raise PortalError(errors.PAYMENT_NOT_FOUND)
        return chargeback_open(
            payment=payment,
            amount=notice.get("amount"),  # type: ignore[arg-type]  # checked there
            category=notice.get("category"),  # type: ignore[arg-type]
            request=notice.get("request"),  # type: ignore[arg-type]
            acquirer_reference=case_id,
            reason_code=str(notice.get("reason_code") or ""),
            reason_text=str(notice.get("reason_text") or ""),
            actor="acquirer",
        )
    if stage not in NOTICE_OUTCOMES:
        raise FieldError("26", "outcome", "invalid", "stage must be open, won, lost or canceled")
    chargeback = Chargeback.objects.filter(acquirer_reference=case_id, mode=mode).first()
    if chargeback is None:
        raise PortalError(errors.CHARGEBACK_NOT_FOUND)
    if chargeback.status_code == NOTICE_OUTCOMES[stage]:
        return chargeback  # the same notice again
    if stage == "canceled":
        return chargeback_cancel(chargeback=chargeback, actor="acquirer")
    return chargeback_decide(chargeback=chargeback, won=stage == "won", actor="acquirer")

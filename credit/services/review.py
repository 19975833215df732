"""The manual review queue: a reviewer decides a check that the rules sent to review."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from credit import errors
from credit.models import (
    Buyer,
    CreditCheck,
    Decision,
)
from credit.services.invoices import exposure_authorize
from portal.errors import PortalError
from portal.models import User
from portal.services import audit_record

logger = logging.getLogger(__name__)
Actor = User | None
BATCH = 2000


_review_hooks: list[Callable[[int], None]] = []


def on_review_decided(hook: Callable[[int], None]) -> None:
    """Register a callable run (after commit) with the check's pk when a review is decided."""
    _review_hooks.append(hook)


@transaction.atomic
def credit_check_review(*, check: CreditCheck, outcome: str, note: str, reviewer: User) -> CreditCheck:
    target = {
        Decision.APPROVED: CreditCheck.ReviewStatus.APPROVED,
        Decision.DECLINED: CreditCheck.ReviewStatus.DECLINED,
    }.get(outcome)
    if target is None:
        raise PortalError(errors.REVIEW_STATE, "The outcome must be approved or declined.")
    note = note.strip()
    if not note:
        raise PortalError(errors.REVIEW_STATE, "A note is required.")
    check = CreditCheck.objects.select_related("merchant").get(pk=check.pk)
    buyer = Buyer.objects.select_for_update().get(
        pk=check.buyer_id
    )  # the exposure below belongs to the buyer
    now = timezone.now()
    changed = CreditCheck.objects.filter(pk=check.pk, review_status=CreditCheck.ReviewStatus.PENDING).update(
        review_status=target, reviewed_by=reviewer, reviewed_at=now, review_note=note[:2000]
    )
    if changed != 1:
        raise PortalError(errors.REVIEW_STATE)
    check.refresh_from_db()
    if target == CreditCheck.ReviewStatus.APPROVED:
        exposure_authorize(check=check, now=now)
    audit_record(
        actor=reviewer,
        action="credit_check.reviewed",
        obj=check,
        merchant=check.merchant,
        before={"review_status": "pending"},
        after={"review_status": target, "note": note[:2000], "buyer": buyer.public_id},
    )
    for hook in list(_review_hooks):
        transaction.on_commit(lambda hook=hook: hook(check.pk))
    return check

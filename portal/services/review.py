"""An application reviewed: automatic screening, a decision per payment method, the contracts that follow."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal import errors
from portal.errors import FieldError, PortalError
from portal.models import (
    ApiKey,
    Application,
    ApplicationMethod,
    AuditEvent,
    Merchant,
    ScreeningFlag,
    User,
)
from portal.services.applications import application_lock, application_methods_clean
from portal.services.audit import audit_event, audit_record, status_transition
from portal.services.contracts import contracts_ensure
from portal.services.mail import owners_notify
from portal.validators import (
    corporate_number_is_valid,
)

logger = logging.getLogger(__name__)
Actor = User | ApiKey | None


@transaction.atomic
def application_screen(*, application_id: int) -> list[ScreeningFlag]:
    """Automatic screening: check digit, prohibited category, duplicate corporate number.

    Idempotent: re-running replaces the flags with the current findings.
    """
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("business_category")
        .get(pk=application_id)
    )
    findings: dict[str, str] = {}
    number = application.corporate_number
    if not corporate_number_is_valid(number):
        findings[ScreeningFlag.Code.CORPORATE_NUMBER_CHECK_DIGIT] = (
            f"Corporate number {number!r} fails the check digit."
        )
    category = application.business_category
    if category is not None and category.prohibited:
        findings[ScreeningFlag.Code.PROHIBITED_CATEGORY] = (
            f"Business category '{category.name}' is prohibited"
            + (f": {category.prohibited_reason}" if category.prohibited_reason else ".")
        )
    if number:
        others = list(
            Application.objects.filter(corporate_number=number)
            .exclude(pk=application.pk)
            .values_list("merchant__public_id", "merchant__name")[:5]
        )
        if others:
            names = ", ".join(f"{name} ({pid})" for pid, name in others)
            findings[ScreeningFlag.Code.DUPLICATE_CORPORATE_NUMBER] = (
                f"Corporate number also used by: {names}."
            )
    application.flags.exclude(code__in=list(findings)).delete()
    flags = []
    for code, reason in findings.items():
        flag, _ = ScreeningFlag.objects.update_or_create(
            application=application, code=code, defaults={"reason": reason}
        )
        flags.append(flag)
    application.screened_at = timezone.now()
    application.save(update_fields=["screened_at"])
    audit_record(
        actor=None,
        action="application.screened",
        obj=application,
        merchant=application.merchant,
        after={"flags": sorted(findings)},
    )
    return flags


@transaction.atomic
def application_start_review(*, application: Application, reviewer: User | None) -> Application:
    application = application_lock(application)
    status_transition(
        model=Application,
        obj=application,
        to=Application.Status.IN_REVIEW,
        actor=reviewer,
        action="application.review_started",
        merchant=application.merchant,
        extra={"reviewer_id": reviewer.pk if reviewer else None},
    )
    return application


@transaction.atomic
def application_decide_method(
    *, method: ApplicationMethod, decision: str, comment: str, reviewer: User | None
) -> ApplicationMethod:
    if decision not in ApplicationMethod.Decision.values:
        raise PortalError(errors.BAD_REQUEST, f"Unknown decision {decision!r}.")
    application = application_lock(method.application)
    method = ApplicationMethod.objects.select_for_update().get(pk=method.pk)
    # A method applied for after approval (a tenant's provider reservation) is decided on its own.
    reserved = (
        application.status == Application.Status.APPROVED
        and method.decision == ApplicationMethod.Decision.PENDING
    )
    if reserved and decision not in (
        ApplicationMethod.Decision.APPROVED,
        ApplicationMethod.Decision.REJECTED,
    ):
        raise PortalError(
            errors.INVALID_TRANSITION, "Approve or reject a payment method added after approval."
        )
    if application.status != Application.Status.IN_REVIEW and not reserved:
        raise PortalError(errors.INVALID_TRANSITION, "Start the review before deciding on payment methods.")
    event = _method_decision(
        application=application, method=method, decision=decision, comment=comment.strip(), reviewer=reviewer
    )
    method.save(update_fields=DECISION_FIELDS)
    event.save(force_insert=True)
    if reserved and decision == ApplicationMethod.Decision.APPROVED:
        contracts_ensure(merchant=application.merchant, pay_types=[method.pay_type], actor=reviewer)
    _examination_notify(application)
    return method


DECISION_FIELDS = ["decision", "comment", "decided_by", "decided_at"]


def _method_decision(
    *, application: Application, method: ApplicationMethod, decision: str, comment: str, reviewer: User | None
) -> AuditEvent:
    """Set ``decision`` on ``method`` (unsaved) and give its ``application.method_decided`` audit
    row (unsaved): the caller writes both, one at a time or several together."""
    before = {"pay_type": method.pay_type, "decision": method.decision, "comment": method.comment}
    method.decision, method.comment = decision, comment
    method.decided_by, method.decided_at = reviewer, timezone.now()
    return audit_event(
        actor=reviewer,
        action="application.method_decided",
        obj=application,
        merchant=application.merchant,
        before=before,
        after={"pay_type": method.pay_type, "decision": decision, "comment": comment},
    )


def _examination_notify(application: Application) -> None:
    """A tenant's platform hears of its examination's status changes (``contracts.status_code.updated``)."""
    from payments.examinations.services import examination_notify

    examination_notify(application=application)


@transaction.atomic
def application_finalize(*, application: Application, reviewer: User | None) -> Application:
    """Close the review from the per-method decisions.

    Any method sent back → changes_requested; else any approved → approved
    (a contract per approved method, merchant active); else → rejected.
    """
    application = application_lock(application)
    if application.status != Application.Status.IN_REVIEW:
        raise PortalError(errors.INVALID_TRANSITION, "Only an application in review can be decided.")
    methods = list(application.methods.all())
    decisions = {m.decision for m in methods}
    if ApplicationMethod.Decision.PENDING in decisions or not methods:
        raise PortalError(errors.DECISIONS_PENDING)
    merchant = Merchant.objects.select_for_update().get(pk=application.merchant_id)
    now = timezone.now()
    if ApplicationMethod.Decision.CHANGES_REQUESTED in decisions:
        target, action = Application.Status.CHANGES_REQUESTED, "application.changes_requested"
    elif ApplicationMethod.Decision.APPROVED in decisions:
        target, action = Application.Status.APPROVED, "application.approved"
    else:
        target, action = Application.Status.REJECTED, "application.rejected"
    status_transition(
        model=Application,
        obj=application,
        to=target,
        actor=reviewer,
        action=action,
        merchant=merchant,
        extra={"decided_at": now, "reviewer_id": reviewer.pk if reviewer else None},
    )
    if target == Application.Status.APPROVED:
        approved = [m.pay_type for m in methods if m.decision == ApplicationMethod.Decision.APPROVED]
        contracts_ensure(merchant=merchant, pay_types=approved, actor=reviewer)
        if merchant.status != Merchant.Status.ACTIVE:
            status_transition(
                model=Merchant,
                obj=merchant,
                to=Merchant.Status.ACTIVE,
                actor=reviewer,
                action="merchant.activated",
                merchant=merchant,
            )
    elif target == Application.Status.REJECTED and merchant.status == Merchant.Status.ONBOARDING:
        status_transition(
            model=Merchant,
            obj=merchant,
            to=Merchant.Status.REJECTED,
            actor=reviewer,
            action="merchant.rejected",
            merchant=merchant,
        )
    _examination_notify(application)
    owners_notify(
        merchant=merchant,
        subject=f"Your application is {application.get_status_display().lower()}",
        body="\n".join(
            [
                f"The review of {merchant.name}'s application is complete: {application.get_status_display()}.",
                "",
            ]
            + [
                f"- {m.pay_type}: {m.get_decision_display()}" + (f" — {m.comment}" if m.comment else "")
                for m in methods
            ]
            + ["", f"Details: {settings.PORTAL_BASE_URL}/m/{merchant.public_id}/"]
        ),
    )
    return application


@transaction.atomic
def application_fast_track(
    *, application: Application, pay_types: list[str], actor: User | None
) -> Application:
    """Operators and scripts: approve a merchant for ``pay_types`` in one step.

    Walks the same state machine (→ submitted → in_review → approved), each
    step audited; the completeness check is the operator's responsibility here.
    """
    pay_types = application_methods_clean(pay_types)
    if not pay_types:
        raise FieldError("02", "requested_methods", "required")
    application = application_lock(application)
    if application.status in Application.EDITABLE:
        status_transition(
            model=Application,
            obj=application,
            to=Application.Status.SUBMITTED,
            actor=actor,
            action="application.submitted",
            merchant=application.merchant,
            extra={"submitted_at": timezone.now()},
        )
    if application.status == Application.Status.SUBMITTED:
        application = application_start_review(application=application, reviewer=actor)
    _methods_decide_together(application=application, approved=pay_types, reviewer=actor)
    return application_finalize(application=application, reviewer=actor)


def _methods_decide_together(*, application: Application, approved: list[str], reviewer: User | None) -> None:
    """A fast track's decisions, as :func:`application_decide_method` makes them one by one: each
    of ``approved`` approved (applied for now if it was not), every other pending method
    rejected, an ``application.method_decided`` audit row each. The methods and the audit rows
    are written in one statement each way, and a tenant's platform is told once, not after each
    method. ``application`` is locked and in review."""
    if application.status != Application.Status.IN_REVIEW:
        raise PortalError(errors.INVALID_TRANSITION, "Start the review before deciding on payment methods.")
    existing = {
        m.pay_type: m for m in ApplicationMethod.objects.select_for_update().filter(application=application)
    }
    decisions = dict.fromkeys(approved, ApplicationMethod.Decision.APPROVED)
    decisions |= {
        pay_type: ApplicationMethod.Decision.REJECTED
        for pay_type, method in existing.items()
        if pay_type not in decisions and method.decision == ApplicationMethod.Decision.PENDING
    }
    events, changed, new = [], [], []
    for pay_type, decision in decisions.items():
        method = existing.get(pay_type) or ApplicationMethod(application=application, pay_type=pay_type)
        (changed if method.pk else new).append(method)
        events.append(
            _method_decision(
                application=application, method=method, decision=decision, comment="", reviewer=reviewer
            )
        )
    ApplicationMethod.objects.bulk_create(new)
    ApplicationMethod.objects.bulk_update(changed, DECISION_FIELDS)
    AuditEvent.objects.bulk_create(events)
    _examination_notify(application)

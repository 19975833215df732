"""Asking providers: the periodic sweeper's choice of payments waiting too long or past their
deadline, and the reconciliation that finishes a pending operation or catches up a payment's
state (``payments.reconcile_payment``)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from payments.asyncflows.services.common import provider_for
from payments.asyncflows.services.provider_calls import complete_operation, queue_provider_call
from payments.asyncflows.services.provider_state import payment_state_apply
from payments.columns import payment_columns
from payments.methods.registry import ASYNCHRONOUS
from payments.models import Payment, Status
from payments.providers.async_base import ProviderStatus
from payments.providers.base import NotConfigured, ProviderError
from payments.providers.guard import guarded

logger = logging.getLogger(__name__)


def payment_reconcile_async(*, payment: Payment) -> str:
    """Ask the provider what it knows of ``payment``; finish a pending operation or catch up its state.

    ``processing``: the provider could not be asked (the reconcile task retries);
    ``resent``: the pending operation never reached the provider and was queued again.
    """
    try:
        provider = provider_for(payment)
        status = guarded(provider.name, lambda: provider.status(payment.access_id))
    except (ProviderError, NotConfigured) as exc:
        logger.warning("reconciliation of %s: provider unreachable (%s)", payment.access_id, exc)
        return "processing"
    actor = "reconciliation"
    reference = payment.pending_reference
    outcome = "synced"
    if reference:
        answer = status.answers.get(reference)
        if answer is None:
            queue_provider_call(payment.pk, reference)
            return "resent"
        complete_operation(payment_id=payment.pk, reference=reference, answer=answer, actor=actor)
        outcome = "completed"
    with transaction.atomic():
        locked = Payment.objects.select_for_update(of=("self",)).select_related("merchant").get(pk=payment.pk)
        if status.exists and not locked.pending_reference:
            columns = payment_columns(status.details)
            payment_state_apply(
                payment=locked, state=status.state, columns=columns, amount=status.amount, actor=actor
            )
        Payment.objects.filter(pk=locked.pk).update(provider_checked_at=timezone.now())
    return outcome


def provider_status(*, payment: Payment) -> ProviderStatus:
    """For operators: what the provider says (a provider call; used from tasks and the admin)."""
    provider = provider_for(payment)
    return guarded(provider.name, lambda: provider.status(payment.access_id))


def waiting_payment_ids(*, limit: int = 1000) -> list[int]:
    """Payments waiting on the buyer that the sweeper should check with their provider now."""
    now = timezone.now()
    recently = now - timedelta(seconds=60)
    poll = now - timedelta(seconds=settings.PAYMENTS_POLL_INTERVAL_SECONDS)
    past_deadline = Q(status=Status.AWAITING_CUSTOMER_PAYMENT, payment_term__lt=now) | Q(
        status=Status.AUTHORIZED, auth_max_date__lt=now
    )
    not_checked_lately = Q(provider_checked_at__lt=recently) | Q(provider_checked_at__isnull=True)
    stale = Q(provider_checked_at__lt=poll) | Q(provider_checked_at__isnull=True, updated__lt=poll)
    return list(
        Payment.objects.filter(
            pay_type__in=list(ASYNCHRONOUS),
            status__in=[Status.AWAITING_CUSTOMER_PAYMENT, Status.AUTHORIZED],
            pending_operation__isnull=True,
        )
        .filter((past_deadline & not_checked_lately) | stale)
        .order_by("provider_checked_at")
        .values_list("pk", flat=True)[:limit]
    )

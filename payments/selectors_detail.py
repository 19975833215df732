"""Reads of the merchant payment page: one timeline of a payment's history, provider calls and webhooks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from payments import labels
from payments.asyncflows.models import ProviderNotification
from payments.models import Payment, PaymentEvent
from payments.webhooks.models import WebhookAttempt, WebhookDelivery


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "status", "provider", "webhook"
    title: str
    text: str = ""
    actor: str = ""
    delivery_id: str = ""
    ok: bool | None = None  # None: neutral; False: a failure worth a colour


def _is_provider_call(event: PaymentEvent) -> bool:
    return bool(event.detail.get("reference")) or event.actor.startswith("provider:")


def _history_entry(event: PaymentEvent) -> TimelineEntry:
    detail = event.detail or {}
    changed = event.from_status != event.to_status
    parts = []
    if changed:
        before = labels.status_label(event.from_status) + " " if event.from_status else ""
        parts.append(f"{before}→ {labels.status_label(event.to_status)}")
    if detail.get("reason"):
        parts.append(_("reason: %(reason)s") % {"reason": detail["reason"]})
    if detail.get("outcome"):
        parts.append(_("outcome: %(outcome)s") % {"outcome": detail["outcome"]})
    if detail.get("amount") is not None and isinstance(detail.get("amount"), int):
        parts.append(_("amount: %(amount)s") % {"amount": detail["amount"]})
    failed = event.action.endswith("_failed") or event.action == "provider_outcome_unknown"
    return TimelineEntry(
        at=event.created_at,
        kind="provider" if _is_provider_call(event) else "status",
        title=event.action.replace("_", " "),
        text=" · ".join(parts),
        actor=event.actor,
        ok=False if failed else None,
    )


def payment_timeline(*, payment: Payment) -> list[TimelineEntry]:
    """History, provider calls and notifications, and webhook attempts of ``payment``, oldest first."""
    entries = [_history_entry(e) for e in PaymentEvent.objects.filter(payment=payment)]
    for note in ProviderNotification.objects.filter(payment=payment).order_by("received_at", "id"):
        entries.append(
            TimelineEntry(
                at=note.received_at,
                kind="provider",
                title=_("notification from %(provider)s") % {"provider": note.provider},
                text=note.outcome or note.last_error or _("not processed yet"),
                actor=f"provider:{note.provider}",
                ok=False if note.last_error and not note.processed_at else None,
            )
        )
    deliveries = WebhookDelivery.objects.filter(event__payment=payment).select_related("event", "setting")
    attempted = set()
    for attempt in WebhookAttempt.objects.filter(delivery__in=deliveries).select_related("delivery__event"):
        attempted.add(attempt.delivery_id)
        entries.append(
            TimelineEntry(
                at=attempt.started_at,
                kind="webhook",
                title=f"webhook {attempt.delivery.event.event}",
                text=(
                    _("attempt %(number)s (resent): %(answer)s in %(ms)s ms")
                    if attempt.manual
                    else _("attempt %(number)s: %(answer)s in %(ms)s ms")
                )
                % {
                    "number": attempt.number,
                    "answer": attempt.status_code or attempt.error or _("no answer"),
                    "ms": attempt.duration_ms,
                },
                actor=attempt.url,
                delivery_id=attempt.delivery.delivery_id,
                ok=attempt.delivered,
            )
        )
    for delivery in deliveries:
        if delivery.pk in attempted:
            continue
        entries.append(
            TimelineEntry(
                at=delivery.created_at,
                kind="webhook",
                title=f"webhook {delivery.event.event}",
                text=delivery.get_status_display(),
                actor=delivery.setting.url,
                delivery_id=delivery.delivery_id,
                ok=False if delivery.status == WebhookDelivery.Status.FAILED else None,
            )
        )
    return sorted(entries, key=lambda e: e.at)

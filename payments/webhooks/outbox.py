"""The transactional outbox: webhook events are written in the transaction of the change itself.

``record`` is called by ``payments.services.payment_transition`` (and registration) for
every history entry. It numbers the event per payment (``Payment.event_seq``, updated
on the already locked row), stores the body, creates one delivery per subscribed
endpoint, and queues the deliveries *after commit*. If the transaction rolls back,
nothing was written and nothing is sent; if the process dies after commit, before
queueing, the webhook sweeper finds the due deliveries. No event is lost.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from payments.models import Payment, PaymentEvent
from payments.webhooks.events import event_name
from payments.webhooks.models import WebhookDelivery, WebhookEvent, WebhookSetting
from payments.webhooks.payloads import payment_payload
from portal.ids import new_id

logger = logging.getLogger(__name__)


def record(*, payment: Payment, history: PaymentEvent) -> WebhookEvent | None:
    """Write the webhook event of ``history`` (if it raises one) and its deliveries. Inside the transaction."""
    name = event_name(payment.pay_type, history.action)
    if name is None:
        return None
    Payment.objects.filter(pk=payment.pk).update(event_seq=F("event_seq") + 1)
    sequence = Payment.objects.filter(pk=payment.pk).values_list("event_seq", flat=True).get()
    payment.event_seq = sequence
    event_id = new_id("evt", 24)
    event = WebhookEvent.objects.create(
        event_id=event_id,
        merchant_id=payment.merchant_id,
        mode=payment.mode,
        payment=payment,
        history=history,
        sequence=sequence,
        event=name,
        payload=payment_payload(payment, event=name, event_id=event_id, sequence=sequence),
    )
    endpoints = WebhookSetting.objects.filter(
        merchant_id=payment.merchant_id, mode=payment.mode, event=name, deleted_at__isnull=True
    ).values_list("pk", flat=True)
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(event=event, setting_id=pk, next_attempt_at=now) for pk in endpoints]
    )
    if deliveries:
        queue_deliveries([d.pk for d in deliveries])
    return event


def queue_deliveries(delivery_ids: list[int], *, manual: bool = False) -> None:
    """Queue the delivery tasks once the surrounding transaction commits."""

    def send() -> None:
        from payments.webhooks.tasks import deliver

        for delivery_id in delivery_ids:
            try:
                deliver.apply_async(kwargs={"delivery_id": delivery_id, "manual": manual})
            except Exception:  # the broker is down: the sweeper delivers it
                logger.warning("could not queue webhook delivery %s", delivery_id, exc_info=True)

    transaction.on_commit(send)

"""The transactional outbox: webhook events are written in the statement of the change itself.

``record_sql`` gives ``payments.state`` (every status change and registration) the CTEs
that write the event — numbered per payment (``Payment.event_seq``, advanced in the same
UPDATE), with its body — and one delivery per subscribed endpoint; ``queue_deliveries``
queues them *after commit*. If the statement fails, nothing was written and nothing is
sent; if the process dies after commit, before queueing, the webhook sweeper finds the due
deliveries. No event is lost.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from payments.models import Payment
from payments.webhooks.events import EVENTS, event_name
from payments.webhooks.models import WebhookDelivery, WebhookEvent, WebhookSetting
from payments.webhooks.payloads import payment_payload
from portal.ids import new_id

logger = logging.getLogger(__name__)


def raises_event(payment: Payment, action: str) -> bool:
    """Does this history entry raise a webhook event (and so take the payment's next sequence number)?"""
    return event_name(payment.pay_type, action) is not None


def record_sql(*, payment: Payment, action: str, source: str) -> tuple[str, list[Any]] | None:
    """The event of ``action`` as data-modifying CTEs, for a caller that writes the payment in
    one statement. Returns ``(ctes, params)`` — CTEs ``wh_s`` (the
    subscribed settings), ``wh_e`` (the event row, written only if someone subscribes) and
    ``wh_d`` (one delivery per setting, ``RETURNING id``) — or None when the action raises
    no event. ``source`` names an earlier CTE with the history row's ``id`` and ``payment_id``
    (no row: nothing is written). One statement is atomic, so an event exists exactly when
    its change does. ``payment`` is the payment as it is after the change (for the body).
    """
    from django.db import connection

    name = event_name(payment.pay_type, action)
    if name is None:
        return None
    qn = connection.ops.quote_name
    settings_table = qn(WebhookSetting._meta.db_table)
    event_table = qn(WebhookEvent._meta.db_table)
    delivery_table = qn(WebhookDelivery._meta.db_table)
    event_id = new_id("evt", 24)
    payload = payment_payload(payment, event=name, event_id=event_id, sequence=payment.event_seq)
    payload = WebhookEvent._meta.get_field("payload").get_db_prep_save(payload, connection)
    now = timezone.now()
    # Quoted table names from the models; every value is a parameter.
    sql = (
        f"wh_s AS (SELECT id FROM {settings_table} WHERE merchant_id = %s AND mode = %s"  # noqa: S608
        " AND event = %s AND deleted_at IS NULL), "
        f"wh_e AS (INSERT INTO {event_table} (event_id, merchant_id, mode, payment_id, history_id,"
        " sequence, event, payload, created_at)"
        f" SELECT %s, %s, %s, src.payment_id, src.id, %s, %s, %s, %s FROM {source} AS src"
        " WHERE EXISTS (SELECT 1 FROM wh_s) RETURNING id), "
        f"wh_d AS (INSERT INTO {delivery_table} (delivery_id, event_id, setting_id, status, attempts,"
        " next_attempt_at, lease_until, lease_token, delivered_at, last_status_code, last_error,"
        " created_at)"
        " SELECT 'wd_' || replace(gen_random_uuid()::text, '-', ''), wh_e.id, wh_s.id, %s, 0, %s,"
        " NULL, '', NULL, NULL, '', %s FROM wh_e CROSS JOIN wh_s RETURNING id)"
    )
    params = [
        payment.merchant_id, payment.mode, name,
        event_id, payment.merchant_id, payment.mode, payment.event_seq, name, payload, now,
        WebhookDelivery.Status.PENDING, now, now,
    ]  # fmt: skip
    return sql, params


def event_record(*, merchant_id: int, mode: str, name: str, sequence: int, payload: dict[str, Any]) -> None:
    """An event that is not a payment's (a customer's payment method), written in the caller's
    transaction with one delivery per subscribed setting, queued on commit. ``sequence``
    numbers the events of the object, as ``Payment.event_seq`` does a payment's."""
    assert name in EVENTS
    subscribed = list(
        WebhookSetting.objects.filter(
            merchant_id=merchant_id, mode=mode, event=name, deleted_at__isnull=True
        ).values_list("id", flat=True)
    )
    if not subscribed:
        return
    event_id = new_id("evt", 24)
    body = {**payload, "event": name, "event_id": event_id, "event_sequence": sequence}
    event = WebhookEvent.objects.create(
        event_id=event_id, merchant_id=merchant_id, mode=mode, sequence=sequence, event=name, payload=body
    )
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(event=event, setting_id=setting_id, next_attempt_at=now) for setting_id in subscribed
    )
    queue_deliveries([delivery.pk for delivery in deliveries])


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

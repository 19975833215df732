"""Delivering one webhook: claim, post, log the attempt, and schedule the next one.

The claim is a conditional UPDATE (``status = pending``, due, lease free) that takes a
lease with a fresh fencing token; the outcome is written only if the token still
holds. So two workers never post the same delivery at once, a crashed worker's lease
simply runs out (``WEBHOOK_LEASE_SECONDS``, longer than the task's hard time limit),
and a delivery marked delivered is never claimed again.

The receiver's answer follows fincode: 2xx is success unless the body says
``{"receive": "1"}`` (or plain ``1``); anything else, and timeouts, are retried with
exponential backoff (``WEBHOOK_RETRY_BASE_SECONDS`` doubling up to
``WEBHOOK_RETRY_MAX_SECONDS``) until ``WEBHOOK_RETRY_PERIOD_SECONDS`` (3 days) have
passed since the event; then the delivery is marked failed (merchants can resend it).

Where it goes is checked first (``outbound``): a setting that may not be sent as stored
(scheme, an address or name that is not public, a ``Fincode-Signature`` that is not a
clean header value) fails at once with that reason; a host that resolves to an address
that is not public is never connected to, and the attempt says so. Transport failures are
logged as one generic reason, and only a short excerpt of a receiver's answer is kept.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from payments.webhooks import outbound
from payments.webhooks import secrets as webhook_secrets
from payments.webhooks.models import WebhookAttempt, WebhookDelivery
from payments.webhooks.signing import signature_header
from portal import jsonsafe

logger = logging.getLogger(__name__)
Status = WebhookDelivery.Status


def accepted(status: int, text: str) -> bool:
    """fincode: the receiver answers ``{"receive": "0"}`` (or ``0``); we also accept any other 2xx."""
    if not 200 <= status < 300:
        return False
    stripped = text.strip()
    if stripped == "1":
        return False
    if stripped.startswith("{"):
        try:
            return str(jsonsafe.loads(stripped).get("receive", "0")) != "1"
        except (ValueError, AttributeError):
            return True
    return True


def backoff(attempts: int) -> float:
    base = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)
    return min(base, settings.WEBHOOK_RETRY_MAX_SECONDS) * random.uniform(0.9, 1.1)


def _claim(delivery_id: int) -> str | None:
    now = timezone.now()
    token = uuid.uuid4().hex
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(
            lease_until=now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS),
            lease_token=token,
            attempts=F("attempts") + 1,
        )
    )
    return token if claimed else None


def deliver(*, delivery_id: int, manual: bool = False) -> str:
    """Post one delivery if it is due and nobody else holds it. Returns what happened."""
    token = _claim(delivery_id)
    if token is None:
        return "not_due"
    delivery = WebhookDelivery.objects.select_related("event", "setting").get(pk=delivery_id)
    event, setting = delivery.event, delivery.setting
    if setting.deleted_at is not None:
        WebhookDelivery.objects.filter(pk=delivery_id, lease_token=token).update(
            status=Status.CANCELED, lease_until=None, lease_token=""
        )
        return "canceled"
    body = json.dumps(event.payload, ensure_ascii=False, separators=(",", ":")).encode()
    started, clock = timezone.now(), time.perf_counter()
    refusal = _refusal(setting)
    if refusal is not None:  # ours, not the receiver's: nothing is sent, and it will not change by itself
        attempt = Try(started, 0, None, False, refusal, "", final=True)
        with transaction.atomic():
            return _record(delivery, token, manual, attempt)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Fincode-Signature": setting.signature,
        "Webhook-Signature": signature_header(body, webhook_secrets.signing(event.merchant_id, event.mode)),
        "Webhook-Id": event.event_id,
        "Webhook-Event": event.event,
        "Webhook-Sequence": str(event.sequence),
        "Webhook-Attempt": str(delivery.attempts),
    }
    status_code, excerpt, error = None, "", ""
    try:
        timeout = httpx.Timeout(settings.WEBHOOK_TIMEOUT, connect=settings.WEBHOOK_CONNECT_TIMEOUT)
        with outbound.client(mode=setting.mode).stream(
            "POST", setting.url, content=body, headers=headers, timeout=timeout
        ) as response:
            status_code, text = response.status_code, _head(response)
        excerpt = text[:EXCERPT_CHARS]
        ok = accepted(status_code, text)
        if not ok:
            error = f"HTTP {status_code}" if status_code >= 300 else 'answered {"receive": "1"}'
    except outbound.DestinationRefused as exc:  # the host resolved to an address we do not connect to
        ok, error = False, exc.reason
    except httpx.HTTPError:  # one reason for all: the details would map the network for the merchant
        ok, error = False, UNREACHABLE
    attempt = Try(started, round((time.perf_counter() - clock) * 1000), status_code, ok, error, excerpt)
    with transaction.atomic():  # the attempt and its outcome: one commit
        return _record(delivery, token, manual, attempt)


UNREACHABLE = "no answer: the connection failed or timed out"
BAD_SIGNATURE = "setting refused: Fincode-Signature is not printable ASCII (at most 60 characters)"
EXCERPT_CHARS = 200  # of the receiver's answer, shown on the deliveries page
_HEAD_BYTES = 2048  # read of the answer, enough for fincode's {"receive": "0"}


def _refusal(setting) -> str | None:
    """Why this setting's delivery may not be sent at all (a setting stored before the checks)."""
    if not outbound.header_value_ok(setting.signature):
        return BAD_SIGNATURE
    try:
        outbound.check_url(setting.url, mode=setting.mode)
    except outbound.DestinationRefused as exc:
        return exc.reason
    return None


def _head(response: httpx.Response) -> str:
    """The start of the answer; the rest is never read (a receiver may answer without end)."""
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= _HEAD_BYTES:
            break
    return b"".join(chunks)[:_HEAD_BYTES].decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Try:
    started: datetime
    duration_ms: int
    status_code: int | None
    ok: bool
    error: str
    excerpt: str
    final: bool = False  # a refusal of ours that retrying cannot change: give up now


def _record(delivery: WebhookDelivery, token: str, manual: bool, attempt: Try) -> str:
    """Log the attempt and apply its outcome, if this worker still holds the lease."""
    event, status_code, error = delivery.event, attempt.status_code, attempt.error
    mine = WebhookDelivery.objects.filter(pk=delivery.pk, lease_token=token)
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        manual=manual,
        started_at=attempt.started,
        duration_ms=attempt.duration_ms,
        url=delivery.setting.url,
        status_code=status_code,
        delivered=attempt.ok,
        error=error,
        response_excerpt=attempt.excerpt,
    )
    now = timezone.now()
    if attempt.ok:
        done = mine.update(
            status=Status.DELIVERED,
            delivered_at=now,
            lease_until=None,
            lease_token="",
            last_status_code=status_code,
            last_error="",
        )
        if not done:
            logger.warning("webhook delivery %s: lease lost while posting", delivery.delivery_id)
        return "delivered"
    gave_up = attempt.final or (
        (now - event.created_at).total_seconds() >= settings.WEBHOOK_RETRY_PERIOD_SECONDS
    )
    delay = backoff(delivery.attempts)
    mine.update(
        status=Status.FAILED if gave_up else Status.PENDING,
        next_attempt_at=now + timedelta(seconds=delay),
        lease_until=None,
        lease_token="",
        last_status_code=status_code,
        last_error=error,
    )
    if gave_up:
        logger.warning("webhook delivery %s failed for good: %s", delivery.delivery_id, error)
        return "failed"
    if delay <= 60:  # longer waits are picked up by the sweeper
        from payments.webhooks.tasks import deliver as deliver_task

        def send() -> None:
            try:
                deliver_task.apply_async(kwargs={"delivery_id": delivery.pk}, countdown=delay)
            except Exception:
                logger.warning("could not queue the retry of webhook delivery %s", delivery.pk, exc_info=True)

        transaction.on_commit(send)
    return "retry"


def due(*, limit: int = 500, grace_seconds: int = 5) -> list[int]:
    """Deliveries that should have been posted by now and nobody holds (lost messages, crashed workers)."""
    now = timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status=Status.PENDING, next_attempt_at__lte=now - timedelta(seconds=grace_seconds)
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )

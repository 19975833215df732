"""Idempotent POST/PUT for the merchant API.

A client sends ``idempotent_key: <key>`` (fincode's header) or ``Idempotency-Key: <key>``.
Within 24 hours (fincode keeps 30 minutes):

* same key, same method, path and body → the first response is replayed byte for
  byte, status included (with ``Idempotent-Replayed: true``);
* same key, different request → 400 ``E0000000461``;
* same key while the first request still runs → 409 ``E0000000409``.

The claim is an INSERT under the unique constraint (merchant, mode, key), so two
simultaneous requests can never both run. Responses that a retry could change
(5xx, 409, 429) are not kept: the key is released and the client may retry.

Use it by mixing ``IdempotentMixin`` into a DRF view; only POST and PUT are covered.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone

from portal import errors
from portal.db import one_or_none
from portal.errors import PortalError
from portal.models import IdempotencyRecord

logger = logging.getLogger(__name__)

RETENTION = timedelta(hours=24)
# A request that claimed a key and then vanished (its process killed) blocks the
# key for this long; after that a retry may take the key over.
LEASE = timedelta(minutes=5)
MAX_KEY_LENGTH = 255
_NOT_KEPT = {409, 429}

IDEMPOTENCY_IN_PROGRESS = errors.define(
    "E0000000409", 409, "A request with this idempotency key is still being processed; retry later."
)
IDEMPOTENCY_KEY_REUSED = errors.define(
    "E0000000461", 400, "This idempotency key was already used for a different request."
)
IDEMPOTENCY_KEY_INVALID = errors.define(
    "E0000000462", 400, "The idempotency key must be 1 to 255 printable ASCII characters."
)


def idempotency_key_of(request) -> str | None:
    meta = request.META
    key = meta.get("HTTP_IDEMPOTENT_KEY") or meta.get("HTTP_IDEMPOTENCY_KEY")
    if key is None:
        return None
    if not 0 < len(key) <= MAX_KEY_LENGTH or not all(32 < ord(c) < 127 for c in key):
        raise PortalError(IDEMPOTENCY_KEY_INVALID)
    return key


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class _Replay(Exception):
    def __init__(self, response: HttpResponse):
        self.response = response


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body), status=record.response_status, content_type=record.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response


def claim(*, merchant_id: int, mode: str, key: str, fingerprint: str) -> IdempotencyRecord:
    """Claim ``key`` for this request, or raise: replay / reused / in progress."""
    now = timezone.now()
    for _ in range(3):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    merchant_id=merchant_id,
                    mode=mode,
                    key=key,
                    fingerprint=fingerprint,
                    leased_until=now + LEASE,
                    expires_at=now + RETENTION,
                )
        except IntegrityError:
            pass
        record = one_or_none(IdempotencyRecord.objects.filter(merchant_id=merchant_id, mode=mode, key=key))
        if record is None:
            continue  # released meanwhile: try again
        if record.expires_at <= now:
            IdempotencyRecord.objects.filter(pk=record.pk, expires_at__lte=now).delete()
            continue
        if record.fingerprint != fingerprint:
            raise PortalError(IDEMPOTENCY_KEY_REUSED)
        if record.completed_at is not None:
            raise _Replay(_replay(record))
        if record.leased_until > now:
            raise PortalError(IDEMPOTENCY_IN_PROGRESS, headers={"Retry-After": "1"})
        # The first request's process died: take the key over, conditionally.
        taken = IdempotencyRecord.objects.filter(
            pk=record.pk, completed_at__isnull=True, leased_until=record.leased_until
        ).update(leased_until=now + LEASE)
        if taken:
            record.leased_until = now + LEASE
            return record
        raise PortalError(IDEMPOTENCY_IN_PROGRESS, headers={"Retry-After": "1"})
    raise PortalError(IDEMPOTENCY_IN_PROGRESS, headers={"Retry-After": "1"})


def complete(*, record: IdempotencyRecord, response) -> None:
    status = response.status_code
    if status >= 500 or status in _NOT_KEPT:
        IdempotencyRecord.objects.filter(pk=record.pk, completed_at__isnull=True).delete()
        return
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        completed_at=timezone.now(),
        response_status=status,
        response_body=bytes(response.content),
        content_type=response.get("Content-Type", "application/json"),
    )


def purge_expired() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


class IdempotentMixin:
    """DRF view mixin: POST and PUT become idempotent when the client sends a key."""

    idempotent_methods = ("POST", "PUT")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        request.idempotency_record = None
        if request.method not in self.idempotent_methods:
            return
        key = idempotency_key_of(request)
        if key is None:
            return
        principal = request.user
        fingerprint = request_fingerprint(request.method, request.path, request.body)
        request.idempotency_record = claim(
            merchant_id=principal.merchant.pk, mode=principal.mode, key=key, fingerprint=fingerprint
        )

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record = getattr(request, "idempotency_record", None)
        if record is not None:
            request.idempotency_record = None
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            try:
                complete(record=record, response=response)
            except Exception:
                logger.exception("could not store the idempotent response for key %s", record.key)
                IdempotencyRecord.objects.filter(pk=record.pk, completed_at__isnull=True).delete()
        return response

"""The rows of one hour of each exported kind, as plain values (card numbers redacted).

Rows come in (created_at or occurred_at, id) order, so that the same hour always gives the same file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models

from exports.models import RequestLog
from payments.models import PaymentEvent
from portal.arrow import pa
from portal.logging import redact_pans
from portal.models import AuditEvent
from security.models import SecurityEvent

TIMESTAMP = pa.timestamp("us", tz="UTC")


def _text(value: Any) -> str | None:
    """A string column's value with any card number masked (JSON for structured values)."""
    if value is None:
        return None
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return redact_pans(value)


PAYMENT_EVENTS_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.int64(), nullable=False),
        pa.field("occurred_at", TIMESTAMP, nullable=False),
        pa.field("merchant_id", pa.string()),
        pa.field("mode", pa.string()),
        pa.field("order_id", pa.string()),
        pa.field("access_id", pa.string()),
        pa.field("pay_type", pa.string()),
        pa.field("action", pa.string()),
        pa.field("from_status", pa.string()),
        pa.field("to_status", pa.string()),
        pa.field("actor", pa.string()),
        pa.field("detail", pa.string()),
    ],
    metadata={"kind": "payment_events", "schema_version": "1"},
)

AUDIT_EVENTS_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.int64(), nullable=False),
        pa.field("occurred_at", TIMESTAMP, nullable=False),
        pa.field("actor", pa.string()),
        pa.field("client_address", pa.string()),
        pa.field("merchant_id", pa.string()),
        pa.field("action", pa.string()),
        pa.field("object_type", pa.string()),
        pa.field("object_id", pa.string()),
        pa.field("before", pa.string()),
        pa.field("after", pa.string()),
    ],
    metadata={"kind": "audit_events", "schema_version": "1"},
)


def payment_events_rows(*, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
    events = (
        PaymentEvent.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by("created_at", "id")
        .values_list(
            "id",
            "created_at",
            "payment__merchant__public_id",
            "payment__mode",
            "payment__order_id",
            "payment__access_id",
            "payment__pay_type",
            "action",
            "from_status",
            "to_status",
            "actor",
            "detail",
        )
    )
    for row in events.iterator(chunk_size=5000):
        (
            event_id,
            at,
            merchant,
            mode,
            order_id,
            access_id,
            pay_type,
            action,
            before,
            after,
            actor,
            detail,
        ) = row
        yield {
            "event_id": event_id, "occurred_at": at, "merchant_id": merchant, "mode": mode,
            "order_id": _text(order_id), "access_id": access_id, "pay_type": pay_type, "action": _text(action),
            "from_status": before, "to_status": after, "actor": _text(actor), "detail": _text(detail),
        }  # fmt: skip


def audit_events_rows(*, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
    events = (
        AuditEvent.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by("created_at", "id")
        .values_list(
            "id",
            "created_at",
            "actor_label",
            "client_address",
            "merchant__public_id",
            "action",
            "object_type",
            "object_id",
            "before",
            "after",
        )
    )
    for row in events.iterator(chunk_size=5000):
        (event_id, at, actor, address, merchant, action, object_type, object_id, before, after) = row
        yield {
            "event_id": event_id, "occurred_at": at, "actor": _text(actor), "client_address": address,
            "merchant_id": merchant, "action": action, "object_type": object_type,
            "object_id": _text(object_id), "before": _text(before), "after": _text(after),
        }  # fmt: skip


SECURITY_EVENTS_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.int64(), nullable=False),
        pa.field("occurred_at", TIMESTAMP, nullable=False),
        pa.field("event_kind", pa.string(), nullable=False),  # not "kind": the partition column
        pa.field("severity", pa.string()),
        pa.field("source_ip", pa.string()),
        pa.field("actor", pa.string()),
        pa.field("merchant_id", pa.string()),
        pa.field("summary", pa.string()),
        pa.field("detail", pa.string()),
        pa.field("request_id", pa.string()),
    ],
    metadata={"kind": "security_events", "schema_version": "1"},
)


def security_events_rows(*, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
    events = (
        SecurityEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .order_by("occurred_at", "id")
        .values_list(
            "id",
            "occurred_at",
            "kind",
            "severity",
            "source_ip",
            "actor_label",
            "merchant__public_id",
            "summary",
            "detail",
            "request_id",
        )
    )
    for row in events.iterator(chunk_size=5000):
        (event_id, at, kind, severity, address, actor, merchant, summary, detail, request_id) = row
        yield {
            "event_id": event_id, "occurred_at": at, "event_kind": kind, "severity": severity,
            "source_ip": address, "actor": _text(actor), "merchant_id": merchant,
            "summary": _text(summary), "detail": _text(detail), "request_id": request_id or None,
        }  # fmt: skip


REQUEST_LOGS_SCHEMA = pa.schema(
    [
        pa.field("request_log_id", pa.int64(), nullable=False),
        pa.field("occurred_at", TIMESTAMP, nullable=False),
        pa.field("request_id", pa.string(), nullable=False),
        pa.field("method", pa.string(), nullable=False),
        pa.field("path", pa.string(), nullable=False),
        pa.field("route", pa.string()),
        pa.field("status_code", pa.int16(), nullable=False),
        pa.field("duration_us", pa.int64(), nullable=False),
        pa.field("merchant_id", pa.string()),
        pa.field("key_mode", pa.string()),
        pa.field("client_address", pa.string()),
        pa.field("user_agent", pa.string()),
        pa.field("response_bytes", pa.int64()),
    ],
    metadata={"kind": "request_logs", "schema_version": "1"},
)


def request_logs_rows(*, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
    """Columns as stored (``request_log_id`` is the row's id); free text, stored masked by
    ``exports.request_logs``, masked again here as every exported string is."""
    names = REQUEST_LOGS_SCHEMA.names
    logs = (
        RequestLog.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .order_by("occurred_at", "id")
        .values_list("id", *names[1:])
    )
    free_text = {"path", "route", "user_agent"}
    for row in logs.iterator(chunk_size=5000):
        yield {
            name: _text(value) if name in free_text else value for name, value in zip(names, row, strict=True)
        }


@dataclass(frozen=True)
class ExportKind:
    """One exported kind: its Parquet schema, its rows of [start, end), its table."""

    schema: pa.Schema
    rows: Callable[..., Iterator[dict[str, Any]]]
    model: type[models.Model]
    time_field: str = "created_at"

    def earliest(self) -> datetime | None:
        manager = self.model._default_manager
        return manager.order_by(self.time_field).values_list(self.time_field, flat=True).first()


# The kind is the partition directory ``kind=…``.
KINDS: dict[str, ExportKind] = {
    "payment_events": ExportKind(PAYMENT_EVENTS_SCHEMA, payment_events_rows, PaymentEvent),
    "audit_events": ExportKind(AUDIT_EVENTS_SCHEMA, audit_events_rows, AuditEvent),
    "security_events": ExportKind(SECURITY_EVENTS_SCHEMA, security_events_rows, SecurityEvent, "occurred_at"),
    "request_logs": ExportKind(REQUEST_LOGS_SCHEMA, request_logs_rows, RequestLog, "occurred_at"),
}

"""Writes of the security stream: record an event (a row, an ECS log line for the SIEM), evaluate
the rules of its kind, raise an alert at most once per rule, group and cooldown period, and
deliver it (e-mail and a JSON webhook) from a Celery task."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import httpx
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.destinations import DestinationRefused, guarded_client, staff_loopback
from portal.logging import redact_pans
from portal.middleware import current_client_address
from portal.redis import get_redis
from security import selectors
from security.models import Alert, AlertRule, Kind, SecurityEvent, Severity

logger = logging.getLogger("security")

# ECS categories of each kind (event.category / event.type), for the SIEM.
_ECS = {
    Kind.LOGIN_FAILED: ("authentication", "start", "failure"),
    Kind.LOGIN_THROTTLED: ("authentication", "denied", "failure"),
    Kind.OTP_FAILED: ("authentication", "start", "failure"),
    Kind.API_KEY_INVALID: ("authentication", "start", "failure"),
    Kind.API_KEY_THROTTLED: ("authentication", "denied", "failure"),
    Kind.API_KEY_NEW_ADDRESS: ("authentication", "info", "success"),
    Kind.API_KEY_REVOKED_USED: ("authentication", "denied", "failure"),
    Kind.API_KEY_ROLLED: ("iam", "change", "success"),
    Kind.API_KEY_REVOKED: ("iam", "deletion", "success"),
    Kind.STAFF_PERMISSIONS_CHANGED: ("iam", "change", "success"),
    Kind.WEBHOOK_URL_CHANGED: ("configuration", "change", "success"),
    Kind.OUTBOUND_REFUSED: ("network", "denied", "failure"),
    Kind.ADMISSION_REFUSAL_STORM: ("network", "denied", "failure"),
}


def security_event_record(
    *,
    kind: str,
    summary: str,
    severity: str = Severity.INFO,
    source_ip: str | None = None,
    actor: Any = None,
    actor_label: str = "",
    merchant: Any = None,
    detail: dict[str, Any] | None = None,
    request_id: str = "",
    dedupe_seconds: int = 0,
) -> SecurityEvent | None:
    """Record one event and evaluate its rules. ``dedupe_seconds``: at most one event of this kind
    per source and actor in that time (for kinds an attacker can repeat at will); None if dropped.

    Never raises into the caller's request: a failure to record is logged, not propagated."""
    source_ip = source_ip or current_client_address() or None
    actor_label = actor_label or actor_label_of(actor)
    if not (actor is not None and getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None)):
        actor = None  # an API key, the system: named by the label only
    if dedupe_seconds and not _first_in(kind, f"{source_ip}|{actor_label}", dedupe_seconds):
        return None
    try:
        with transaction.atomic():
            event = SecurityEvent.objects.create(
                occurred_at=timezone.now(),
                kind=kind,
                severity=severity,
                source_ip=source_ip,
                actor=actor,
                actor_label=actor_label[:254],
                merchant=merchant,
                summary=redact_pans(summary)[:300],
                detail=detail or {},
                request_id=request_id[:64],
            )
    except Exception:  # the stream must never break the request that it watches
        logger.exception("security event %s not recorded", kind)
        return None
    _log(event)
    for rule in selectors.rules_for(kind=kind):
        alert_raise_if_due(rule=rule, event=event)
    return event


def actor_label_of(actor: Any) -> str:
    """A user's e-mail, an API key's masked form, or "system"."""
    if actor is None:
        return "system"
    masked = getattr(actor, "masked", None)
    if masked:
        return f"api_key:{masked}"
    return str(getattr(actor, "email", "") or actor)


def _first_in(kind: str, who: str, seconds: int) -> bool:
    try:
        return bool(get_redis().set(f"security:dedupe:{kind}:{who}", 1, nx=True, ex=seconds))
    except Exception:  # Redis down: record (the database is the stream of record)
        return True


def _log(event: SecurityEvent) -> None:
    category, type_, outcome = _ECS.get(Kind(event.kind), ("intrusion_detection", "info", "unknown"))
    level = {"info": logging.INFO, "warning": logging.WARNING, "critical": logging.ERROR}[event.severity]
    logger.log(
        level,
        "security event %s: %s",
        event.kind,
        event.summary,
        extra={
            "event.kind": "event",
            "event.module": "security",
            "event.action": event.kind,
            "event.category": [category],
            "event.type": [type_],
            "event.outcome": outcome,
            "event.id": str(event.pk),
            "event.severity": {"info": 1, "warning": 2, "critical": 3}[event.severity],
            "source.ip": event.source_ip,
            "user.name": event.actor_label or None,
            "labels.merchant_id": event.merchant.public_id if event.merchant else None,
            "http.request.id": event.request_id or None,
        },
    )


def _group_key(rule: AlertRule, event: SecurityEvent) -> str:
    return {
        AlertRule.GroupBy.NONE: "",
        AlertRule.GroupBy.SOURCE_IP: event.source_ip or "",
        AlertRule.GroupBy.MERCHANT: event.merchant.public_id if event.merchant else "",
        AlertRule.GroupBy.ACTOR: event.actor_label,
    }[AlertRule.GroupBy(rule.group_by)]


def alert_raise_if_due(*, rule: AlertRule, event: SecurityEvent) -> Alert | None:
    """The rule's condition over its window; an alert once per rule, group and cooldown period
    (a unique constraint decides between concurrent writers)."""
    group = _group_key(rule, event)
    now = event.occurred_at
    window = timedelta(seconds=rule.window_seconds)
    count = selectors.event_count(rule=rule, group_key=group, since=now - window, until=now)
    if count < rule.threshold:
        return None
    if rule.rule_type == AlertRule.Type.RATE:
        # The usual: the average per window over the six windows before this one.
        before = selectors.event_count(rule=rule, group_key=group, since=now - 7 * window, until=now - window)
        usual = before / 6
        if count < rule.rate_factor * usual:
            return None
    bucket = int(now.timestamp()) // max(1, rule.cooldown_seconds)
    who = f" from {group}" if group else ""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                rule=rule,
                group_key=group,
                bucket=bucket,
                raised_at=timezone.now(),
                event_count=count,
                summary=f"{count} × {Kind(rule.kind).label}{who} in {rule.window_seconds} s"[:300],
                last_event=event,
            )
    except IntegrityError:
        return None  # already raised in this period
    logger.warning(
        "security alert %s: %s",
        rule.name,
        alert.summary,
        extra={
            "event.kind": "alert",
            "event.action": rule.kind,
            "rule.name": rule.name,
            "event.id": str(alert.pk),
        },
    )
    from security.tasks import deliver_alert

    transaction.on_commit(lambda: deliver_alert.delay(alert.pk))
    return alert


def alert_deliver(*, alert_id: int) -> Alert:
    """E-mail and/or a JSON webhook; the outcome is kept on the alert (a conditional update)."""
    alert = Alert.objects.select_related("rule").get(pk=alert_id)
    rule = alert.rule
    if alert.delivery != Alert.Delivery.PENDING:
        return alert
    problems: list[str] = []
    sent = 0
    if rule.email_to:
        recipients = [a.strip() for a in rule.email_to.split(",") if a.strip()]
        try:
            send_mail(f"[security] {rule.name}", _text(alert), settings.DEFAULT_FROM_EMAIL, recipients)
            sent += 1
        except Exception as exc:
            problems.append(f"e-mail: {type(exc).__name__}")
    if rule.webhook_url:
        try:
            # The operators' own destination (Slack, Opsgenie): through the outbound layer,
            # public addresses only, not the providers' allowlist. A refused one fails this
            # alert with its reason; as a security event it would raise the alert it cannot deliver.
            timeout = settings.SECURITY_ALERT_TIMEOUT
            with guarded_client(
                purpose="security-alerts", loopback=staff_loopback(), timeout=timeout, security_event=False
            ) as client:
                response = client.post(rule.webhook_url, json=_payload(alert))
            response.raise_for_status()
            sent += 1
        except DestinationRefused as exc:
            problems.append(f"webhook: {exc.reason}")
        except httpx.HTTPError as exc:
            problems.append(f"webhook: {type(exc).__name__}")
    if problems:
        state = Alert.Delivery.FAILED
    elif sent:
        state = Alert.Delivery.DELIVERED
    else:
        state = Alert.Delivery.NO_CHANNEL
    Alert.objects.filter(pk=alert.pk, delivery=Alert.Delivery.PENDING).update(
        delivery=state, delivery_detail="; ".join(problems)[:300]
    )
    alert.refresh_from_db()
    return alert


def _text(alert: Alert) -> str:
    event = alert.last_event
    lines = [
        alert.summary,
        f"Rule: {alert.rule.name} ({alert.rule.get_severity_display()})",
        f"Raised: {timezone.localtime(alert.raised_at):%Y-%m-%d %H:%M:%S %Z}",
    ]
    if event is not None:
        lines.append(f"Last event: {event.summary}")
    return "\n".join(lines)


def _payload(alert: Alert) -> dict[str, Any]:
    """Slack's incoming-webhook ``text``, and the fields an Opsgenie/PagerDuty bridge maps."""
    event = alert.last_event
    return {
        "text": f":rotating_light: [{alert.rule.severity}] {alert.rule.name}: {alert.summary}",
        "alert": {
            "id": alert.pk,
            "rule": alert.rule.name,
            "kind": alert.rule.kind,
            "severity": alert.rule.severity,
            "group": alert.group_key,
            "count": alert.event_count,
            "window_seconds": alert.rule.window_seconds,
            "raised_at": alert.raised_at.isoformat(),
            "summary": alert.summary,
            "last_event": None
            if event is None
            else {
                "id": event.pk,
                "occurred_at": event.occurred_at.isoformat(),
                "summary": event.summary,
                "source_ip": event.source_ip,
                "actor": event.actor_label,
                "merchant": event.merchant.public_id if event.merchant else None,
            },
        },
    }


def alert_acknowledge(*, alert: Alert, actor: Any) -> bool:
    return bool(
        Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now(), acknowledged_by=getattr(actor, "email", str(actor))[:254]
        )
    )


def admission_storms_check(*, threshold: int | None = None) -> int:
    """Beat, every minute: a merchant/method refused at least ``threshold`` times in the last
    minute is a refusal storm (one event per merchant and method per 5 minutes)."""
    from payments.admission.selectors import window_rows
    from portal.models import Merchant

    threshold = threshold or settings.SECURITY_ADMISSION_STORM_THRESHOLD
    recorded = 0
    for row in window_rows(active_only=True):
        if row["refused_last_minute"] < threshold:
            continue
        merchant = Merchant.objects.filter(public_id=row["merchant"]).first()
        event = security_event_record(
            kind=Kind.ADMISSION_REFUSAL_STORM,
            severity=Severity.WARNING,
            merchant=merchant,
            actor_label=f"{row['merchant']}/{row['mode']}/{row['method']}",
            summary=(
                f"{row['refused_last_minute']} payment requests of {row['merchant_name']} "
                f"({row['mode']}, {row['method']}) refused in the last minute"
            ),
            detail={
                k: row[k]
                for k in ("mode", "method", "in_use", "cap", "admitted_last_minute", "refused_last_minute")
            },
            dedupe_seconds=300,
        )
        recorded += event is not None
    return recorded

"""Reads of the security stream: the rules of a kind, and event counts for a rule's group."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from security.models import AlertRule, SecurityEvent


def rules_for(*, kind: str) -> list[AlertRule]:
    return list(AlertRule.objects.filter(kind=kind, enabled=True))


def event_count(*, rule: AlertRule, group_key: str, since: datetime, until: datetime) -> int:
    events = SecurityEvent.objects.filter(kind=rule.kind, occurred_at__gt=since, occurred_at__lte=until)
    if rule.group_by == AlertRule.GroupBy.SOURCE_IP:
        events = events.filter(source_ip=group_key or None)
    elif rule.group_by == AlertRule.GroupBy.MERCHANT:
        events = events.filter(merchant__public_id=group_key) if group_key else events.filter(merchant=None)
    elif rule.group_by == AlertRule.GroupBy.ACTOR:
        events = events.filter(actor_label=group_key)
    return events.count()


def recent_events(*, kind: str | None = None, limit: int = 100) -> QuerySet[SecurityEvent]:
    events = SecurityEvent.objects.select_related("merchant")
    if kind:
        events = events.filter(kind=kind)
    return events[:limit]

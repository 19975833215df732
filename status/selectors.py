"""Reads of the status page: stored check results, overridden by open incidents and maintenance.

Never runs a check: the page shows what the beat task stored, and a result older than
``STATUS_STALE_SECONDS`` as ``unknown``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from status import checks
from status.models import ComponentStatus, Incident, IncidentUpdate, Maintenance

# What a component shows, from best to worst (the page's overall status is the worst shown).
SHOWN_ORDER = ["operational", "maintenance", "degraded", "unknown", "outage"]


def incidents_current() -> list[Incident]:
    updates = Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-created_at", "-id"))
    return list(Incident.objects.exclude(status=Incident.Status.RESOLVED).prefetch_related(updates))


def incidents_recent(*, now: datetime, days: int = 7) -> list[Incident]:
    updates = Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-created_at", "-id"))
    return list(
        Incident.objects.filter(status=Incident.Status.RESOLVED, resolved_at__gte=now - timedelta(days=days))
        .order_by("-resolved_at", "-id")
        .prefetch_related(updates)
    )


def maintenance_active(*, now: datetime) -> list[Maintenance]:
    return list(Maintenance.objects.filter(starts_at__lte=now, ends_at__gt=now).order_by("starts_at", "id"))


def maintenance_upcoming(*, now: datetime) -> list[Maintenance]:
    return list(Maintenance.objects.filter(starts_at__gt=now).order_by("starts_at", "id"))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def incident_as_dict(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.public_id,
        "title": incident.title,
        "status": incident.status,
        "impact": incident.impact,
        "components": list(incident.components),
        "created_at": _iso(incident.created_at),
        "updated_at": _iso(incident.updated_at),
        "resolved_at": _iso(incident.resolved_at),
        "updates": [
            {"status": u.status, "message": u.message, "created_at": _iso(u.created_at)}
            for u in incident.updates.all()
        ],
    }


def maintenance_as_dict(notice: Maintenance) -> dict[str, Any]:
    return {
        "id": notice.public_id,
        "title": notice.title,
        "message": notice.message,
        "starts_at": _iso(notice.starts_at),
        "ends_at": _iso(notice.ends_at),
        "components": list(notice.components),
    }


def status_summary(*, now: datetime | None = None) -> dict[str, Any]:
    """The status page's content as JSON-ready data (the schema of docs/status.md)."""
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.STATUS_STALE_SECONDS)
    stored = {row.component: row for row in ComponentStatus.objects.all()}
    current, active = incidents_current(), maintenance_active(now=now)
    components: list[dict[str, Any]] = []
    for component in checks.components():
        row = stored.get(component.key)
        incidents = [i for i in current if component.key in i.components]
        maintenance = [m for m in active if component.key in m.components]
        if row is None:
            checked, reason = "unknown", "not checked yet"
        elif row.checked_at < stale_before:
            checked, reason = "unknown", "no recent check result"
        else:
            checked, reason = row.state, row.reason
        shown = checked
        if incidents:
            worst = "outage" if any(i.impact == Incident.Impact.OUTAGE for i in incidents) else "degraded"
            shown, reason = worst, incidents[0].title
        elif maintenance:
            shown, reason = "maintenance", maintenance[0].title
        components.append(
            {
                "id": component.key,
                "name": component.name,
                "status": shown,
                "checked_status": checked,
                "reason": reason,
                "checked_at": _iso(row.checked_at) if row else None,
                "since": _iso(row.since) if row else None,
                "incidents": [i.public_id for i in incidents],
                "maintenance": [m.public_id for m in maintenance],
            }
        )
    shown_states: list[str] = [c["status"] for c in components]
    overall = max(shown_states, key=SHOWN_ORDER.index, default="unknown")
    return {
        "generated_at": now.isoformat(),
        "status": overall,
        "components": components,
        "incidents": {
            "current": [incident_as_dict(i) for i in current],
            "recent": [incident_as_dict(i) for i in incidents_recent(now=now)],
        },
        "maintenance": {
            "active": [maintenance_as_dict(m) for m in active],
            "upcoming": [maintenance_as_dict(m) for m in maintenance_upcoming(now=now)],
        },
    }


def feed_items(*, limit: int = 50) -> list[Incident | Maintenance]:
    """Incidents and maintenance notices for the Atom feed, most recently changed first."""
    updates = Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-created_at", "-id"))
    incidents = list(Incident.objects.order_by("-updated_at", "-id").prefetch_related(updates)[:limit])
    notices = list(Maintenance.objects.order_by("-updated_at", "-id")[:limit])
    items: list[Incident | Maintenance] = [*incidents, *notices]
    items.sort(key=lambda item: item.updated_at, reverse=True)
    return items[:limit]

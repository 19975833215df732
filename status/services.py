"""Writes of the status page: check results (the beat task), incidents and maintenance (operators)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from portal import errors
from portal.errors import PortalError
from portal.models import User
from portal.services import audit_record, snapshot
from status import checks
from status.checks import CheckResult
from status.models import ComponentStatus, Incident, IncidentUpdate, Maintenance

INCIDENT_AUDITED = ["title", "status", "impact", "components"]
MAINTENANCE_AUDITED = ["title", "message", "starts_at", "ends_at", "components"]


def component_status_record(*, component: str, result: CheckResult, checked_at: datetime) -> bool:
    """Store ``result`` as the latest of ``component`` unless a newer one is stored already.

    One conditional UPDATE (``WHERE checked_at < %s``); the row is created on first use. Returns
    whether this result was stored.
    """
    fields = {"state": result.state, "reason": result.reason[:200], "detail": result.detail}
    _, created = ComponentStatus.objects.get_or_create(
        component=component, defaults={**fields, "checked_at": checked_at, "since": checked_at}
    )
    if created:
        return True
    updated = ComponentStatus.objects.filter(component=component, checked_at__lt=checked_at).update(
        **fields,
        checked_at=checked_at,
        since=Case(When(state=result.state, then=F("since")), default=Value(checked_at)),
    )
    return updated == 1


def status_checks_run() -> dict[str, str]:
    """Run every component's check and store the results; returns component → state."""
    checked_at = timezone.now()
    results = checks.checks_run()
    for component, result in results.items():
        component_status_record(component=component, result=result, checked_at=checked_at)
    return {component: result.state for component, result in results.items()}


def _components_valid(components: list[str]) -> list[str]:
    known = checks.component_names()
    unknown = [c for c in components if c not in known]
    if unknown:
        raise PortalError(errors.VALIDATION_FAILED, f"unknown components: {', '.join(unknown)}")
    return sorted(set(components), key=list(known).index)


@transaction.atomic
def incident_create(
    *,
    title: str,
    impact: str,
    components: list[str],
    message: str,
    actor: User | None,
    status: str = "investigating",
) -> Incident:
    incident = Incident.objects.create(
        title=title,
        impact=impact,
        components=_components_valid(components),
        status=status,
        resolved_at=timezone.now() if status == Incident.Status.RESOLVED else None,
    )
    IncidentUpdate.objects.create(incident=incident, status=status, message=message)
    audit_record(
        actor=actor,
        action="status.incident_created",
        obj=incident,
        after=snapshot(incident, INCIDENT_AUDITED),
    )
    return incident


@transaction.atomic
def incident_update_post(
    *, incident: Incident, status: str, message: str, actor: User | None
) -> IncidentUpdate:
    """Post an update; a new status moves the incident (a conditional update on the old one)."""
    current = incident.status
    if status != current:
        if status not in Incident.TRANSITIONS.get(current, set()):
            raise PortalError(errors.INVALID_TRANSITION, f"an incident cannot go from {current} to {status}")
        now = timezone.now()
        resolved_at = now if status == Incident.Status.RESOLVED else None
        changed = Incident.objects.filter(pk=incident.pk, status=current).update(
            status=status, resolved_at=resolved_at, updated_at=now
        )
        if changed != 1:
            raise PortalError(errors.INVALID_TRANSITION, "the incident was changed concurrently; reload")
        incident.status, incident.resolved_at, incident.updated_at = status, resolved_at, now
    else:
        Incident.objects.filter(pk=incident.pk).update(updated_at=timezone.now())
    update = IncidentUpdate.objects.create(incident=incident, status=status, message=message)
    audit_record(
        actor=actor,
        action="status.incident_updated",
        obj=incident,
        before={"status": current},
        after={"status": status, "message": message[:500]},
    )
    return update


@transaction.atomic
def incident_edit(
    *, incident: Incident, title: str, impact: str, components: list[str], actor: User | None
) -> Incident:
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    before = snapshot(locked, INCIDENT_AUDITED)
    locked.title, locked.impact, locked.components = title, impact, _components_valid(components)
    locked.save(update_fields=["title", "impact", "components", "updated_at"])
    after = snapshot(locked, INCIDENT_AUDITED)
    if before != after:
        audit_record(actor=actor, action="status.incident_changed", obj=locked, before=before, after=after)
    return locked


def _window_valid(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise PortalError(errors.VALIDATION_FAILED, "a maintenance window ends after it starts")


@transaction.atomic
def maintenance_create(
    *,
    title: str,
    message: str,
    starts_at: datetime,
    ends_at: datetime,
    components: list[str],
    actor: User | None,
) -> Maintenance:
    _window_valid(starts_at, ends_at)
    notice = Maintenance.objects.create(
        title=title,
        message=message,
        starts_at=starts_at,
        ends_at=ends_at,
        components=_components_valid(components),
    )
    audit_record(
        actor=actor,
        action="status.maintenance_created",
        obj=notice,
        after=snapshot(notice, MAINTENANCE_AUDITED),
    )
    return notice


@transaction.atomic
def maintenance_edit(
    *,
    notice: Maintenance,
    title: str,
    message: str,
    starts_at: datetime,
    ends_at: datetime,
    components: list[str],
    actor: User | None,
) -> Maintenance:
    _window_valid(starts_at, ends_at)
    locked = Maintenance.objects.select_for_update().get(pk=notice.pk)
    before = snapshot(locked, MAINTENANCE_AUDITED)
    locked.title, locked.message, locked.starts_at, locked.ends_at = title, message, starts_at, ends_at
    locked.components = _components_valid(components)
    locked.save(update_fields=["title", "message", "starts_at", "ends_at", "components", "updated_at"])
    after = snapshot(locked, MAINTENANCE_AUDITED)
    if before != after:
        audit_record(actor=actor, action="status.maintenance_changed", obj=locked, before=before, after=after)
    return locked

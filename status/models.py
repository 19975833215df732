"""The public status page: the latest check result per component, incidents and maintenance notices.

``ComponentStatus`` holds one row per component, written only by the check task (a conditional
update: an older result never overwrites a newer one). Incidents and maintenance notices are
posted by operators in the admin, through ``status.services`` (audited).
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from portal.ids import id_factory


class State(models.TextChoices):
    """A component's checked state."""

    OPERATIONAL = "operational", "Operational"
    DEGRADED = "degraded", "Degraded performance"
    OUTAGE = "outage", "Outage"


class ComponentStatus(models.Model):
    component = models.CharField(max_length=40, unique=True)
    state = models.CharField(max_length=12, choices=State.choices)
    reason = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField()
    since = models.DateTimeField(help_text="When the component entered its current state.")

    class Meta:
        verbose_name_plural = "component statuses"
        ordering = ["component"]

    def __str__(self) -> str:
        return f"{self.component}: {self.state}"


class Incident(models.Model):
    class Status(models.TextChoices):
        INVESTIGATING = "investigating", "Investigating"
        IDENTIFIED = "identified", "Identified"
        MONITORING = "monitoring", "Monitoring"
        RESOLVED = "resolved", "Resolved"

    class Impact(models.TextChoices):
        DEGRADED = "degraded", "Degraded performance"
        OUTAGE = "outage", "Outage"

    TRANSITIONS: dict[str, set[str]] = {
        Status.INVESTIGATING: {Status.IDENTIFIED, Status.MONITORING, Status.RESOLVED},
        Status.IDENTIFIED: {Status.INVESTIGATING, Status.MONITORING, Status.RESOLVED},
        Status.MONITORING: {Status.INVESTIGATING, Status.IDENTIFIED, Status.RESOLVED},
        Status.RESOLVED: set(),
    }

    public_id = models.CharField(max_length=30, unique=True, default=id_factory("inc", 20), editable=False)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=13, choices=Status.choices, default=Status.INVESTIGATING)
    impact = models.CharField(max_length=8, choices=Impact.choices, default=Impact.OUTAGE)
    components = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status"], condition=~Q(status="resolved"), name="incident_open")]

    def __str__(self) -> str:
        return f"{self.title} ({self.status})"


class IncidentUpdate(models.Model):
    """One public message of an incident, with the status it announced. Never edited."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=13, choices=Incident.Status.choices)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.status}: {self.message[:60]}"


class Maintenance(models.Model):
    public_id = models.CharField(max_length=30, unique=True, default=id_factory("mnt", 20), editable=False)
    title = models.CharField(max_length=200)
    message = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    components = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "maintenance notices"
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="maintenance_window")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M})"

"""Which closed hours of which event kind have been exported as Parquet, and what was written."""

from __future__ import annotations

from django.db import models


class ExportedHour(models.Model):
    kind = models.CharField(max_length=40)
    hour = models.DateTimeField(help_text="Start of the hour (UTC); the file holds [hour, hour + 1h).")
    rows = models.PositiveIntegerField()
    path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    exported_at = models.DateTimeField()

    class Meta:
        ordering = ["-hour", "kind"]
        constraints = [models.UniqueConstraint(fields=["kind", "hour"], name="exported_hour_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.hour:%Y-%m-%d %H}:00 ({self.rows} rows)"

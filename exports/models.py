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


class RequestLog(models.Model):
    """One answered HTTP request, written in batches by ``exports.request_logs`` (never per request).

    No query string and no card number in clear (``portal.logging.redact_pans``); rows older
    than ``REQUEST_LOG_RETENTION_HOURS`` are deleted once their hour has been exported.
    """

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(db_index=True, help_text="When the request came in (UTC).")
    request_id = models.CharField(max_length=128)
    method = models.CharField(max_length=16)
    path = models.CharField(max_length=2000, help_text="The URL path, without the query string.")
    route = models.CharField(max_length=500, null=True, help_text="The URL pattern matched, if any.")
    status_code = models.PositiveSmallIntegerField()
    duration_us = models.BigIntegerField(help_text="Microseconds from the request to the response.")
    merchant_id = models.CharField(max_length=40, null=True, help_text="The merchant's public id.")
    key_mode = models.CharField(max_length=8, null=True, help_text="test or live: the API key's mode.")
    client_address = models.CharField(max_length=64, null=True)
    user_agent = models.CharField(max_length=256, null=True)
    response_bytes = models.BigIntegerField(null=True, help_text="The body's size, if not streamed.")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.method} {self.path} {self.status_code}"

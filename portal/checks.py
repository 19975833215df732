"""``manage.py check --deploy``: this product's own production warnings, beside Django's."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def production_posture(app_configs, **kwargs) -> list[Warning]:
    warnings = []
    if len(settings.METRICS_TOKEN) < 32:
        warnings.append(
            Warning(
                "/metrics is served without a token (or a short one).",
                hint="Set METRICS_TOKEN (32+ random characters) and give it to Prometheus.",
                id="portal.W001",
            )
        )
    if not settings.ADMIN_REQUIRE_OTP:
        warnings.append(
            Warning(
                "Operators sign in without a one-time code.",
                hint="Set ADMIN_REQUIRE_OTP=true (the production default).",
                id="portal.W002",
            )
        )
    if getattr(settings, "SIMULATORS_ENABLED", False):
        warnings.append(
            Warning(
                "The provider simulators are routed (SIMULATORS_ENABLED).",
                hint="Only a staging system needs them; their controls then need a staff login or a token.",
                id="portal.W003",
            )
        )
    if getattr(settings, "WEBHOOK_ALLOW_LOOPBACK", False):
        warnings.append(
            Warning(
                "Webhooks may be sent to this machine's loopback addresses (WEBHOOK_ALLOW_LOOPBACK).",
                hint="Turn it off outside development.",
                id="portal.W004",
            )
        )
    return warnings

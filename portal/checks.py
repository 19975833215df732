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
    if settings.SIMULATORS_ENABLED:
        warnings.append(
            Warning(
                "The provider simulators are routed (SIMULATORS_ENABLED).",
                hint="Only a staging system needs them; their controls then need a staff login or a token.",
                id="portal.W003",
            )
        )
    own = settings.PORTAL_BASE_URL.rstrip("/") + "/simulators"
    if not settings.SIMULATORS_ENABLED and any(
        url.startswith(own)
        for url in (
            settings.ACQUIRER_SIMULATOR_URL,
            settings.TDS_SIMULATOR_URL,
            settings.PROVIDER_SIMULATOR_URL,
        )
    ):
        warnings.append(
            Warning(
                "Test-mode payments call this system's own simulators, which are not routed here.",
                hint="Point ACQUIRER_SIMULATOR_URL, TDS_SIMULATOR_URL and PROVIDER_SIMULATOR_URL at a "
                "staging system that serves them (SIMULATORS_ENABLED there), or test-mode payments fail.",
                id="portal.W005",
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

"""The default alert rules, seeded by a migration and again after every ``migrate``/``flush``
(post_migrate), never overwriting what operators changed: they tune thresholds, windows and
channels in the admin, and disable a rule rather than delete it."""

from __future__ import annotations

RULES = [
    # name, kind, type, threshold, window s, group by, cooldown s, severity
    ("Password guessing from one address", "login.failed", "threshold", 10, 300, "source_ip", 900, "warning"),
    ("Password guessing against one account", "login.failed", "threshold", 20, 900, "actor", 1800, "warning"),
    ("Sign-in lock-outs", "login.throttled", "threshold", 1, 300, "source_ip", 900, "warning"),
    ("One-time code failures", "otp.failed", "threshold", 5, 600, "actor", 1800, "critical"),
    (
        "API key guessing from one address",
        "api_key.invalid",
        "threshold",
        20,
        60,
        "source_ip",
        900,
        "warning",
    ),
    ("API key guessing: surge", "api_key.invalid", "rate", 100, 300, "none", 1800, "critical"),
    ("API authentication throttled", "api_key.throttled", "threshold", 1, 300, "source_ip", 900, "warning"),
    (
        "Revoked API key still in use",
        "api_key.revoked_used",
        "threshold",
        1,
        3600,
        "merchant",
        3600,
        "warning",
    ),
    ("API key used from a new address", "api_key.new_address", "threshold", 1, 60, "merchant", 3600, "info"),
    ("Staff permissions changed", "staff.permissions_changed", "threshold", 1, 60, "actor", 60, "warning"),
    ("Webhook URLs changed in bulk", "webhook.url_changed", "threshold", 5, 600, "merchant", 3600, "warning"),
    ("Outbound destinations refused", "outbound.refused", "threshold", 5, 300, "none", 1800, "warning"),
    ("Admission refusal storm", "admission.refusal_storm", "threshold", 1, 300, "merchant", 1800, "warning"),
]


def ensure_default_rules(sender=None, apps=None, **kwargs) -> None:
    if apps is not None:
        try:
            AlertRule = apps.get_model("security", "AlertRule")
        except LookupError:  # a migrate that stopped before this app's tables (`migrate app 0001`)
            return
    else:
        from security.models import AlertRule
    for name, kind, rule_type, threshold, window, group_by, cooldown, severity in RULES:
        AlertRule.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "rule_type": rule_type,
                "threshold": threshold,
                "window_seconds": window,
                "group_by": group_by,
                "cooldown_seconds": cooldown,
                "severity": severity,
            },
        )

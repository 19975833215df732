from django.apps import AppConfig

# Operators read security events and alerts, and tune the rules; reviewers do not.
OPERATOR_PERMISSIONS = [
    "security.view_securityevent",
    "security.view_alertrule",
    "security.change_alertrule",
    "security.view_alert",
]


class SecurityConfig(AppConfig):
    name = "security"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Security events"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from portal.roles import register_group_permissions
        from security import signals
        from security.seed import ensure_default_rules

        register_group_permissions("operator", OPERATOR_PERMISSIONS)
        signals.connect()
        post_migrate.connect(ensure_default_rules, sender=self, dispatch_uid="security.ensure_default_rules")

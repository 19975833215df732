from django.apps import AppConfig

# Operators post incidents and maintenance notices; reviewers read them.
OPERATOR_PERMISSIONS = [
    "status.view_componentstatus",
    "status.view_incident",
    "status.add_incident",
    "status.change_incident",
    "status.view_incidentupdate",
    "status.view_maintenance",
    "status.add_maintenance",
    "status.change_maintenance",
]


class StatusConfig(AppConfig):
    name = "status"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Status page"

    def ready(self) -> None:
        from portal.roles import register_group_permissions

        register_group_permissions("operator", OPERATOR_PERMISSIONS)

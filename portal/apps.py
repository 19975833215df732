from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate

from portal.loading import loading_ends


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Merchant onboarding"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal import checks  # noqa: F401  (registers the deploy checks)
        from portal.roles import ensure_operator_groups
        from portal.seed import ensure_business_categories

        # Groups reference permissions, which exist only after migrate has run.
        post_migrate.connect(ensure_operator_groups, dispatch_uid="portal.ensure_operator_groups")
        post_migrate.connect(
            ensure_business_categories, sender=self, dispatch_uid="portal.ensure_business_categories"
        )


class PortalAdminConfig(AdminConfig):
    default_site = "portal.admin_site.PortalAdminSite"

    def ready(self) -> None:
        super().ready()  # every app's admin module
        loading_ends()  # the last app: the process has loaded what it keeps

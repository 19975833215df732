from django.apps import AppConfig


class PlatformsConfig(AppConfig):
    name = "payments.platforms"
    label = "platforms"
    verbose_name = "Platforms and tenant shops"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig


class HostedConfig(AppConfig):
    name = "payments.hosted"
    label = "hosted"  # not "sessions": django.contrib.sessions has that label
    verbose_name = "Hosted payment and card-registration pages"
    default_auto_field = "django.db.models.BigAutoField"

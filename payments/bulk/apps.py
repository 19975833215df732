from django.apps import AppConfig


class BulkConfig(AppConfig):
    name = "payments.bulk"
    label = "bulk"
    verbose_name = "Bulk payments"
    default_auto_field = "django.db.models.BigAutoField"

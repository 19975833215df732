from django.apps import AppConfig


class SettlementsConfig(AppConfig):
    name = "payments.settlements"
    label = "settlements"
    verbose_name = "Ledger, settlements and deposits"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig


class ChargebacksConfig(AppConfig):
    name = "payments.chargebacks"
    label = "chargebacks"
    verbose_name = "Chargebacks"
    default_auto_field = "django.db.models.BigAutoField"

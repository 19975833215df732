from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "payments.subscriptions"
    label = "subscriptions"
    verbose_name = "Plans and subscriptions"
    default_auto_field = "django.db.models.BigAutoField"

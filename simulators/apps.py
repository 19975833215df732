from django.apps import AppConfig


class SimulatorsConfig(AppConfig):
    """The providers' simulators: test equipment that stands in for the outside world (card
    acquirer, 3-D Secure server, QR wallets, konbini, bank) in test mode.

    The gateway knows them only over HTTP, as it knows the real providers; their URLs are routed
    only when ``SIMULATORS_ENABLED``. The app is always installed so that its tables exist.
    """

    name = "simulators"
    default_auto_field = "django.db.models.BigAutoField"

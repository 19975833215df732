"""Plans and subscriptions (fincode's ``/v1/plans`` and ``/v1/subscriptions``): a customer's saved
card (or direct-debit account) charged on the plan's cycle by Celery beat, exactly once per
period. See ``docs/subscriptions.md``."""

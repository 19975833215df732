"""Writes of plans and subscriptions: ``plans`` (the catalogue), ``subscriptions`` (sign-up,
change, cancellation) and ``billing`` (charging each period exactly once, retries, batches)."""

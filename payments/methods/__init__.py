"""Payment methods: one module per pay type behind the ``PaymentMethod`` protocol (``base``),
found through ``registry.method_for``. Views, services and payloads ask the registry; none
of them branches on the pay type."""

"""Writes of bulk payments: ``uploads`` (a file checked and stored whole) and ``processing``
(its lines charged by Celery on the process plan date)."""

"""Invoices (fincode's ``/v1/invoices``): lines, a hosted invoice page, paid by card or bank
transfer (a virtual account), or marked paid outside; reminders by Celery beat."""

"""Bulk payments (fincode's ``/v1/payments/bulk``): a file of card payments on saved cards,
checked when it is uploaded and charged by Celery on its process plan date."""

"""What every part of the engine asks of a payment that completes later: its pay type's module, its
provider, and a plain write of columns that moves no status."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from payments import errors
from payments.methods.asynchronous import AsynchronousMethod
from payments.methods.registry import asynchronous_method_for
from payments.models import Payment
from payments.providers.async_base import AsyncProvider
from payments.providers.async_registry import provider_by_name
from portal.errors import PortalError


def method_of(payment: Payment) -> AsynchronousMethod:
    """The module of a payment's pay type (one whose payments complete later)."""
    method = asynchronous_method_for(payment.pay_type)
    if method is None:
        raise PortalError(
            errors.OPERATION_NOT_SUPPORTED, f"{payment.pay_type} payments do not complete later."
        )
    return method


def provider_for(payment: Payment) -> AsyncProvider:
    """The provider that serves ``payment`` (NotConfigured if there is none for its mode)."""
    return provider_by_name(method_of(payment).provider_name(payment), payment.mode)


def payment_fields_update(*, payment: Payment, fields: dict[str, Any]) -> None:
    """Write ``fields`` of ``payment`` (and onto the instance) without a status change."""
    Payment.objects.filter(pk=payment.pk).update(**fields, updated=timezone.now())
    for key, value in fields.items():
        setattr(payment, key, value)

"""The merchant's customers (``/v1/customers``). Their saved cards are the card pay type's
(``payments.methods.card.saved``)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from payments import errors
from payments.models import Card, CardSecret, Customer, DirectDebitAccount
from payments.subscriptions.selectors import subscription_guard
from portal.errors import PortalError
from portal.models import Merchant

CUSTOMER_FIELDS = (
    "name", "email", "phone_cc", "phone_no", "addr_country", "addr_state", "addr_city",
    "addr_line_1", "addr_line_2", "addr_line_3", "addr_post_code",
)  # fmt: skip


def customer_create(*, merchant: Merchant, mode: str, data: dict[str, Any]) -> Customer:
    fields = {f: data[f] or "" for f in CUSTOMER_FIELDS if f in data}
    if data.get("id"):
        fields["customer_id"] = data["id"]
    try:
        with transaction.atomic():
            return Customer.objects.create(merchant=merchant, mode=mode, **fields)
    except IntegrityError as exc:
        raise PortalError(errors.CUSTOMER_EXISTS, field="id") from exc


@transaction.atomic
def customer_update(*, customer: Customer, data: dict[str, Any]) -> Customer:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    fields = [f for f in CUSTOMER_FIELDS if f in data]
    for field in fields:
        setattr(customer, field, data[field] or "")
    customer.save(update_fields=[*fields, "updated"])
    return customer


@transaction.atomic
def customer_delete(*, customer: Customer) -> None:
    """The customer and their payment methods (saved cards, direct-debit accounts), with their
    encrypted numbers — not while subscriptions charge them."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    subscription_guard(customer_pk=customer.pk)
    secrets = list(Card.objects.filter(customer=customer).values_list("secret_id", flat=True))
    accounts = DirectDebitAccount.objects.filter(customer=customer)  # direct-debit payment methods
    secrets += list(accounts.values_list("secret_id", flat=True))
    accounts.delete()
    Card.objects.filter(customer=customer).delete()
    CardSecret.objects.filter(pk__in=secrets).delete()
    customer.delete()

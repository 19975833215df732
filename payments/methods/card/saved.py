"""A customer's saved cards (``/v1/customers/{id}/cards``), made from a card token. A saved card
is also the customer's payment method of ``pay_type`` ``Card`` (``/v1/customers/{id}/payment_methods``,
``CardPaymentMethods``): one store, whichever path made it; its payment method id is its card id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from payments import errors, vault
from payments.methods.card.tokens import token_consume
from payments.models import Card, CardSecret, Customer
from payments.subscriptions.selectors import subscription_guard
from portal.errors import PortalError

# What a card row copies from the token (or saved card) it was made from.
CARD_DETAILS = ("card_no", "brand", "expire", "holder_name", "card_no_hash")


@transaction.atomic
def card_create(
    *, customer: Customer, token: str, default_flag: bool, details: Mapping[str, Any] | None = None
) -> Card:
    """``details``: what a payment method's registration adds (client fields, return URLs, tds_type)."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    token_row, clear = token_consume(merchant=customer.merchant, mode=customer.mode, raw=token)
    secret = vault.seal(clear, purpose=CardSecret.Purpose.CARD)
    has_cards = Card.objects.filter(customer=customer).exists()
    make_default = default_flag or not has_cards
    if make_default:
        Card.objects.filter(customer=customer, default_flag=True).update(default_flag=False)
    return Card.objects.create(
        customer=customer,
        secret=secret,
        default_flag=make_default,
        **{name: getattr(token_row, name) for name in CARD_DETAILS},
        **(details or {}),
    )


@transaction.atomic
def card_update(*, card: Card, data: dict[str, Any]) -> Card:
    customer = Customer.objects.select_for_update().get(pk=card.customer_id)
    card = Card.objects.select_for_update().get(pk=card.pk)
    fields: list[str] = []
    if data.get("token"):
        token_row, clear = token_consume(merchant=customer.merchant, mode=customer.mode, raw=data["token"])
        old_secret = card.secret_id
        card.secret = vault.seal(clear, purpose=CardSecret.Purpose.CARD)
        for name in CARD_DETAILS:
            setattr(card, name, getattr(token_row, name))
        fields += ["secret", *CARD_DETAILS]
        transaction.on_commit(lambda: CardSecret.objects.filter(pk=old_secret).delete())
    if data.get("holder_name") is not None and "holder_name" not in fields:
        card.holder_name = data["holder_name"]
        fields.append("holder_name")
    if data.get("expire") and "expire" not in fields:
        card.expire = data["expire"]
        fields.append("expire")
    if data.get("default_flag") is not None:
        wanted = bool(data["default_flag"])
        if wanted and not card.default_flag:
            Card.objects.filter(customer=customer, default_flag=True).update(default_flag=False)
        card.default_flag = wanted
        fields.append("default_flag")
    if fields:
        card.save(update_fields=[*fields, "updated"])
    return card


@transaction.atomic
def card_delete(*, card: Card) -> None:
    Customer.objects.select_for_update().filter(pk=card.customer_id).first()  # as subscriptions are made
    subscription_guard(customer_pk=card.customer_id, card_pk=card.pk)
    secret_id = card.secret_id
    card.delete()
    CardSecret.objects.filter(pk=secret_id).delete()


class CardPaymentMethods:
    """The ``Card`` kind of ``/v1/customers/{id}/payment_methods`` (``SavedPaymentMethods``): saved cards."""

    pay_type = "Card"
    details_field = "card"
    DETAILS = ("client_field_1", "client_field_2", "client_field_3", "return_url", "return_url_on_failure")

    def create(self, *, customer: Customer, data: dict[str, Any]) -> Card:
        card = data["card"]
        if (card.get("tds_type") or "0") != "0":
            raise PortalError(errors.TDS_ON_REGISTRATION_UNSUPPORTED, field="tds_type")
        details = {name: data.get(name) for name in self.DETAILS}
        return card_create(
            customer=customer,
            token=card["token"],
            default_flag=data["default_flag"] == "1",
            details={**details, "tds_type": "0"},
        )

    def get(self, *, customer: Customer, payment_method_id: str) -> Card:
        card = (
            Card.objects.select_related("customer")
            .filter(customer=customer, card_id=payment_method_id)
            .first()
        )
        if card is None:
            raise PortalError(errors.PAYMENT_METHOD_NOT_FOUND)
        return card

    def list(self, *, customer: Customer) -> QuerySet[Card]:
        return Card.objects.select_related("customer").filter(customer=customer).order_by("created", "id")

    def delete(self, *, method: Any) -> None:
        card_delete(card=method)

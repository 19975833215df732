"""A customer's saved cards (``/v1/customers/{id}/cards``), made from a card token."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from payments import vault
from payments.methods.card.tokens import token_consume
from payments.models import Card, CardSecret, Customer

# What a card row copies from the token (or saved card) it was made from.
CARD_DETAILS = ("card_no", "brand", "expire", "holder_name", "card_no_hash")


@transaction.atomic
def card_create(*, customer: Customer, token: str, default_flag: bool) -> Card:
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
    secret_id = card.secret_id
    card.delete()
    CardSecret.objects.filter(pk=secret_id).delete()

"""``PUT /v1/payments/{id}`` for cards: a token or a saved card, then the acquirer authorises —
or, with ``tds_type=2``, the payment waits for 3-D Secure (AUTHENTICATED)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from payments import errors, vault
from payments.methods.card.acquirer import acquirer_call, acquirer_for, authorize_request
from payments.methods.card.saved import CARD_DETAILS
from payments.methods.card.secure import tds_call, tds_server_for
from payments.methods.card.tokens import token_consume
from payments.models import Card, CardSecret, CardToken, Customer, Payment, Status, ThreeDSecureSession
from payments.pending import operation_begin, operation_check, pending_cleared
from payments.providers.tds import EnrollmentRequest
from payments.state import actor_label, payment_transition
from portal.db import one_or_none
from portal.errors import PortalError


def _card_snapshot(source: CardToken | Card) -> dict[str, Any]:
    return {name: getattr(source, name) for name in CARD_DETAILS}


def card_source_resolve(*, payment: Payment, data: dict[str, Any]) -> tuple[vault.ClearCard, dict[str, Any]]:
    """The card for execute: a token (used once) or a saved card, and the payment columns that
    describe it. Call inside the execute transaction."""
    if data.get("token"):
        token, card = token_consume(merchant=payment.merchant, mode=payment.mode, raw=data["token"])
        return card, {**_card_snapshot(token), "customer": None, "card": None}
    if not data.get("customer_id"):
        raise PortalError(errors.CARD_SOURCE_REQUIRED, field="token")
    customer = one_or_none(
        Customer.objects.filter(merchant=payment.merchant, mode=payment.mode, customer_id=data["customer_id"])
    )
    if customer is None:
        raise PortalError(errors.CUSTOMER_NOT_FOUND, field="customer_id")
    cards = Card.objects.select_related("secret").filter(customer=customer)
    saved = (
        one_or_none(cards.filter(card_id=data["card_id"]))
        if data.get("card_id")
        else one_or_none(cards.filter(default_flag=True))
    )
    if saved is None:
        raise PortalError(
            errors.CARD_NOT_FOUND if data.get("card_id") else errors.NO_DEFAULT_CARD, field="card_id"
        )
    if vault.expire_problem(saved.expire):
        raise PortalError(errors.CARD_EXPIRED, field="card_id")
    return vault.unseal(saved.secret), {**_card_snapshot(saved), "customer": customer, "card": saved}


CardSource = Callable[..., tuple[vault.ClearCard, dict[str, Any]]]


def payment_execute(
    *, payment: Payment, data: dict[str, Any], actor: Any, source: CardSource = card_source_resolve
) -> Payment:
    """Execute a registered card payment with a token or a saved card.

    With ``tds_type=2`` the payment waits for 3-D Secure (AUTHENTICATED); otherwise
    the acquirer authorises it within this request. ``source(payment=, data=)`` gives the card
    and the payment columns that describe it (a pay type that hands over a card, such as a
    wallet's decrypted token, gives its own); it runs in the execute transaction.
    """
    label = actor_label(actor)
    acquirer = acquirer_for(payment.mode)
    # Live without a 3DS server: refused here, before anything is written or used up.
    tds = tds_server_for(payment.mode) if payment.tds_type == "2" else None
    enrolled = False
    with transaction.atomic():
        operation_check(payment, "execute")  # before the token is used up
        card, snapshot = source(payment=payment, data=data)
        if tds is not None:
            # Before operation_begin: no lock on the payment row while the 3DS server answers.
            enrollment = EnrollmentRequest(reference=payment.access_id, card=card)
            enrolled = tds_call(lambda: tds.enrollment(enrollment)).enrolled
            if not enrolled and payment.tds2_type != "3":
                raise PortalError(errors.TDS_NOT_ENROLLED)
        extra = {
            **snapshot,
            "method": data.get("method") or "1",
            "pay_times": int(data["pay_times"]) if data.get("pay_times") else None,
        }
        for name in ("tds2_ret_url", "return_url", "return_url_on_failure"):
            if data.get(name):
                extra[name] = data[name]
        payment, reference = operation_begin(payment=payment, operation="execute", actor=label, fields=extra)
        if enrolled:
            # The card is kept (encrypted) until the payment is authorised after 3-D Secure;
            # the session's profile is filled in from the 3DS server's answer.
            secret = vault.seal(card, purpose=CardSecret.Purpose.PAYMENT, ttl=timedelta(days=1))
            ThreeDSecureSession.objects.update_or_create(payment=payment, defaults={"profile": ""})
            return payment_transition(
                payment=payment,
                to=Status.AUTHENTICATED,
                action="execute",
                actor=label,
                detail={"tds": "started"},
                card_secret=secret,
                tds2_status="AUTHENTICATING",
                process_date=timezone.now(),
                **pending_cleared(),
            )
    request = authorize_request(payment=payment, reference=reference, card=card)
    return acquirer_call(
        payment=payment, reference=reference, actor=label, call=lambda: acquirer.authorize(request)
    )

"""Test tokens of the wallets that hand over an encrypted card (Apple Pay, Google Pay), under
``/simulators/wallet-tokens/<pay_type>``: what the buyer's device would give the merchant's page.

``POST {"shop_id", "card_no", "expire" (YYMM), "expired": false}`` → ``{"token": …}``, as the
wallet gives it (Apple Pay: Base64 of the payment data; Google Pay: the ECv2 JSON, which fincode
takes Base64-encoded), for ``PUT /v1/payments/{id}`` in test mode. The pay type's module encrypts as its wallet does, to
the product's test keys (``PaymentMethod`` + ``WalletTokenMaker``); a live payment never accepts
one. Test equipment: guarded as every simulator control (``simulators.access``).
"""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.methods.base import WalletTokenMaker
from payments.methods.registry import METHODS
from portal.db import one_or_none
from portal.models import Merchant
from simulators import engine
from simulators.engine import SimulatorError


@csrf_exempt
@require_POST
def issue(request, pay_type: str):
    method = METHODS.get(pay_type)
    if not isinstance(method, WalletTokenMaker):
        return JsonResponse({"error": "no_wallet_tokens", "pay_types": makers()}, status=404)
    try:
        body = engine.json_body(request)
    except SimulatorError as exc:
        return JsonResponse({"error": exc.error}, status=exc.status)
    merchant = one_or_none(Merchant.objects.filter(public_id=str(body.get("shop_id") or "")))
    if merchant is None:
        return JsonResponse({"error": "unknown_shop_id"}, status=400)
    card_no, expire = str(body.get("card_no") or ""), str(body.get("expire") or "")
    if not (card_no.isdigit() and 12 <= len(card_no) <= 19 and expire.isdigit() and len(expire) == 4):
        return JsonResponse({"error": "card_no (12-19 digits) and expire (YYMM) are required"}, status=400)
    token = method.test_token(
        merchant=merchant, card_no=card_no, expire=expire, expired=body.get("expired") is True
    )
    return JsonResponse({"pay_type": pay_type, "token": token})


def makers() -> list[str]:
    """The pay types that make test tokens."""
    return [pay_type for pay_type, method in METHODS.items() if isinstance(method, WalletTokenMaker)]

"""A card acquirer simulator for test mode, served under /simulators/acquirer/.

It is the "outside world": the gateway reaches it only over HTTP through
``payments.providers.acquirer_http``. Every operation is recorded under the
gateway's reference; a repeated reference gets the first answer again, and
``GET /v1/operations/<reference>`` tells what became of one (``processing``
while a slow call is still running). It never stores card numbers.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from payments.vault import brand_of, luhn_ok
from portal.db import one_or_none
from simulators.cards import behaviour
from simulators.models import SimulatedAcquirerTransaction as Op

SUCCESS = {"checked", "authorized", "captured", "canceled", "changed"}
FORWARD = {"VISA": "2a99100", "MASTER": "2a99200", "JCB": "2s77777", "AMEX": "2a99300"}


def _json(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return body


def _replay(op: Op) -> JsonResponse:
    if op.outcome == "declined":
        return JsonResponse({"reference": op.reference, "decline_reason": op.decline_reason}, status=402)
    if op.outcome == "processing":
        return JsonResponse({"reference": op.reference, "state": "processing"}, status=409)
    return JsonResponse(op.response)


def _record(reference: str, **fields) -> tuple[Op, bool]:
    try:
        with transaction.atomic():
            return Op.objects.create(reference=reference, **fields), True
    except IntegrityError:
        return Op.objects.get(reference=reference), False


def _fill(
    op: Op, *, outcome: str, amount: int, transaction_id: str, decline_reason: str = "", **extra
) -> None:
    op.outcome, op.amount, op.transaction_id, op.decline_reason = (
        outcome,
        amount,
        transaction_id,
        decline_reason,
    )
    op.response = {
        "reference": op.reference,
        "transaction_id": transaction_id,
        "outcome": outcome,
        "amount": amount,
        **extra,
    }


def _finish(op: Op, **result) -> Op:
    _fill(op, **result)
    op.save(update_fields=["outcome", "amount", "transaction_id", "decline_reason", "response"])
    return op


def _latency() -> None:
    if settings.ACQUIRER_SIMULATOR_LATENCY > 0:
        time.sleep(settings.ACQUIRER_SIMULATOR_LATENCY)


@csrf_exempt
@require_POST
def authorize(request):
    try:
        body = _json(request)
        reference = str(body["reference"])[:64]
        number = str(body["card_number"])
        amount = int(body["amount"])
    except (KeyError, ValueError, TypeError):
        return JsonResponse({"error": "bad_request"}, status=400)
    if not number.isdigit() or not luhn_ok(number) or amount < 0:
        return JsonResponse({"error": "bad_request"}, status=400)
    # A wallet's network token comes with its cryptogram and ECI: both, or it is malformed.
    network_token = body.get("network_token")
    if network_token is not None and not (
        isinstance(network_token, dict)
        and network_token.get("cryptogram")
        and str(network_token.get("eci", "")).isdigit()
    ):
        return JsonResponse({"error": "bad_request"}, status=400)
    card = behaviour(number)
    if card.authorization == "error":
        return JsonResponse({"error": "internal_error"}, status=500)
    slow = card.authorization == "timeout" or settings.ACQUIRER_SIMULATOR_LATENCY > 0
    if slow:
        # Record "processing" first, so that a query meanwhile says so (as a real acquirer would).
        op, created = _record(
            reference, operation="authorize", outcome="processing", transaction_id="", amount=amount
        )
        if not created:
            return _replay(op)
        _latency()
        if card.authorization == "timeout":
            time.sleep(settings.ACQUIRER_SIMULATOR_TIMEOUT_DELAY)
    else:
        op = Op(
            reference=reference, operation="authorize", outcome="processing", transaction_id="", amount=amount
        )
    if card.authorization in ("card_declined", "insufficient_funds"):
        return _replay(
            _decide(
                op,
                slow,
                outcome="declined",
                amount=amount,
                transaction_id="",
                decline_reason=card.authorization,
            )
        )
    outcome = "checked" if body.get("check_only") else ("captured" if body.get("capture") else "authorized")
    brand = brand_of(number)
    op = _decide(
        op,
        slow,
        outcome=outcome,
        amount=amount,
        transaction_id="t_" + secrets.token_hex(12),
        approve=f"{secrets.randbelow(10**7):07d}",
        forward=FORWARD.get(brand, "2a99900"),
        issuer=FORWARD.get(brand, "2a99900"),
        authorized_until=(timezone.now() + timedelta(days=settings.CARD_AUTH_VALID_DAYS)).isoformat(),
        **({"eci": str(network_token["eci"])} if network_token else {}),
    )
    return _replay(op)


def _decide(op: Op, recorded: bool, **result) -> Op:
    """The final answer: an update of the "processing" record, or (fast path) one INSERT."""
    if recorded:
        return _finish(op, **result)
    _fill(op, **result)
    try:
        with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
            op.save(force_insert=True)
    except IntegrityError:
        return Op.objects.get(reference=op.reference)  # the same reference again: its first answer
    return op


# Which operation is allowed on a transaction in which state, and what it leads to.
TRANSITIONS = {
    "capture": ({"authorized"}, "captured"),
    "cancel": ({"authorized", "captured", "checked", "changed"}, "canceled"),
    "change": ({"authorized", "captured", "changed"}, "changed"),
    "reauthorize": ({"canceled"}, "authorized"),
}


def _state(transaction_id: str) -> tuple[str, int, bool] | None:
    """(state, amount, captured) of a transaction from its operations, or None."""
    ops = list(
        Op.objects.filter(transaction_id=transaction_id, outcome__in=SUCCESS)
        .order_by("id")
        .values("outcome", "amount", "response")
    )
    if not ops:
        return None
    captured = False
    state, amount = "", 0
    for op in ops:
        outcome = op["outcome"]
        if outcome == "changed":
            amount = op["amount"]
            continue
        state, amount = outcome, op["amount"]
        captured = outcome == "captured"
    return state, amount, captured


@csrf_exempt
@require_POST
def operate(request, transaction_id: str, operation: str):
    if operation not in TRANSITIONS:
        return JsonResponse({"error": "unknown_operation"}, status=404)
    try:
        body = _json(request)
        reference = str(body["reference"])[:64]
    except (KeyError, ValueError):
        return JsonResponse({"error": "bad_request"}, status=400)
    existing = one_or_none(Op.objects.filter(reference=reference))
    if existing:
        return _replay(existing)
    _latency()
    with transaction.atomic():
        # Serialise operations on one transaction.
        list(
            Op.objects.select_for_update().filter(transaction_id=transaction_id).values_list("id", flat=True)
        )
        current = _state(transaction_id)
        if current is None:
            return JsonResponse({"error": "unknown_transaction"}, status=404)
        state, amount, captured = current
        allowed, result = TRANSITIONS[operation]
        if state not in allowed:
            return JsonResponse({"error": "invalid_state", "state": state}, status=409)
        new_amount = int(body.get("amount", amount))
        outcome = result
        if operation == "reauthorize" and body.get("capture"):
            outcome = "captured"
        op, created = _record(
            reference, operation=operation, outcome="processing", transaction_id=transaction_id
        )
        if not created:
            return _replay(op)
        op = _finish(op, outcome=outcome, amount=new_amount, transaction_id=transaction_id, captured=captured)
    return _replay(op)


@require_GET
def query(request, reference: str):
    op = one_or_none(Op.objects.filter(reference=reference))
    if op is None:
        return JsonResponse({"reference": reference, "state": "unknown"}, status=404)
    if op.outcome == "processing":
        return JsonResponse({"reference": reference, "state": "processing"})
    if op.outcome == "declined":
        return JsonResponse(
            {"reference": reference, "state": "declined", "decline_reason": op.decline_reason}
        )
    return JsonResponse({"reference": reference, "state": "done", "result": op.response})

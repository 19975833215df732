"""A 3-D Secure 2 server and issuer ACS simulator for test mode, served under /simulators/tds/.

It is the "outside world" of ``payments.providers.tds``: the gateway reaches it only over
HTTP through ``payments.providers.tds_http``, exactly as it reaches a live 3DS server. The
documented test cards decide (``simulators.cards``): frictionless → Y, challenge →
C (one-time code ``CHALLENGE_CODE``, three attempts), failing → N, not enrolled → the
versioning step says so. Each authentication is kept under the gateway's reference; a
repeated reference gets the first answer again. It never stores card numbers.

    POST /v1/enrollments                           {"reference", "card_number"}
    POST /v1/authentications                       {"reference", "card_number", "amount", …}
    POST /v1/authentications/<reference>/challenge {"answer"}
    GET  /v1/authentications/<reference>
"""

from __future__ import annotations

from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from payments.vault import luhn_ok
from simulators import engine
from simulators.access import client_only
from simulators.cards import CHALLENGE_CODE, behaviour
from simulators.models import SimulatedProviderPayment as Row

PROVIDER = "tds"
MAX_ATTEMPTS = 3
RESULT_OF_PROFILE = {"frictionless": "Y", "not_enrolled": "Y", "challenge": "C", "fail": "N"}
REASON = {"N": "01"}
HINT = f"Test mode: the code is {CHALLENGE_CODE}; any other code fails."


def _answer(row: Row) -> JsonResponse:
    return JsonResponse(
        {
            "reference": row.payment_ref,
            "trans_status": row.state,
            "trans_status_reason": REASON.get(row.state, ""),
            "challenge_url": "",  # the one-time code is taken on the requestor's page
            "cardholder_info": HINT if row.state == "C" else "",
        }
    )


def _card_number(body: dict) -> str:
    number = str(body.get("card_number") or "")
    if not number.isdigit() or not luhn_ok(number):
        raise engine.SimulatorError(400, "bad_card_number")
    return number


def _reference(body: dict) -> str:
    reference = str(body.get("reference") or "")[:64]
    if not reference:
        raise engine.SimulatorError(400, "reference_required")
    return reference


def _errors(view):
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except engine.SimulatorError as exc:
            return JsonResponse({"error": exc.error}, status=exc.status)

    wrapper.__name__ = view.__name__
    return wrapper


@csrf_exempt
@require_POST
@client_only(PROVIDER)
@_errors
def enrollment(request):
    body = engine.json_body(request)
    _reference(body)
    return JsonResponse({"enrolled": behaviour(_card_number(body)).tds != "not_enrolled"})


@csrf_exempt
@require_POST
@client_only(PROVIDER)
@_errors
def authenticate(request):
    body = engine.json_body(request)
    reference, number = _reference(body), _card_number(body)
    try:
        amount = int(body.get("amount") or 0)
    except (TypeError, ValueError) as exc:
        raise engine.SimulatorError(400, "bad_amount") from exc
    result = RESULT_OF_PROFILE[behaviour(number).tds]
    row = engine.open_payment(
        PROVIDER,
        reference,
        make=lambda: {
            "provider_id": engine.new_id("tds_"),
            "state": result,
            "amount": amount,
            "data": {"attempts": 0},
        },
    )
    return _answer(row)


@csrf_exempt
@require_POST
@client_only(PROVIDER)
@_errors
def challenge(request, reference: str):
    answer = str(engine.json_body(request).get("answer") or "")
    with transaction.atomic():
        row = Row.objects.select_for_update().filter(provider=PROVIDER, payment_ref=reference).first()
        if row is None:
            raise engine.SimulatorError(404, "not_found")
        if row.state != "C":
            return _answer(row)
        attempts = int(row.data.get("attempts", 0)) + 1
        if answer == CHALLENGE_CODE:
            row.state = "Y"
        elif attempts >= MAX_ATTEMPTS:
            row.state = "N"
        row.data = {**row.data, "attempts": attempts}
        row.save(update_fields=["state", "data", "updated_at"])
    return _answer(row)


@require_GET
@client_only(PROVIDER)
@_errors
def result(request, reference: str):
    return _answer(engine.by_ref(PROVIDER, reference))

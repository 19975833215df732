"""A konbini (convenience store) payment simulator for test mode, under /simulators/konbini/.

The gateway opens a payment slip (``POST /v1/slips``): a slip number (fincode's
``order_serial``, also in the barcode) that the buyer shows at the till, and a deadline.
The "store" (``POST /v1/store/payments``, or the page ``/simulators/konbini/store/``)
takes the buyer's cash and the simulator notifies the gateway::

    X-Konbini-Signature: <hex HMAC-SHA256 of the body>
    {"event_id", "type": "paid"|"expired", "reference", "slip_id", "amount", "paid_at",
     "konbini_code", "store_code", "stub"}

Paying a slip twice is accepted (fincode's overpayment_flag), so is paying a cancelled
slip (cancel_overpayment_flag); an expired slip is refused at the till.
"""

from __future__ import annotations

from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from payments.providers.http import hmac_hex
from simulators import engine
from simulators.deposits import Deposits
from simulators.engine import SimulatorError
from simulators.models import SimulatedProviderPayment as Row

PROVIDER = "konbini"
STATES = {"awaiting": "unpaid", "captured": "paid", "canceled": "canceled", "expired": "expired"}
KONBINI_CODES = {
    "00010": "セブン-イレブン",
    "00020": "ローソン",
    "00030": "ファミリーマート",
    "00080": "ミニストップ",
}


def _slip(row: Row) -> dict:
    return {
        "reference": row.payment_ref,
        "slip_id": row.provider_id,
        "invoice_id": row.data.get("invoice_id"),
        "amount": row.amount,
        "deadline": row.deadline.isoformat() if row.deadline else None,
        "state": STATES[row.state],
        "result": "000",
        "paid_at": row.data.get("paid_at"),
        "konbini_code": row.data.get("konbini_code"),
        "store_code": row.data.get("store_code"),
        "payments": row.data.get("payments", 0),
    }


def sign(raw: bytes) -> dict[str, str]:
    return {"X-Konbini-Signature": hmac_hex(engine.signed_with(PROVIDER), raw)}


def _opened(body: dict) -> dict:
    number = engine.new_id(digits=18)
    return {
        "provider_id": number,
        "lookup": number,
        "data": {"invoice_id": engine.new_id(digits=20), "payments": 0},
    }


SLIPS = Deposits(PROVIDER, answer=_slip, opened=_opened, max_amount=300_000)
create, status, cancel = SLIPS.views()


def store_pay(
    *, number: str = "", reference: str = "", konbini_code: str = "00010", stub: bool = False
) -> Row:
    """The buyer pays at the till (by slip number or, for tests, by the gateway's reference)."""
    with transaction.atomic():
        rows = Row.objects.select_for_update().filter(provider=PROVIDER)
        row = rows.filter(payment_ref=reference).first() if reference else rows.filter(lookup=number).first()
        if row is None:
            raise SimulatorError(404, "unknown_slip")
        SLIPS.fresh(row)
        row.refresh_from_db()
        if row.state == "expired":
            raise SimulatorError(409, "expired")
        paid_at = timezone.now().isoformat(timespec="seconds")
        store_code = engine.new_id(digits=6)
        row.data = {
            **row.data,
            "payments": row.data.get("payments", 0) + 1,
            "paid_at": row.data.get("paid_at") or paid_at,
            "konbini_code": row.data.get("konbini_code") or konbini_code,
            "store_code": row.data.get("store_code") or store_code,
        }
        if row.state == "awaiting":
            row.state = "captured"
        row.save(update_fields=["data", "state", "updated_at"])
        engine.notify(
            row,
            {
                "event_id": engine.new_id("kn_"),
                "type": "paid",
                "reference": row.payment_ref,
                "slip_id": row.provider_id,
                "amount": row.amount,
                "paid_at": paid_at,
                "konbini_code": konbini_code,
                "store_code": store_code,
                "stub": stub,
            },
            sign,
        )
    return row


@csrf_exempt
@require_POST
def store_api(request):
    """Outside world: a till takes a payment. JSON ``{"slip_id"|"reference", "konbini_code", "stub"}``."""
    try:
        body = engine.json_body(request)
        row = store_pay(
            number=str(body.get("slip_id") or ""),
            reference=str(body.get("reference") or ""),
            konbini_code=str(body.get("konbini_code") or "00010"),
            stub=bool(body.get("stub")),
        )
    except SimulatorError as exc:
        return JsonResponse({"error": exc.error}, status=exc.status)
    return JsonResponse(_slip(row))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def store_page(request):
    """A till in a browser: type the slip number, choose the chain, pay."""
    context: dict = {"chains": KONBINI_CODES}
    if request.method == "POST":
        try:
            context["slip"] = _slip(
                store_pay(
                    number=request.POST.get("slip_id", "").strip(),
                    konbini_code=request.POST.get("konbini_code") or "00010",
                )
            )
        except SimulatorError as exc:
            context["error"] = exc.error
    return render(request, "simulators/konbini_store.html", context)


@csrf_exempt
@require_POST
def expire(request, payment_ref: str):
    """Test control: the slip's deadline passes now; the konbini network reports it expired."""
    with transaction.atomic():
        row = Row.objects.select_for_update().filter(provider=PROVIDER, payment_ref=payment_ref).first()
        if row is None:
            return JsonResponse({"error": "not_found"}, status=404)
        if row.state == "awaiting":
            row.deadline, row.state = timezone.now(), "expired"
            row.save(update_fields=["deadline", "state", "updated_at"])
            engine.notify(
                row,
                {
                    "event_id": engine.new_id("kn_"),
                    "type": "expired",
                    "reference": row.payment_ref,
                    "slip_id": row.provider_id,
                    "amount": row.amount,
                    "stub": False,
                },
                sign,
            )
    return JsonResponse(_slip(row))

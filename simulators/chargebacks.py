"""The card acquirer raises (and decides) chargebacks: test control ``POST
/simulators/acquirer/chargebacks`` sends a signed notification to the gateway's
``/notifications/acquirer/chargebacks``, as a real acquirer's dispute notice would arrive.

Body: ``transaction_id`` (the acquirer's, of a captured transaction), ``stage`` (``open``,
``won``, ``lost``, ``canceled``), ``case_id`` (a new one for ``open`` when absent), and for
``open``: ``amount``, ``category`` (0–2), ``request`` (fincode's codes), ``reason_code``,
``reason_text``. ``notify_url`` overrides where it is sent (tests).
"""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.models import Payment
from payments.providers.http import hmac_hex
from portal.models import Mode
from portal.views import merchant_page
from simulators import engine
from simulators.models import SimulatedAcquirerTransaction as Op

PROVIDER = "acquirer"
STAGES = {"open", "won", "lost", "canceled"}


def sign(raw: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {
        "X-Acquirer-Timestamp": stamp,
        "X-Acquirer-Signature": hmac_hex(engine.signed_with(PROVIDER), stamp.encode() + b"." + raw),
    }


def notification_url() -> str:
    return f"{settings.PROVIDER_NOTIFY_BASE_URL}/notifications/acquirer/chargebacks"


def chargeback_notice(
    *, transaction_id: str, stage: str, case_id: str = "", amount: int | None = None, **fields
) -> dict:
    """The notice the acquirer sends for one stage of a dispute (no card data in it)."""
    if stage not in STAGES:
        raise engine.SimulatorError(400, "bad_stage")
    ops = Op.objects.filter(transaction_id=transaction_id, outcome="captured")
    if not ops.exists():
        raise engine.SimulatorError(404, "unknown_or_uncaptured_transaction")
    if stage == "open":
        latest = ops.order_by("-created_at").first()
        amount = (latest.amount if latest else 0) if amount is None else amount
    elif not case_id:
        raise engine.SimulatorError(400, "case_id_required")
    return {
        "event_id": engine.new_id("cbn_"),
        "type": "chargeback",
        "stage": stage,
        "case_id": case_id or engine.new_id("case_"),
        "transaction_id": transaction_id,
        "amount": amount,
        "category": fields.get("category", 0),
        "request": fields.get("request", 11),
        "reason_code": str(fields.get("reason_code", "10.4"))[:10],
        "reason_text": str(fields.get("reason_text", "Cardholder does not recognise the transaction"))[:500],
    }


def send_notice(notice: dict, url: str | None = None) -> int | None:
    raw = json.dumps(notice, ensure_ascii=False, separators=(",", ":")).encode()
    return engine.send(url or notification_url(), {"body": raw.decode(), "headers": sign(raw)})


@csrf_exempt
@require_POST
def chargeback_view(request):
    """Test control: raise or decide a chargeback on a captured test transaction."""
    try:
        body = engine.json_body(request)
        allowed = {"category", "request", "reason_code", "reason_text"}
        amount = body.get("amount")
        if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or amount < 1):
            raise engine.SimulatorError(400, "bad_amount")
        notice = chargeback_notice(
            transaction_id=str(body.get("transaction_id") or ""),
            stage=str(body.get("stage") or "open"),
            case_id=str(body.get("case_id") or ""),
            amount=amount,
            **{k: v for k, v in body.items() if k in allowed},
        )
    except engine.SimulatorError as exc:
        return JsonResponse({"error": exc.error}, status=exc.status)
    status = send_notice(notice, body.get("notify_url") or None)
    return JsonResponse({"case_id": notice["case_id"], "event_id": notice["event_id"], "delivered": status})


@require_POST
@merchant_page("edit_application")
def merchant_simulate_view(request, membership):
    """Test mode: the acquirer simulator raises a chargeback on one of the shop's captured payments."""
    target = membership.merchant.public_id
    if not settings.SIMULATORS_ENABLED:
        raise Http404("No simulators here")
    payment = Payment.objects.filter(
        merchant=membership.merchant, mode=Mode.TEST, order_id=request.POST.get("order_id", "")[:30]
    ).first()
    if payment is None or not payment.transaction_id:
        messages.error(request, "No captured test payment with this order id.")
        return redirect("merchant-chargebacks", target)
    try:
        notice = chargeback_notice(transaction_id=payment.transaction_id, stage="open")
    except Exception as exc:  # the simulator's refusal (not captured there)
        messages.error(request, f"The acquirer simulator refused: {exc}")
        return redirect("merchant-chargebacks", target)
    status = send_notice(notice)
    if status == 200:
        messages.success(request, f"The acquirer simulator raised chargeback case {notice['case_id']}.")
    else:
        messages.error(request, f"The acquirer's notice was refused ({status}).")
    return redirect("merchant-chargebacks", target)

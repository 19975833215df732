"""Three QR wallet simulators (test mode), each with its own API dialect, served under /simulators/.

* ``paypay`` — PayPay-style: ``POST /v2/codes`` (merchantPaymentId, amount{amount,currency},
  isAuthorization …), states CREATED/AUTHORIZED/COMPLETED/CANCELED/EXPIRED/FAILED,
  notifications signed ``X-PayPay-Signature: base64(HMAC-SHA256(body))``;
* ``dpay`` — d払い-style: ``POST /api/v1/payments`` (order_id, capture_mode auto/manual …),
  states pending/authorized/captured/canceled/expired/failed, ``X-Dpay-Signature: sha256=<hex>``;
* ``rakutenpay`` — 楽天ペイ-style: ``POST /v1/charges`` (merchantOrderId, grossAmount,
  captureType …), states WAITING/AUTHORIZED/CAPTURED/CANCELLED/EXPIRED/FAILED,
  ``X-Rpay-Signature: t=<unix>,s=<hex HMAC of "t.body">``.

The buyer's approval page is ``GET /simulators/<wallet>/pay/<code id>``: approve or
decline; the wallet then notifies the gateway and sends the buyer to redirect_url.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from payments.providers.http import hmac_hex
from simulators import engine
from simulators.engine import SimulatorError
from simulators.models import SimulatedProviderPayment as Row

AWAITING = {"awaiting"}


@dataclass(frozen=True)
class Dialect:
    name: str
    label: str
    states: dict[str, str]  # internal state → the wallet's word

    # --- requests ----------------------------------------------------------------
    def create_args(self, body: dict) -> dict[str, Any]:
        raise NotImplementedError

    def op_args(self, body: dict) -> tuple[str, int | None]:
        raise NotImplementedError

    # --- answers -----------------------------------------------------------------
    def payment(self, row: Row, request) -> dict:
        raise NotImplementedError

    def notification(self, row: Row, kind: str, event_id: str) -> dict:
        raise NotImplementedError

    def sign(self, raw: bytes) -> dict[str, str]:
        raise NotImplementedError

    def pay_url(self, row: Row, request) -> str:
        path = reverse("sim-wallet-pay", args=[self.name, row.provider_id])
        return request.build_absolute_uri(path)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def _parse_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    return datetime.fromisoformat(str(value))


class PayPay(Dialect):
    def create_args(self, body):
        amount = body.get("amount") or {}
        return {
            "payment_ref": str(body["merchantPaymentId"]),
            "reference": str(body.get("requestId") or ""),
            "amount": int(amount["amount"]),
            "capture": not body.get("isAuthorization", False),
            "deadline": _parse_time(body.get("expiresAt")),
            "notify_url": str(body.get("notifyUrl") or ""),
            "redirect_url": str(body.get("redirectUrl") or ""),
            "description": str(body.get("orderDescription") or "")[:200],
        }

    def op_args(self, body):
        amount = (body.get("amount") or {}).get("amount")
        reference = (
            body.get("merchantCaptureId") or body.get("merchantRevertId") or body.get("merchantUpdateId")
        )
        return str(reference or ""), (int(amount) if amount is not None else None)

    def payment(self, row, request):
        return {
            "resultInfo": {"code": "SUCCESS", "message": "Success"},
            "data": {
                "codeId": row.provider_id,
                "paymentId": row.data.get("payment_id"),
                "merchantPaymentId": row.payment_ref,
                "status": self.states[row.state],
                "amount": {"amount": row.amount, "currency": "JPY"},
                "url": self.pay_url(row, request),
                "expiryDate": int(row.deadline.timestamp()) if row.deadline else None,
                "acceptedAt": row.data.get("paid_at"),
                "storeId": "sim-store-001",
            },
        }

    def notification(self, row, kind, event_id):
        return {
            "notification_type": "Transaction",
            "notification_id": event_id,
            "merchant_order_id": row.payment_ref,
            "order_id": row.data.get("payment_id"),
            "order_amount": row.amount,
            "state": self.states[row.state],
            "paid_at": row.data.get("paid_at"),
            "expires_at": _iso(row.deadline),
        }

    def sign(self, raw):
        secret = engine.signed_with(self.name)
        digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
        return {"X-PayPay-Signature": base64.b64encode(digest).decode()}


class Dpay(Dialect):
    def create_args(self, body):
        return {
            "payment_ref": str(body["order_id"]),
            "reference": str(body.get("request_id") or ""),
            "amount": int(body["amount"]),
            "capture": body.get("capture_mode", "auto") == "auto",
            "deadline": _parse_time(body.get("expires_at")),
            "notify_url": str(body.get("callback_url") or ""),
            "redirect_url": str(body.get("return_url") or ""),
            "description": str(body.get("item_name") or "")[:200],
        }

    def op_args(self, body):
        amount = body.get("amount")
        return str(body.get("request_id") or ""), (int(amount) if amount is not None else None)

    def payment(self, row, request):
        return {
            "payment_id": row.provider_id,
            "order_id": row.payment_ref,
            "status": self.states[row.state],
            "amount": row.amount,
            "redirect_url": self.pay_url(row, request),
            "expires_at": _iso(row.deadline),
            "paid_at": row.data.get("paid_at"),
        }

    def notification(self, row, kind, event_id):
        return {
            "event_id": event_id,
            "type": f"payment.{self.states[row.state]}",
            "data": {
                "order_id": row.payment_ref,
                "payment_id": row.provider_id,
                "amount": row.amount,
                "occurred_at": timezone.now().isoformat(),
            },
        }

    def sign(self, raw):
        return {"X-Dpay-Signature": "sha256=" + hmac_hex(engine.signed_with(self.name), raw)}


class RakutenPay(Dialect):
    def create_args(self, body):
        return {
            "payment_ref": str(body["merchantOrderId"]),
            "reference": str(body.get("requestId") or ""),
            "amount": int(body["grossAmount"]),
            "capture": body.get("captureType", "AUTO") == "AUTO",
            "deadline": _parse_time(body.get("expireAt")),
            "notify_url": str(body.get("notificationUrl") or ""),
            "redirect_url": str(body.get("returnUrl") or ""),
            "description": str(body.get("itemName") or "")[:200],
        }

    def op_args(self, body):
        amount = body.get("grossAmount")
        return str(body.get("requestId") or ""), (int(amount) if amount is not None else None)

    def payment(self, row, request):
        return {
            "resultType": "SUCCESS",
            "charge": {
                "chargeId": row.provider_id,
                "merchantOrderId": row.payment_ref,
                "status": self.states[row.state],
                "grossAmount": row.amount,
                "paymentUrl": self.pay_url(row, request),
                "expireAt": _iso(row.deadline),
                "paidAt": row.data.get("paid_at"),
            },
        }

    def notification(self, row, kind, event_id):
        return {
            "notificationId": event_id,
            "eventType": f"CHARGE_{self.states[row.state]}",
            "charge": {
                "chargeId": row.provider_id,
                "merchantOrderId": row.payment_ref,
                "grossAmount": row.amount,
                "updatedAt": timezone.now().isoformat(),
            },
        }

    def sign(self, raw):
        stamp = str(int(time.time()))
        signature = hmac_hex(engine.signed_with(self.name), stamp.encode() + b"." + raw)
        return {"X-Rpay-Signature": f"t={stamp},s={signature}"}


_STATES = ("awaiting", "authorized", "captured", "canceled", "expired", "failed")
DIALECTS: dict[str, Dialect] = {
    "paypay": PayPay(
        "paypay",
        "PayPay (simulated)",
        dict(
            zip(_STATES, ["CREATED", "AUTHORIZED", "COMPLETED", "CANCELED", "EXPIRED", "FAILED"], strict=True)
        ),
    ),
    "dpay": Dpay("dpay", "d払い (simulated)", {s: s if s != "awaiting" else "pending" for s in _STATES}),
    "rakutenpay": RakutenPay(
        "rakutenpay",
        "楽天ペイ (simulated)",
        dict(
            zip(_STATES, ["WAITING", "AUTHORIZED", "CAPTURED", "CANCELLED", "EXPIRED", "FAILED"], strict=True)
        ),
    ),
}


def dialect(name: str) -> Dialect:
    if name not in DIALECTS:
        raise Http404("no such wallet")
    return DIALECTS[name]


def _fresh(row: Row) -> Row:
    return engine.expire_if_due(row, AWAITING, "expired")


# --- The wallet's API (called by the gateway's workers) -------------------------------------------


@engine.api
@require_POST
def create(request, provider: str):
    wallet, d = provider, dialect(provider)
    try:
        args = d.create_args(engine.json_body(request))
    except (KeyError, TypeError, ValueError) as exc:
        raise SimulatorError(400, "bad_request") from exc
    if args["amount"] < 1:
        raise SimulatorError(400, "bad_amount")
    deadline = args["deadline"] or timezone.now() + timedelta(seconds=settings.WALLET_CODE_TTL_SECONDS)
    engine.open_payment(
        wallet,
        args["payment_ref"],
        make=lambda: {
            "provider_id": engine.new_id("c_"),
            "state": "awaiting",
            "amount": args["amount"],
            "capture": args["capture"],
            "deadline": deadline,
            "notify_url": args["notify_url"],
            "redirect_url": args["redirect_url"],
            "description": args["description"],
            "data": {"payment_id": engine.new_id(digits=19)},
        },
    )
    answer = engine.once(wallet, args["payment_ref"], args["reference"], lambda row: d.payment(row, request))
    return JsonResponse(answer, status=201)


@engine.api
def status(request, provider: str, payment_ref: str):
    wallet, d = provider, dialect(provider)
    row = _fresh(engine.by_ref(wallet, payment_ref))
    return JsonResponse({**d.payment(row, request), "requests": row.references})


# Which states an operation starts from, and the state it leads to.
OPERATIONS = {
    "capture": ({"authorized"}, "captured"),
    "cancel": ({"awaiting", "authorized", "captured"}, "canceled"),
    "amount": ({"authorized", "captured"}, None),
}


@engine.api
@require_POST
def operate(request, provider: str, payment_ref: str, operation: str):
    wallet, d = provider, dialect(provider)
    if operation not in OPERATIONS:
        raise SimulatorError(404, "unknown_operation")
    try:
        reference, amount = d.op_args(engine.json_body(request))
    except (TypeError, ValueError) as exc:
        raise SimulatorError(400, "bad_request") from exc
    allowed, target = OPERATIONS[operation]

    def apply(row: Row) -> dict:
        _fresh(row)
        row.refresh_from_db()
        if row.state not in allowed:
            raise SimulatorError(409, f"invalid_state_{row.state}")
        if amount is not None:
            if amount < 1 or (row.state == "captured" and amount > row.amount):
                raise SimulatorError(400, "bad_amount")
            row.amount = amount
        row.state = target or row.state
        return d.payment(row, request)

    return JsonResponse(engine.once(wallet, payment_ref, reference, apply))


# --- The buyer's side ----------------------------------------------------------------------------


def _buyer_acts(row: Row, approve: bool) -> Row:
    d = DIALECTS[row.provider]
    with transaction.atomic():
        row = Row.objects.select_for_update().get(pk=row.pk)
        _fresh(row)
        row.refresh_from_db()
        if row.state not in AWAITING:
            return row
        if approve:
            row.state = "captured" if row.capture else "authorized"
            row.data = {**row.data, "paid_at": timezone.now().isoformat(timespec="seconds")}
        else:
            row.state = "failed"
        row.save(update_fields=["state", "data", "updated_at"])
        engine.notify(row, d.notification(row, row.state, engine.new_id("n_")), d.sign)
    return row


@csrf_exempt
@require_http_methods(["GET", "POST"])
def pay_page(request, wallet: str, code_id: str):
    """The buyer scans the code (or follows the link) and approves or declines in the wallet app."""
    d = dialect(wallet)
    row = Row.objects.filter(provider=wallet, provider_id=code_id).first()
    if row is None:
        raise Http404("unknown code")
    row = _fresh(row)
    if request.method == "POST":
        row = _buyer_acts(row, approve=request.POST.get("action") == "approve")
        if row.redirect_url and request.POST.get("follow") != "0":
            return HttpResponseRedirect(row.redirect_url)
    return render(
        request,
        "simulators/wallet_pay.html",
        {"wallet": d, "row": row, "state": d.states[row.state], "awaiting": row.state in AWAITING},
    )


@csrf_exempt
@require_POST
def expire_view(request, wallet: str, payment_ref: str):
    """Test control: the code's deadline passes now (the wallet notifies the gateway)."""
    d = dialect(wallet)
    with transaction.atomic():
        row = Row.objects.select_for_update().filter(provider=wallet, payment_ref=payment_ref).first()
        if row is None:
            return JsonResponse({"error": "not_found"}, status=404)
        if row.state in AWAITING:
            row.deadline, row.state = timezone.now(), "expired"
            row.save(update_fields=["deadline", "state", "updated_at"])
            engine.notify(row, d.notification(row, "expired", engine.new_id("n_")), d.sign)
    return JsonResponse({"state": d.states[row.state]})

"""A direct-debit bank (口座振替) in test mode, under /simulators/directdebit/.

Accounts. The gateway applies for an account (``POST /v1/mandates``): online, the bank answers
``awaiting_customer`` with a page where the buyer approves or declines
(``/simulators/directdebit/approve/<mandate_id>/``); on paper, ``pending`` until the bank has
the form (test control ``POST /v1/mandates/<reference>/decide`` ``{"approve": true|false}``).
The bank then notifies its decision. Debits. ``POST /v1/debits`` asks for a debit of a
registered account on a ``target_date``; it can be changed or canceled until the bank runs
its clearing for that day (``POST /v1/clearing`` ``{"date": "YYYY-MM-DD"}``, test control),
which notifies each result (``DirectDebitResultCode``).

Test accounts (the last digits of ``account_number``, or of ``postal_account_number_2``):

======== ===================================================
number   behaviour
======== ===================================================
1111111  the bank refuses the application (FAILED)
2222222  registered; debits fail, result ``1`` (insufficient funds)
3333333  registered; debits fail, result ``2`` (no such account)
4444444  registered; debits fail, result ``3`` (stopped by the buyer)
other    registered; debits are withdrawn, result ``0``
======== ===================================================

Bank codes: those of ``BANKS`` (any other is refused, ``unknown_bank``). The account number
itself is not kept here: only what it means for the tests (``profile``).

Notifications: ``X-Directdebit-Timestamp``, ``X-Directdebit-Signature`` (hex HMAC-SHA256 of
``timestamp.body``); bodies in ``payments.providers.directdebit``.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from html import escape

from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from payments.providers.http import hmac_hex
from simulators import engine
from simulators.engine import SimulatorError
from simulators.models import SimulatedProviderPayment as Row

PROVIDER = "directdebit"
MANDATES = "directdebit-mandate"
BANKS = {
    "0001": "みずほ銀行",
    "0005": "三菱UFJ銀行",
    "0009": "三井住友銀行",
    "0310": "GMOあおぞらネット銀行",
    "0999": "シミュレーション銀行",
    "9900": "ゆうちょ銀行",
}
# What an account's number means here: refused, or the result code of its debits.
PROFILES = {"1111111": "refused", "2222222": "1", "3333333": "2", "4444444": "3"}
BILLABLE_AFTER_DAYS = 3


def sign(raw: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {
        "X-Directdebit-Timestamp": stamp,
        "X-Directdebit-Signature": hmac_hex(engine.signed_with(PROVIDER), stamp.encode() + b"." + raw),
    }


def _branch_name(code: str) -> str:
    return "本店" if code in ("", "001") else f"第{code}支店"


def _mandate(row: Row) -> dict:
    data = row.data
    return {
        "mandate_id": row.provider_id,
        "reference": row.payment_ref,
        "state": row.state,
        "bank_name": data.get("bank_name"),
        "branch_name": data.get("branch_name"),
        "redirect_url": data.get("redirect_url") or "",
        "reason": data.get("reason") or "",
        "expected_billable_date": data.get("expected_billable_date"),
    }


@engine.api
@require_POST
def mandate_create(request, provider: str):
    body = engine.json_body(request)
    reference = str(body.get("reference") or "")
    bank_code = str(body.get("bank_code") or "")
    application_type = str(body.get("application_type") or "")
    if not reference or application_type not in ("ONLINE", "PAPER"):
        raise SimulatorError(400, "bad_request")
    if bank_code not in BANKS:
        raise SimulatorError(400, "unknown_bank")
    number = str(body.get("account_number") or body.get("postal_account_number_2") or "")
    profile = PROFILES.get(number[-7:], "0")
    mandate_id = engine.new_id("md_")
    online = application_type == "ONLINE"
    redirect_url = (
        request.build_absolute_uri(reverse("sim-directdebit-approve", args=[mandate_id])) if online else ""
    )
    engine.open_payment(
        MANDATES,
        reference,
        make=lambda: {
            "provider_id": mandate_id,
            "state": "awaiting_customer" if online else "pending",
            "amount": 0,
            "notify_url": str(body.get("notify_url") or ""),
            "redirect_url": str(body.get("return_url") or "")[:500],
            "data": {
                "profile": profile,
                "application_type": application_type,
                "bank_code": bank_code,
                "bank_name": BANKS[bank_code],
                "branch_name": _branch_name(str(body.get("branch_code") or "")),
                "redirect_url": redirect_url,
            },
        },
    )
    return JsonResponse(
        engine.once(MANDATES, reference, str(body.get("request_id") or ""), _mandate), status=201
    )


def mandate_decide(row: Row, *, approve: bool, reason: str = "") -> Row:
    """The bank decides on an application (once) and notifies the gateway."""
    with transaction.atomic():
        row = Row.objects.select_for_update().get(pk=row.pk)
        if row.state not in ("awaiting_customer", "pending"):
            return row
        refused = row.data.get("profile") == "refused"
        registered = approve and not refused
        row.state = "registered" if registered else "failed"
        billable = (timezone.localdate() + timedelta(days=BILLABLE_AFTER_DAYS)).isoformat()
        reason = "" if registered else (reason or ("口座なし" if refused else "お客様が承認しませんでした"))
        row.data = {**row.data, "reason": reason, "expected_billable_date": billable if registered else None}
        row.save(update_fields=["state", "data", "updated_at"])
        engine.notify(
            row,
            {
                "event_id": engine.new_id("ev_"),
                "type": "mandate",
                "reference": row.payment_ref,
                "mandate_id": row.provider_id,
                "state": row.state,
                "reason": reason,
                "expected_billable_date": row.data["expected_billable_date"],
            },
            sign,
        )
    return row


@csrf_exempt
@require_POST
def mandate_decide_view(request, reference: str):
    """Test control: the bank has the paper form (or the buyer answered): ``{"approve": bool, "reason"}``."""
    try:
        body = engine.json_body(request)
        row = mandate_decide(
            engine.by_ref(MANDATES, reference),
            approve=bool(body.get("approve", True)),
            reason=str(body.get("reason") or "")[:200],
        )
    except SimulatorError as exc:
        return JsonResponse({"error": exc.error}, status=exc.status)
    return JsonResponse(_mandate(row))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def approve_page(request, mandate_id: str):
    """The buyer's bank: approve (or decline) direct debits from the account, then back to the shop."""
    row = Row.objects.filter(provider=MANDATES, provider_id=mandate_id).first()
    if row is None:
        return HttpResponse("unknown application", status=404, content_type="text/plain")
    bank = escape(str(row.data.get("bank_name") or ""))
    if request.method == "POST":
        row = mandate_decide(row, approve=request.POST.get("decision") == "approve")
        target = escape(row.redirect_url)
        back = (
            f'<form id="back" method="post" action="{target}"></form>'
            '<script>document.getElementById("back").submit()</script>'
            if row.redirect_url
            else ""
        )
        return HttpResponse(
            f"<!doctype html><meta charset=utf-8><title>{bank}</title>"
            f'<p id="result">{escape(row.state)}</p>{back}'
        )
    return HttpResponse(
        f"<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>"
        f"<title>{bank}</title><h1>{bank}</h1><p>口座振替の申込み</p>"
        '<form method="post"><button name="decision" value="approve">承認する</button>'
        '<button name="decision" value="decline">承認しない</button></form>'
    )


# --- Debits -------------------------------------------------------------------------------------


def _debit(row: Row) -> dict:
    return {
        "reference": row.payment_ref,
        "debit_id": row.provider_id,
        "mandate_id": row.data.get("mandate_id"),
        "amount": row.amount,
        "target_date": row.data.get("target_date"),
        "state": row.state,
        "result_code": row.data.get("result_code"),
        "withdrawal_date": row.data.get("withdrawal_date"),
    }


@engine.api
@require_POST
def debit_create(request, provider: str):
    body = engine.json_body(request)
    try:
        reference, amount = str(body["reference"]), int(body["amount"])
        target = date.fromisoformat(str(body["target_date"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise SimulatorError(400, "bad_request") from exc
    if amount < 1:
        raise SimulatorError(400, "bad_amount")
    mandate = Row.objects.filter(provider=MANDATES, provider_id=str(body.get("mandate_id") or "")).first()
    if mandate is None or mandate.state != "registered":
        raise SimulatorError(400, "mandate_not_registered")
    engine.open_payment(
        PROVIDER,
        reference,
        make=lambda: {
            "provider_id": engine.new_id("dd_"),
            "state": "requested",
            "amount": amount,
            "deadline": datetime.combine(target, datetime.min.time(), tzinfo=timezone.get_current_timezone()),
            "notify_url": str(body.get("notify_url") or ""),
            "description": str(body.get("remarks") or "")[:200],
            "data": {
                "mandate_id": mandate.provider_id,
                "target_date": target.isoformat(),
                "profile": mandate.data.get("profile", "0"),
            },
        },
    )
    return JsonResponse(
        engine.once(PROVIDER, reference, str(body.get("request_id") or ""), _debit), status=201
    )


@engine.api
def debit_status(request, provider: str, payment_ref: str):
    row = engine.by_ref(PROVIDER, payment_ref)
    return JsonResponse({**_debit(row), "requests": row.references})


@engine.api
@require_POST
def debit_operate(request, provider: str, payment_ref: str, operation: str):
    body = engine.json_body(request)
    if operation not in ("change", "cancel"):
        raise SimulatorError(404, "not_found")

    def apply(row: Row) -> dict:
        if row.state != "requested":
            raise SimulatorError(409, f"already_{row.state}")
        if operation == "cancel":
            row.state = "canceled"
        else:
            try:
                amount = int(body["amount"])
            except (KeyError, TypeError, ValueError) as exc:
                raise SimulatorError(400, "bad_amount") from exc
            if amount < 1:
                raise SimulatorError(400, "bad_amount")
            row.amount = amount
        return _debit(row)

    return JsonResponse(engine.once(PROVIDER, payment_ref, str(body.get("request_id") or ""), apply))


def clearing_run(day: date) -> list[str]:
    """The bank's clearing: every requested debit due on or before ``day`` is withdrawn or fails."""
    done: list[str] = []
    due = Row.objects.filter(provider=PROVIDER, state="requested", deadline__date__lte=day).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        with transaction.atomic():
            row = Row.objects.select_for_update().filter(pk=pk, state="requested").first()
            if row is None:
                continue
            code = row.data.get("profile", "0")
            withdrawn = code == "0"
            row.state = "withdrawn" if withdrawn else "failed"
            target = row.data.get("target_date")
            row.data = {**row.data, "result_code": code, "withdrawal_date": target if withdrawn else None}
            row.save(update_fields=["state", "data", "updated_at"])
            engine.notify(
                row,
                {
                    "event_id": engine.new_id("ev_"),
                    "type": "result",
                    "reference": row.payment_ref,
                    "amount": row.amount,
                    "result_code": code,
                    "withdrawal_date": row.data["withdrawal_date"],
                },
                sign,
            )
            done.append(row.payment_ref)
    return done


@csrf_exempt
@require_POST
def clearing_view(request):
    """Test control: run the clearing of ``{"date": "YYYY-MM-DD"}`` (default: today)."""
    try:
        body = engine.json_body(request)
        day = date.fromisoformat(str(body["date"])) if body.get("date") else timezone.localdate()
    except (SimulatorError, ValueError):
        return JsonResponse({"error": "bad_request"}, status=400)
    return JsonResponse({"date": day.isoformat(), "debits": clearing_run(day)})

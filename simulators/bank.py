"""A bank simulator for virtual accounts (bank transfer) in test mode, under /simulators/bank/.

The gateway opens a virtual account for one payment (``POST /v1/accounts``). A buyer's
bank then wires money to its number (``POST /v1/transfers``, or the page
``/simulators/bank/transfer/``), and the bank notifies the gateway of each incoming
transfer, whatever its amount and whatever the account's state::

    X-Bank-Timestamp: <unix>   X-Bank-Signature: <hex HMAC-SHA256 of "timestamp.body">
    {"event_id", "type": "transfer", "account_number", "virtual_account_id", "amount",
     "transaction_date", "value_date", "remitter_name", "remitter_bank", "remitter_branch", "stub"}

Matching the transfer to a payment (exact, over- or under-payment, after cancel or
expiry) is the gateway's job.
"""

from __future__ import annotations

import time

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

PROVIDER = "bank"
STATES = {"awaiting": "open", "captured": "paid", "canceled": "closed", "expired": "expired"}
BANK = {
    "bank_code": "0999",
    "bank_name": "シミュレーション銀行",
    "branch_code": "101",
    "branch_name": "アジサイ",
}


def _account(row: Row) -> dict:
    return {
        "reference": row.payment_ref,
        "virtual_account_id": row.provider_id,
        **BANK,
        "account_number": row.lookup,
        "account_name": row.data.get("account_name"),
        "assigned_at": row.created_at.isoformat() if row.created_at else timezone.now().isoformat(),
        "amount": row.amount,
        "deadline": row.deadline.isoformat() if row.deadline else None,
        "state": STATES[row.state],
        "transfers": row.data.get("transfers", []),
    }


def sign(raw: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {
        "X-Bank-Timestamp": stamp,
        "X-Bank-Signature": hmac_hex(engine.signed_with(PROVIDER), stamp.encode() + b"." + raw),
    }


def _free_account_number() -> str:
    while True:
        number = engine.new_id(digits=7)
        if not Row.objects.filter(provider=PROVIDER, lookup=number).exists():
            return number


def _opened(body: dict) -> dict:
    return {
        "provider_id": engine.new_id(digits=10),
        "lookup": _free_account_number(),
        "data": {"account_name": str(body.get("account_name") or "ｹﾞｰﾄｳｪｲ(ｶ")[:40], "transfers": []},
    }


ACCOUNTS = Deposits(PROVIDER, answer=_account, opened=_opened)
create, status, close = ACCOUNTS.views()


def transfer(
    *,
    account_number: str,
    amount: int,
    remitter_name: str = "ヤマダ タロウ",
    remitter_bank: str = "イロハギンコウ",
    remitter_branch: str = "ホンテン",
    stub: bool = False,
) -> tuple[Row, dict]:
    """Money arrives on a virtual account; the bank records it and notifies the gateway."""
    if amount < 1:
        raise SimulatorError(400, "bad_amount")
    with transaction.atomic():
        row = Row.objects.select_for_update().filter(provider=PROVIDER, lookup=account_number).first()
        if row is None:
            raise SimulatorError(404, "unknown_account")
        ACCOUNTS.fresh(row)
        row.refresh_from_db()
        today = timezone.localdate().isoformat()
        item = {
            "transfer_id": engine.new_id("tr_"),
            "amount": amount,
            "transaction_date": today,
            "value_date": today,
            "remitter_name": remitter_name[:48],
            "remitter_bank": remitter_bank[:30],
            "remitter_branch": remitter_branch[:15],
        }
        row.data = {**row.data, "transfers": [*row.data.get("transfers", []), item]}
        if row.state == "awaiting":
            row.state = "captured"
        row.save(update_fields=["data", "state", "updated_at"])
        engine.notify(
            row,
            {
                "event_id": item["transfer_id"],
                "type": "transfer",
                "account_number": row.lookup,
                "virtual_account_id": row.provider_id,
                **{k: v for k, v in item.items() if k != "transfer_id"},
                "stub": stub,
            },
            sign,
        )
    return row, item


@csrf_exempt
@require_POST
def transfer_api(request):
    """Outside world: a buyer's bank wires money. JSON ``{"account_number", "amount", "remitter_name"}``."""
    try:
        body = engine.json_body(request)
        row, item = transfer(
            account_number=str(body.get("account_number") or ""),
            amount=int(body.get("amount") or 0),
            remitter_name=str(body.get("remitter_name") or "ヤマダ タロウ"),
            stub=bool(body.get("stub")),
        )
    except (TypeError, ValueError):
        return JsonResponse({"error": "bad_request"}, status=400)
    except SimulatorError as exc:
        return JsonResponse({"error": exc.error}, status=exc.status)
    return JsonResponse({**item, "account": _account(row)})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def transfer_page(request):
    """A buyer's online banking in a browser: account number, amount, send."""
    context: dict = {"bank": BANK}
    if request.method == "POST":
        try:
            _, context["transfer"] = transfer(
                account_number=request.POST.get("account_number", "").strip(),
                amount=int(request.POST.get("amount") or 0),
                remitter_name=request.POST.get("remitter_name") or "ヤマダ タロウ",
            )
        except ValueError:
            context["error"] = "bad_amount"
        except SimulatorError as exc:
            context["error"] = exc.error
    return render(request, "simulators/bank_transfer.html", context)


@csrf_exempt
@require_POST
def expire(request, payment_ref: str):
    """Test control: the account's deadline passes now (banks do not notify expiry; the gateway polls)."""
    updated = Row.objects.filter(provider=PROVIDER, payment_ref=payment_ref, state="awaiting").update(
        deadline=timezone.now(), state="expired"
    )
    return JsonResponse({"expired": bool(updated)})

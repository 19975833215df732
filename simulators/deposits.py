"""What the konbini and bank simulators share: a payment the buyer pays into later (a konbini
slip, a virtual account), opened by the gateway with a deadline, read, and cancelled (closed).

Each simulator says how its provider shows a payment (``answer``) and what opening one adds
(``opened``: the provider's id, the number the buyer uses, its data); how the buyer pays, and
what the provider then notifies, stay in the simulator's module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import JsonResponse
from django.views.decorators.http import require_POST

from simulators import engine
from simulators.engine import SimulatorError
from simulators.models import SimulatedProviderPayment as Row


@dataclass(frozen=True)
class Deposits:
    provider: str
    answer: Callable[[Row], dict]  # the provider's view of a payment
    opened: Callable[[dict], dict]  # a create body → provider_id, lookup, data (first sight only)
    max_amount: int | None = None

    def fresh(self, row: Row) -> Row:
        """The row, expired first if its deadline has passed unpaid."""
        return engine.expire_if_due(row, {"awaiting"}, "expired")

    def views(self) -> tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]:
        """The gateway's API: open (``create``), read (``status``), cancel or close."""

        @engine.api
        @require_POST
        def create(request, provider: str):
            body = engine.json_body(request)
            try:
                reference, amount = str(body["reference"]), int(body["amount"])
                deadline = datetime.fromisoformat(body["deadline"])
            except (KeyError, TypeError, ValueError) as exc:
                raise SimulatorError(400, "bad_request") from exc
            if amount < 1 or (self.max_amount is not None and amount > self.max_amount):
                raise SimulatorError(400, "bad_amount")
            engine.open_payment(
                self.provider,
                reference,
                make=lambda: {
                    **self.opened(body),
                    "state": "awaiting",
                    "amount": amount,
                    "deadline": deadline,
                    "notify_url": str(body.get("notify_url") or ""),
                },
            )
            request_id = str(body.get("request_id") or "")
            return JsonResponse(engine.once(self.provider, reference, request_id, self.answer), status=201)

        @engine.api
        def status(request, provider: str, payment_ref: str):
            row = self.fresh(engine.by_ref(self.provider, payment_ref))
            return JsonResponse({**self.answer(row), "requests": row.references})

        @engine.api
        @require_POST
        def cancel(request, provider: str, payment_ref: str):
            body = engine.json_body(request)

            def apply(row: Row) -> dict:
                self.fresh(row)
                row.refresh_from_db()
                if row.state == "captured":
                    raise SimulatorError(409, "already_paid")
                if row.state == "expired":
                    raise SimulatorError(409, "expired")
                row.state = "canceled"
                return self.answer(row)

            request_id = str(body.get("request_id") or "")
            return JsonResponse(engine.once(self.provider, payment_ref, request_id, apply))

        return create, status, cancel

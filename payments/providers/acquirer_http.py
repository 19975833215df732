"""HTTP client for a card acquirer speaking our acquirer API (the simulator does).

Strict timeouts on every call; no automatic retries here (the payment service
decides what a failure means, and reconciliation resolves unknown outcomes).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

import httpx
from django.conf import settings

from payments.providers.base import (
    AuthorizeRequest,
    Declined,
    OperationResult,
    ProviderFailure,
    ProviderTimeout,
    ProviderUnavailable,
    QueryResult,
)
from portal.outbound import outbound_client

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_clients: dict[str, httpx.Client] = {}
_transport_override: httpx.BaseTransport | None = None


def set_transport(transport: httpx.BaseTransport | None) -> None:
    """Tests: route acquirer calls through ``transport`` (e.g. in-process WSGI)."""
    global _transport_override
    with _lock:
        _transport_override = transport
        for client in _clients.values():
            client.close()
        _clients.clear()


def _client(base_url: str) -> httpx.Client:
    client = _clients.get(base_url)
    if client is None:
        with _lock:
            client = _clients.get(base_url)
            if client is None:
                client = outbound_client(
                    purpose="acquirer",
                    base_url=base_url,
                    timeout=httpx.Timeout(
                        settings.ACQUIRER_TIMEOUT, connect=settings.ACQUIRER_CONNECT_TIMEOUT
                    ),
                    limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
                    transport=_transport_override,
                    headers={"User-Agent": "merchant-portal-gateway/1"},
                )
                _clients[base_url] = client
    return client


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _result(reference: str, body: dict) -> OperationResult:
    return OperationResult(
        reference=reference,
        outcome=body["outcome"],
        transaction_id=body["transaction_id"],
        amount=int(body["amount"]),
        approve=body.get("approve", ""),
        forward=body.get("forward", ""),
        issuer=body.get("issuer", ""),
        authorized_until=_parse_time(body.get("authorized_until")),
    )


class HttpAcquirer:
    name = "acquirer"

    def __init__(self, base_url: str, *, api_key: str = ""):
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def _post(self, path: str, payload: dict) -> dict:
        try:
            response = _client(self.base_url).post(path, json=payload, headers=self.headers)
        except httpx.TimeoutException as exc:
            raise ProviderTimeout(f"{self.name}: no answer within the timeout") from exc
        except httpx.TransportError as exc:
            # Could not connect or send: the acquirer never saw it.
            if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
                raise ProviderUnavailable(f"{self.name}: {exc.__class__.__name__}") from exc
            raise ProviderTimeout(f"{self.name}: {exc.__class__.__name__}") from exc
        return self._answer(response)

    def _answer(self, response: httpx.Response) -> dict:
        if response.status_code == 402:
            raise Declined(response.json().get("decline_reason", "card_declined"))
        if response.status_code >= 500 or response.status_code == 429:
            raise ProviderFailure(f"{self.name}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise ProviderFailure(
                f"{self.name}: rejected request, HTTP {response.status_code}: {response.text[:200]}"
            )
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderFailure(f"{self.name}: unreadable answer") from exc

    def authorize(self, request: AuthorizeRequest) -> OperationResult:
        body = self._post(
            "/v1/authorizations",
            {
                "reference": request.reference,
                "card_number": request.card.number,
                "expire": request.card.expire,
                "amount": request.amount,
                "currency": request.currency,
                "capture": request.capture,
                "check_only": request.check_only,
                "method": request.method,
                "pay_times": request.pay_times,
                "merchant": request.merchant_ref,
                "authentication": request.authentication,
                # A wallet's network token: its cryptogram and ECI (the card number is the token's).
                **(
                    {"network_token": {"cryptogram": request.card.cryptogram, "eci": request.card.eci}}
                    if request.card.cryptogram
                    else {}
                ),
            },
        )
        return _result(request.reference, body)

    def capture(self, *, reference: str, transaction_id: str, amount: int) -> OperationResult:
        body = self._post(
            f"/v1/transactions/{transaction_id}/capture", {"reference": reference, "amount": amount}
        )
        return _result(reference, body)

    def cancel(self, *, reference: str, transaction_id: str) -> OperationResult:
        return _result(
            reference, self._post(f"/v1/transactions/{transaction_id}/cancel", {"reference": reference})
        )

    def change_amount(self, *, reference: str, transaction_id: str, amount: int) -> OperationResult:
        body = self._post(
            f"/v1/transactions/{transaction_id}/change", {"reference": reference, "amount": amount}
        )
        return _result(reference, body)

    def reauthorize(
        self, *, reference: str, transaction_id: str, amount: int, capture: bool
    ) -> OperationResult:
        body = self._post(
            f"/v1/transactions/{transaction_id}/reauthorize",
            {"reference": reference, "amount": amount, "capture": capture},
        )
        return _result(reference, body)

    def query(self, reference: str) -> QueryResult:
        try:
            response = _client(self.base_url).get(f"/v1/operations/{reference}", headers=self.headers)
        except httpx.TimeoutException as exc:
            raise ProviderTimeout(f"{self.name}: query timed out") from exc
        except httpx.TransportError as exc:
            raise ProviderUnavailable(f"{self.name}: {exc.__class__.__name__}") from exc
        if response.status_code == 404:
            return QueryResult(state="unknown")
        body = self._answer(response)
        if body["state"] == "done":
            return QueryResult(state="done", result=_result(reference, body["result"]))
        if body["state"] == "declined":
            return QueryResult(state="declined", decline_reason=body.get("decline_reason", "card_declined"))
        return QueryResult(state="processing")

"""HTTP client for a 3-D Secure 2 server speaking our 3DS server API (the simulator does).

Strict timeouts (``TDS_TIMEOUT``, ``TDS_CONNECT_TIMEOUT``) and no retries here: every call
is idempotent by the payment's reference, so the caller may simply repeat it. Answers map
onto the provider exception family: connection refused → ProviderUnavailable, timeout →
ProviderTimeout, 5xx/429/garbage/refused request → ProviderFailure.
"""

from __future__ import annotations

from typing import Any

import httpx
from django.conf import settings

from payments.providers import http
from payments.providers.base import ProviderFailure, ProviderTimeout, ProviderUnavailable
from payments.providers.tds import (
    TRANS_STATUSES,
    AuthenticationRequest,
    AuthenticationResult,
    Enrollment,
    EnrollmentRequest,
)


class HttpThreeDSServer:
    name = "tds"

    def __init__(self, base_url: str, *, api_key: str = ""):
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict[str, Any]:
        client = http.client(self.name, settings.TDS_TIMEOUT, connect=settings.TDS_CONNECT_TIMEOUT)
        try:
            response = client.request(method, self.base_url + path, json=payload, headers=self.headers)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise ProviderUnavailable(f"{self.name}: {exc.__class__.__name__}") from exc
        except httpx.TimeoutException as exc:
            raise ProviderTimeout(f"{self.name}: no answer within {settings.TDS_TIMEOUT}s") from exc
        except httpx.TransportError as exc:
            raise ProviderTimeout(f"{self.name}: {exc.__class__.__name__}") from exc
        if response.status_code >= 400:
            raise ProviderFailure(f"{self.name}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderFailure(f"{self.name}: unreadable answer") from exc
        if not isinstance(body, dict):
            raise ProviderFailure(f"{self.name}: unreadable answer")
        return body

    def _result(self, reference: str, body: dict[str, Any]) -> AuthenticationResult:
        status = body.get("trans_status")
        if status not in TRANS_STATUSES:
            raise ProviderFailure(f"{self.name}: unknown trans_status {str(status)[:8]!r}")
        return AuthenticationResult(
            reference=reference,
            status=status,
            reason=str(body.get("trans_status_reason") or "")[:2],
            challenge_url=str(body.get("challenge_url") or ""),
            cardholder_info=str(body.get("cardholder_info") or "")[:200],
        )

    def enrollment(self, request: EnrollmentRequest) -> Enrollment:
        body = self._call(
            "POST", "/v1/enrollments", {"reference": request.reference, "card_number": request.card.number}
        )
        return Enrollment(enrolled=body.get("enrolled") is True)

    def authenticate(self, request: AuthenticationRequest) -> AuthenticationResult:
        body = self._call(
            "POST",
            "/v1/authentications",
            {
                "reference": request.reference,
                "card_number": request.card.number,
                "expire": request.card.expire,
                "amount": request.amount,
                "currency": request.currency,
                "merchant": request.merchant_ref,
                "merchant_name": request.merchant_name,
                "notification_url": request.notification_url,
            },
        )
        return self._result(request.reference, body)

    def challenge(self, *, reference: str, answer: str) -> AuthenticationResult:
        body = self._call("POST", f"/v1/authentications/{reference}/challenge", {"answer": answer})
        return self._result(reference, body)

    def challenge_result(self, *, reference: str) -> AuthenticationResult:
        return self._result(reference, self._call("GET", f"/v1/authentications/{reference}"))

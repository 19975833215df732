"""Admission control in front of the payments API: decided right after authentication,
before any database work; refusals are answered at once with 429 and Retry-After."""

from __future__ import annotations

from django.conf import settings

from payments.admission.controller import REASONS, admit
from portal.errors import ErrorSpec, PortalError, define
from portal.models import PayType

REFUSALS: dict[str, ErrorSpec] = {
    "window": define(
        "E1500000001", 429, "Too many payment sessions in progress for this payment method; retry shortly."
    ),
    "merchant_window": define("E1500000002", 429, "Too many payment sessions in progress; retry shortly."),
    "rate": define("E1500000003", 429, "Payment rate limit for this payment method exceeded; retry shortly."),
    "global_rate": define("E1500000004", 429, "The payment network is busy; retry shortly."),
    "unavailable": define("E1500000005", 503, "Payments are temporarily unavailable; retry shortly."),
}


class AdmissionRefused(PortalError):
    def __init__(self, reason: str, retry_after: int):
        super().__init__(REFUSALS[reason], headers={"Retry-After": str(retry_after)})
        # fincode's SDK reads a top-level "message" as "API call limit exceeded".
        self.extra_body = {"message": f"{REASONS[reason]}: retry after {retry_after} s"}


class AdmissionMixin:
    """Take a session lease for POST/PUT of a payment; give it back when the response is ready."""

    admission_methods = ("POST", "PUT")

    def admission_pay_type(self, request) -> str | None:
        data = request.data
        pay_type = data.get("pay_type") if isinstance(data, dict) else None
        return pay_type if pay_type in PayType.values else None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        request._admission_lease = None
        if not settings.ADMISSION_ENABLED or request.method not in self.admission_methods:
            return
        pay_type = self.admission_pay_type(request)
        if pay_type is None:
            return
        principal = request.user
        decision = admit(
            merchant=principal.merchant.public_id,
            merchant_id=principal.merchant.pk,
            mode=principal.mode,
            pay_type=pay_type,
        )
        if not decision.admitted:
            raise AdmissionRefused(decision.reason, decision.retry_after)
        request._admission_lease = decision.lease

    def finalize_response(self, request, response, *args, **kwargs):
        try:
            return super().finalize_response(request, response, *args, **kwargs)
        finally:
            lease = getattr(request, "_admission_lease", None)
            if lease is not None:
                request._admission_lease = None
                lease.release()

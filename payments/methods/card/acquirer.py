"""Card authorisation at the acquirer, shared by every pay type that ends in a card authorisation
(cards; wallets that hand over a card, as Apple Pay and Google Pay do).

``acquirer_call`` runs one acquirer call of a pending operation (``payments.pending``) and applies
its outcome: a decline abandons the operation with the card error, an unreachable acquirer
abandons it too, and an unknown outcome (timeout, 5xx) leaves it pending for reconciliation
(``card_reconcile``), never a double charge.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction

from payments import errors, vault
from payments.models import JobCode, Payment
from payments.pending import operation_abandon, operation_complete
from payments.providers.base import (
    AuthorizeRequest,
    CardAcquirer,
    Declined,
    NotConfigured,
    OperationResult,
    ProviderError,
    ProviderFailure,
    ProviderTimeout,
    ProviderUnavailable,
)
from payments.providers.registry import card_acquirer
from payments.services.reconcile import payment_reconcile_schedule
from payments.state import payment_event_record
from portal.errors import ErrorSpec, PortalError

logger = logging.getLogger(__name__)

# The acquirer's decline reasons with an error of their own (others: CARD_DECLINED).
DECLINES = {
    "insufficient_funds": errors.INSUFFICIENT_FUNDS,
    "expired_card": errors.CARD_EXPIRED,
}


def decline_error(reason: str) -> ErrorSpec:
    return DECLINES.get(reason, errors.CARD_DECLINED)


def acquirer_for(mode: str) -> CardAcquirer:
    """The acquirer of a mode, or the 4xx saying live mode has none."""
    try:
        return card_acquirer(mode)
    except NotConfigured as exc:
        raise PortalError(errors.LIVE_ACQUIRER_MISSING) from exc


def authorize_request(
    *, payment: Payment, reference: str, card: vault.ClearCard, authentication: str = ""
) -> AuthorizeRequest:
    """What the acquirer is asked to authorise for ``payment`` (its job code decides capture / check)."""
    return AuthorizeRequest(
        reference=reference,
        card=card,
        amount=payment.total_amount,
        currency=payment.currency,
        capture=payment.job_code == JobCode.CAPTURE,
        check_only=payment.job_code == JobCode.CHECK,
        method=payment.method or "1",
        pay_times=payment.pay_times,
        merchant_ref=payment.merchant.public_id,
        authentication=authentication,
    )


def acquirer_call(
    *, payment: Payment, reference: str, actor: str, call: Callable[[], OperationResult]
) -> Payment:
    """Run an acquirer call for the pending operation ``reference`` and apply its outcome."""
    try:
        result = call()
    except Declined as exc:
        spec = decline_error(exc.reason)
        operation_abandon(
            payment_id=payment.pk, reference=reference, actor=actor, reason=exc.reason, error_code=spec.code
        )
        raise PortalError(spec) from exc
    except ProviderUnavailable as exc:
        operation_abandon(
            payment_id=payment.pk, reference=reference, actor=actor, reason=str(exc), error_code=None
        )
        raise PortalError(errors.PROVIDER_UNAVAILABLE) from exc
    except (ProviderTimeout, ProviderFailure) as exc:
        logger.warning("payment %s: %s; left pending for reconciliation", payment.access_id, exc)
        with transaction.atomic():
            payment_event_record(
                payment, "provider_outcome_unknown", actor, reference=reference, reason=str(exc)
            )
            first_delay = settings.PAYMENTS_RECONCILE_FIRST_DELAY
            payment_reconcile_schedule(
                payment=payment, countdown=2 if isinstance(exc, ProviderFailure) else first_delay
            )
        spec = errors.PROVIDER_TIMEOUT if isinstance(exc, ProviderTimeout) else errors.PROVIDER_ERROR
        raise PortalError(spec) from exc
    return operation_complete(
        payment_id=payment.pk, reference=reference, result=result, actor=actor, payment=payment
    )


def card_reconcile(*, payment: Payment) -> str:
    """Ask the acquirer what became of the pending operation, and complete or abandon it."""
    reference = payment.pending_reference
    if not reference:
        return "none"
    try:
        answer = acquirer_for(payment.mode).query(reference)
    except PortalError:
        return "processing"
    except ProviderError as exc:
        logger.warning("reconciliation of %s: acquirer unreachable (%s)", payment.access_id, exc)
        return "processing"
    if answer.state == "done" and answer.result is not None:
        operation_complete(
            payment_id=payment.pk, reference=reference, result=answer.result, actor="reconciliation"
        )
        return "completed"
    if answer.state in ("declined", "unknown"):
        declined = answer.state == "declined"
        operation_abandon(
            payment_id=payment.pk,
            reference=reference,
            actor="reconciliation",
            reason=answer.decline_reason if declined else "not received by the acquirer",
            error_code=decline_error(answer.decline_reason).code if declined else errors.PROVIDER_ERROR.code,
        )
        return "abandoned"
    return "processing"

"""3-D Secure 2 for card payments: our 3DS server's pages post ``param`` to the merchant, the
merchant asks us to authenticate (``PUT /v1/secure2/{access_id}``), the buyer may face a
challenge, and ``PUT /v1/payments/{id}/secure`` authorises after it (Y/A) or fails the payment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from payments import errors, vault
from payments.methods.card.acquirer import acquirer_call, acquirer_for, authorize_request
from payments.models import CardSecret, Payment, Status, ThreeDSecureSession
from payments.pending import operation_begin
from payments.providers.base import NotConfigured, ProviderError, ProviderTimeout, ProviderUnavailable
from payments.providers.registry import tds_server
from payments.providers.tds import AuthenticationRequest, AuthenticationResult, ThreeDSServer
from payments.state import actor_label, payment_step_record, payment_transition
from portal.db import one_or_none
from portal.errors import TDS_SERVER_MISSING, PortalError

logger = logging.getLogger(__name__)
T = TypeVar("T")

_TDS_SALT = "payments.tds2.param"

REASON_FOR_RESULT = {"Y": "", "A": "", "C": "", "N": "01", "R": "11", "U": "08"}
PROFILE_FOR_RESULT = {
    "Y": ThreeDSecureSession.Profile.FRICTIONLESS,
    "A": ThreeDSecureSession.Profile.FRICTIONLESS,
    "C": ThreeDSecureSession.Profile.CHALLENGE,
}


def tds_param(payment: Payment, event: str) -> str:
    """The opaque ``param`` our 3DS server posts to the merchant's tds2_ret_url."""
    return signing.dumps({"a": payment.access_id, "e": event}, salt=_TDS_SALT)


def tds_param_check(payment: Payment, param: str) -> None:
    try:
        value = signing.loads(param or "", salt=_TDS_SALT, max_age=3600)
    except signing.BadSignature as exc:
        raise PortalError(errors.TDS_PARAM_INVALID, field="param") from exc
    if value.get("a") != payment.access_id:
        raise PortalError(errors.TDS_PARAM_INVALID, field="param")


def tds_server_for(mode: str) -> ThreeDSServer:
    """The 3DS server of a mode: the simulator in test mode, TDS_SERVER_URL in live mode, or a 4xx."""
    try:
        return tds_server(mode)
    except NotConfigured as exc:
        raise PortalError(TDS_SERVER_MISSING, field="tds_type") from exc


def tds_call(fn: Callable[[], T]) -> T:
    """A 3DS server call; every one is idempotent by reference, so the buyer may simply retry."""
    try:
        return fn()
    except (ProviderUnavailable, ProviderTimeout) as exc:
        logger.warning("3-D Secure server: %s", exc)
        raise PortalError(errors.PROVIDER_UNAVAILABLE) from exc
    except ProviderError as exc:
        logger.warning("3-D Secure server: %s", exc)
        raise PortalError(errors.PROVIDER_ERROR) from exc


def _tds_session(payment: Payment) -> ThreeDSecureSession:
    session = one_or_none(ThreeDSecureSession.objects.filter(payment=payment))
    if session is None or payment.status != Status.AUTHENTICATED or payment.card_secret_id is None:
        raise PortalError(errors.TDS_NOT_IN_PROGRESS)
    return session


def _tds_locked(payment: Payment) -> tuple[Payment, ThreeDSecureSession]:
    """Payment and session under lock (in that order), still waiting for 3-D Secure."""
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    session = ThreeDSecureSession.objects.select_for_update().get(payment=locked)
    if locked.status != Status.AUTHENTICATED:
        raise PortalError(errors.TDS_NOT_IN_PROGRESS)
    return locked, session


def _tds_record(
    payment: Payment, session: ThreeDSecureSession, result: AuthenticationResult, **fields: Any
) -> None:
    session.trans_result = result.status
    session.trans_result_reason = result.reason or REASON_FOR_RESULT[result.status]
    for name, value in fields.items():
        setattr(session, name, value)
    if not result.challenge_required:
        session.completed_at = timezone.now()
    session.save(update_fields=["trans_result", "trans_result_reason", "completed_at", *fields])
    tds2_status = "CHALLENGE" if result.challenge_required else "AUTHENTICATED"
    Payment.objects.filter(pk=payment.pk).update(tds2_status=tds2_status)


def _kept_card(payment: Payment) -> vault.ClearCard:
    """The card kept (encrypted) while the payment waits for 3-D Secure."""
    if payment.card_secret_id is None:
        raise CardSecret.DoesNotExist("The payment keeps no card.")
    return vault.unseal(CardSecret.objects.get(pk=payment.card_secret_id))


def tds_authenticate(*, payment: Payment, param: str) -> ThreeDSecureSession:
    """``PUT /v1/secure2/{access_id}``: run authentication after the 3DS method.

    The 3DS server decides: frictionless → Y, challenge required → C (the buyer goes to
    challenge_url), rejected → N. Called without a lock (network I/O), recorded under one;
    a repeat gets the recorded result.
    """
    if payment.status != Status.AUTHENTICATED:
        raise PortalError(errors.TDS_NOT_IN_PROGRESS)
    tds_param_check(payment, param)
    session = _tds_session(payment)
    if session.trans_result:
        return session
    server = tds_server_for(payment.mode)
    request = AuthenticationRequest(
        reference=payment.access_id,
        card=_kept_card(payment),
        amount=payment.total_amount,
        currency=payment.currency,
        merchant_ref=payment.merchant.public_id,
        merchant_name=payment.td_tenant_name or payment.merchant.name,
        notification_url=settings.PORTAL_BASE_URL + reverse("tds-challenge", args=[payment.access_id]),
    )
    result = tds_call(lambda: server.authenticate(request))
    with transaction.atomic():
        locked, session = _tds_locked(payment)
        if not session.trans_result:
            _tds_record(
                locked,
                session,
                result,
                profile=PROFILE_FOR_RESULT.get(result.status, ThreeDSecureSession.Profile.FAIL),
                method_completed_at=timezone.now(),
            )
            payment_step_record(
                payment=locked,
                action="tds_authenticate",
                actor="3ds-server",
                detail={"result": result.status},
            )
    return session


def _tds_challenge_done(
    payment: Payment, result: AuthenticationResult, *, answered: bool
) -> ThreeDSecureSession:
    with transaction.atomic():
        locked, session = _tds_locked(payment)
        if session.trans_result != "C":
            if answered:
                raise PortalError(errors.TDS_NOT_IN_PROGRESS)
            return session
        if answered:
            session.challenge_attempts += 1
        if result.challenge_required:
            if answered:
                session.save(update_fields=["challenge_attempts"])
            return session
        _tds_record(locked, session, result, challenge_attempts=session.challenge_attempts)
        payment_step_record(
            payment=locked, action="tds_challenge", actor="3ds-acs", detail={"result": session.trans_result}
        )
    return session


def tds_challenge_answer(*, payment: Payment, code: str) -> tuple[ThreeDSecureSession, AuthenticationResult]:
    """The buyer answered the challenge's one-time code on our page; the ACS decides."""
    session = _tds_session(payment)
    if session.trans_result != "C":
        raise PortalError(errors.TDS_NOT_IN_PROGRESS)
    server = tds_server_for(payment.mode)
    result = tds_call(lambda: server.challenge(reference=payment.access_id, answer=code))
    return _tds_challenge_done(payment, result, answered=True), result


def tds_challenge_check(*, payment: Payment) -> tuple[ThreeDSecureSession, AuthenticationResult | None]:
    """Where a challenge stands at the ACS (it may have finished it on its own page)."""
    session = _tds_session(payment)
    if session.trans_result != "C":
        return session, None
    server = tds_server_for(payment.mode)
    result = tds_call(lambda: server.challenge_result(reference=payment.access_id))
    return _tds_challenge_done(payment, result, answered=False), result


def tds_result_get(*, payment: Payment) -> ThreeDSecureSession:
    session = one_or_none(ThreeDSecureSession.objects.filter(payment=payment))
    if session is None or not session.trans_result:
        raise PortalError(errors.TDS_NOT_IN_PROGRESS)
    return session


def payment_end_unauthorised(*, payment: Payment, to: str, action: str, actor: str, **fields: Any) -> Payment:
    """End a payment that waited for 3-D Secure (cancelled, or failed authentication): nothing was
    authorised, and its card is deleted. Inside a transaction, with the payment locked."""
    secret_id = payment.card_secret_id
    payment_transition(
        payment=payment,
        to=to,
        action=action,
        actor=actor,
        card_secret=None,
        process_date=timezone.now(),
        **fields,
    )
    if secret_id is not None:
        CardSecret.objects.filter(pk=secret_id).delete()
    return payment


def payment_secure(*, payment: Payment, actor: Any) -> Payment:
    """``PUT /v1/payments/{id}/secure``: authorise after 3-D Secure (Y/A), or fail the payment."""
    label = actor_label(actor)
    acquirer = acquirer_for(payment.mode)
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        session = one_or_none(ThreeDSecureSession.objects.filter(payment=locked))
        if locked.status != Status.AUTHENTICATED or session is None:
            raise PortalError(errors.TDS_NOT_IN_PROGRESS)
        if session.trans_result in ("", "C"):
            raise PortalError(errors.TDS_NOT_COMPLETED)
        if session.trans_result not in ("Y", "A"):
            payment_end_unauthorised(
                payment=locked,
                to=Status.FAILED,
                action="secure",
                actor=label,
                detail={"tds2_trans_result": session.trans_result},
                error_code=errors.TDS_AUTHENTICATION_FAILED.code,
            )
            failed = True
        else:
            failed = False
            payment, reference = operation_begin(payment=locked, operation="secure", actor=label)
            card = _kept_card(payment)
    if failed:
        raise PortalError(errors.TDS_AUTHENTICATION_FAILED)
    request = authorize_request(
        payment=payment, reference=reference, card=card, authentication=session.trans_result
    )
    return acquirer_call(
        payment=payment, reference=reference, actor=label, call=lambda: acquirer.authorize(request)
    )

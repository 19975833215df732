"""Reads of the hosted pages. A page is found by its session id alone (the link is the buyer's
capability); the merchant's API never reads another merchant's session (there is no read API)."""

from __future__ import annotations

from payments.hosted import errors
from payments.hosted.models import CardRegistrationSession, PaymentSession
from portal.db import one_or_none
from portal.errors import PortalError


def payment_session_get(*, session_id: str) -> PaymentSession:
    session = one_or_none(
        PaymentSession.objects.select_related("merchant", "payment").filter(session_id=session_id[:25])
    )
    if session is None:
        raise PortalError(errors.SESSION_NOT_FOUND)
    return session


def card_session_get(*, session_id: str) -> CardRegistrationSession:
    session = one_or_none(
        CardRegistrationSession.objects.select_related("merchant", "card").filter(session_id=session_id[:25])
    )
    if session is None:
        raise PortalError(errors.SESSION_NOT_FOUND)
    return session

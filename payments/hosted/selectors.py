"""Reads of the hosted pages. A page is found by its session id alone (the link is the buyer's
capability); the merchant's API never reads another merchant's session (there is no read API)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from payments.hosted import errors
from payments.hosted.models import CardRegistrationSession, PaymentSession
from portal.db import one_or_none
from portal.errors import PortalError
from portal.models import Merchant


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


@dataclass(frozen=True)
class SessionLists:
    payment_sessions: QuerySet[PaymentSession]
    card_sessions: QuerySet[CardRegistrationSession]


def session_lists(*, merchant: Merchant, mode: str) -> SessionLists:
    """A merchant's pages of one mode, newest first (the merchant's web page)."""
    return SessionLists(
        payment_sessions=PaymentSession.objects.filter(merchant=merchant, mode=mode)
        .select_related("payment")
        .order_by("-created", "-id"),
        card_sessions=CardRegistrationSession.objects.filter(merchant=merchant, mode=mode)
        .select_related("card")
        .order_by("-created", "-id"),
    )

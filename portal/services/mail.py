"""E-mail sent once the transaction commits: address verification and notices to a merchant's owners."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from portal import errors
from portal.errors import PortalError
from portal.models import (
    ApiKey,
    Membership,
    Merchant,
    Role,
    User,
)
from portal.services.audit import audit_record

logger = logging.getLogger(__name__)
Actor = User | ApiKey | None


def mail_send_on_commit(*, to: str, subject: str, body: str) -> None:
    def send() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
        except Exception:
            logger.exception("could not send e-mail %r", subject)

    transaction.on_commit(send)


_VERIFY_SALT = "portal.email-verification"


def email_verification_token(user: User) -> str:
    return signing.TimestampSigner(salt=_VERIFY_SALT).sign(f"{user.public_id}:{user.email}")


def email_verification_send(*, user: User) -> None:
    link = f"{settings.PORTAL_BASE_URL}/verify-email/{email_verification_token(user)}/"
    mail_send_on_commit(
        to=user.email,
        subject="Verify your e-mail address",
        body=f"Welcome to the merchant portal.\n\nConfirm your e-mail address by opening:\n{link}\n\n"
        "The link is valid for 3 days.",
    )


@transaction.atomic
def user_verify_email(*, token: str) -> User:
    try:
        value = signing.TimestampSigner(salt=_VERIFY_SALT).unsign(token, max_age=timedelta(days=3))
        public_id, email = value.split(":", 1)
        user = User.objects.select_for_update().get(public_id=public_id, email=email)
    except (signing.BadSignature, ValueError, User.DoesNotExist) as exc:
        raise PortalError(
            errors.INVITATION_INVALID, "The verification link is invalid or has expired."
        ) from exc
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
        audit_record(actor=user, action="user.email_verified", obj=user, after={"email": user.email})
    return user


def owners_notify(*, merchant: Merchant, subject: str, body: str) -> None:
    for email in Membership.objects.filter(merchant=merchant, role=Role.OWNER).values_list(
        "user__email", flat=True
    ):
        mail_send_on_commit(to=email, subject=subject, body=body)

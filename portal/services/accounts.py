"""Sign-up and merchants: a new user with their merchant, suspension and reinstatement."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portal.errors import FieldError
from portal.models import (
    ApiKey,
    Application,
    Membership,
    Merchant,
    Mode,
    Role,
    User,
)
from portal.services.api_keys import api_key_create
from portal.services.audit import audit_record, status_transition
from portal.services.mail import email_verification_send

logger = logging.getLogger(__name__)
Actor = User | ApiKey | None


def user_validate_new(email: str, password: str, area: str = "02") -> None:
    if User.objects.filter(email__iexact=email).exists():
        raise FieldError(area, "email", "conflict", "an account with this e-mail address already exists")
    try:
        validate_password(password, User(email=email))
    except ValidationError as exc:
        raise FieldError(area, "password", "invalid", " ".join(exc.messages)) from exc


@dataclass
class SignupResult:
    user: User
    merchant: Merchant
    test_public_key: str
    test_secret_key: str


@transaction.atomic
def user_signup(*, email: str, password: str, merchant_name: str) -> SignupResult:
    """A merchant owner signs up: user, merchant, draft application and test keys."""
    email = email.strip().lower()
    user_validate_new(email, password)
    try:
        user = User.objects.create_user(email=email, password=password)
    except IntegrityError as exc:  # a concurrent sign-up with the same address
        raise FieldError(
            "02", "email", "conflict", "an account with this e-mail address already exists"
        ) from exc
    audit_record(actor=user, action="user.signed_up", obj=user, after={"email": email})
    merchant = merchant_create(name=merchant_name, owner=user, actor=user)
    public = api_key_create(
        merchant=merchant, mode=Mode.TEST, kind=ApiKey.Kind.PUBLIC, actor=user, label="Default"
    )
    secret = api_key_create(
        merchant=merchant, mode=Mode.TEST, kind=ApiKey.Kind.SECRET, actor=user, label="Default"
    )
    email_verification_send(user=user)
    return SignupResult(user=user, merchant=merchant, test_public_key=public.raw, test_secret_key=secret.raw)


@transaction.atomic
def merchant_create(*, name: str, owner: User, actor: Actor, platform: Merchant | None = None) -> Merchant:
    """A merchant with its owner and draft application; a tenant shop of ``platform`` if given."""
    name = (name or "").strip()
    if not name:
        raise FieldError("02", "name", "required")
    if len(name) > 200:
        raise FieldError("02", "name", "max_length")
    merchant = Merchant.objects.create(
        name=name,
        shop_type=Merchant.ShopType.TENANT if platform else Merchant.ShopType.STANDARD,
        platform=platform,
    )
    Membership.objects.create(user=owner, merchant=merchant, role=Role.OWNER)
    Application.objects.create(merchant=merchant)
    audit_record(
        actor=actor,
        action="merchant.created",
        obj=merchant,
        merchant=merchant,
        after={"name": name, "owner": owner.email, "platform": platform.public_id if platform else None},
    )
    return merchant


def merchant_suspend(*, merchant: Merchant, actor: Actor, reason: str) -> None:
    status_transition(
        model=Merchant,
        obj=merchant,
        to=Merchant.Status.SUSPENDED,
        actor=actor,
        action="merchant.suspended",
        merchant=merchant,
        extra={"status_reason": reason[:500]},
    )


def merchant_reinstate(*, merchant: Merchant, actor: Actor, reason: str = "") -> None:
    status_transition(
        model=Merchant,
        obj=merchant,
        to=Merchant.Status.ACTIVE,
        actor=actor,
        action="merchant.reinstated",
        merchant=merchant,
        extra={"status_reason": reason[:500]},
    )

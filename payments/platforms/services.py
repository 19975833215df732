"""Platforms and their tenant shops: enabling a platform, creating tenants (new or existing
users), platform fees, and the new tenant owner's one-time sign-in link."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from payments.platforms import errors
from payments.platforms.models import TenantAccessToken
from portal import services as portal_services
from portal.errors import FieldError, PortalError
from portal.ids import random_token
from portal.models import ApiKey, Membership, Merchant, Mode, PlatformFee, User

ACCESS_TOKEN_LENGTH = 112  # fincode's access_token
ACCESS_TOKEN_HOURS = 24


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def platform_enable(*, merchant: Merchant, actor: Any) -> Merchant:
    """An operator makes a standard shop a platform: it gets its tenant registration URL id."""
    locked = Merchant.objects.select_for_update().get(pk=merchant.pk)
    if locked.shop_type != Merchant.ShopType.STANDARD:
        raise PortalError(errors.SHOP_NOT_FOUND, "Only a standard shop can become a platform.")
    locked.shop_type = Merchant.ShopType.PLATFORM
    locked.tenant_url_id = "tu_" + random_token(22)
    locked.save(update_fields=["shop_type", "tenant_url_id", "updated_at"])
    portal_services.audit_record(
        actor=actor,
        action="merchant.platform_enabled",
        obj=locked,
        merchant=locked,
        after={"shop_type": "platform"},
    )
    return locked


@dataclass
class TenantEntry:
    user: User
    tenant: Merchant
    access_token: str


def _tenant_create(*, platform: Merchant, owner: User, name: str, actor: Any) -> Merchant:
    tenant = portal_services.merchant_create(name=name, owner=owner, actor=actor, platform=platform)
    for kind in (ApiKey.Kind.PUBLIC, ApiKey.Kind.SECRET):  # test keys, as every new shop has
        portal_services.api_key_create(
            merchant=tenant, mode=Mode.TEST, kind=kind, actor=actor, label="Default"
        )
    return tenant


@transaction.atomic
def tenant_entry_create(
    *, platform: Merchant, email: str, name: str, password: str, actor: Any
) -> TenantEntry:
    """``POST /v1/tenant_entries``: a new user owning a new tenant shop of ``platform``; the user
    is sent the e-mail verification mail, the platform gets a one-time sign-in link for them."""
    email = email.strip().lower()
    portal_services.user_validate_new(email, password, area="23")
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, full_name=name[:150])
    except IntegrityError as exc:  # a concurrent entry with the same address
        raise FieldError(
            "23", "email", "conflict", "an account with this e-mail address already exists"
        ) from exc
    portal_services.audit_record(
        actor=actor, action="user.created_for_tenant", obj=user, after={"email": email}
    )
    tenant = _tenant_create(platform=platform, owner=user, name=name, actor=actor)
    token = random_token(ACCESS_TOKEN_LENGTH)
    TenantAccessToken.objects.create(
        user=user,
        merchant=tenant,
        token_hash=_hash(token),
        expires_at=timezone.now() + timedelta(hours=ACCESS_TOKEN_HOURS),
    )
    portal_services.email_verification_send(user=user)
    return TenantEntry(user=user, tenant=tenant, access_token=token)


@transaction.atomic
def tenant_join(*, platform: Merchant, user: User, actor: Any) -> Merchant:
    """``POST /v1/join_tenants``: a user of the platform shop (already authenticated by the view)
    owns a new tenant shop."""
    if not Membership.objects.filter(user=user, merchant=platform).exists():
        raise PortalError(errors.JOIN_REFUSED)
    return _tenant_create(platform=platform, owner=user, name=user.full_name or user.email, actor=actor)


def platform_user(*, platform: Merchant, email: str, password: str) -> User | None:
    """The platform shop's active user with these credentials, else None (same work either way)."""
    user = User.objects.filter(
        email__iexact=email.strip(), memberships__merchant=platform, is_active=True
    ).first()
    if user is None:
        User().set_password(password)  # as long as a real check: no timing hint of who exists
        return None
    return user if user.check_password(password) else None


@transaction.atomic
def access_token_use(*, token: str) -> TenantAccessToken:
    """Spend a one-time sign-in link (conditional: two clicks, one sign-in)."""
    now = timezone.now()
    found = (
        TenantAccessToken.objects.select_for_update()
        .select_related("user", "merchant")
        .filter(token_hash=_hash(token), used_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if found is None:
        raise PortalError(errors.ACCESS_TOKEN_INVALID)
    found.used_at = now
    found.save(update_fields=["used_at"])
    return found


FEE_FIELDS = ("rate", "fixed_fee", "web_registration_fee", "paypay_content_category")


@transaction.atomic
def shop_update(*, shop: Merchant, data: dict[str, Any], actor: Any) -> Merchant:
    """``PUT /v1/platforms/{id}`` (standard fees) and ``PUT /v1/tenants/{id}`` (a tenant's own fees,
    its dashboard's API key display). Fee fields given replace the class's setting; a field sent
    as null clears it (the standard fee applies again)."""
    locked = Merchant.objects.select_for_update().get(pk=shop.pk)
    fees = {name: data[name] for name in FEE_FIELDS if name in data}
    if fees:
        fee_class = data.get("fee_class")
        if not fee_class:
            raise PortalError(errors.FEE_CLASS_REQUIRED)
        fee, _ = PlatformFee.objects.select_for_update().get_or_create(merchant=locked, fee_class=fee_class)
        before = {name: _plain(getattr(fee, name)) for name in FEE_FIELDS}
        for name, value in fees.items():
            setattr(fee, name, value)
        fee.save()
        portal_services.audit_record(
            actor=actor,
            action="platform_fee.updated",
            obj=locked,
            merchant=locked,
            before={"fee_class": fee_class, **before},
            after={"fee_class": fee_class, **{name: _plain(getattr(fee, name)) for name in FEE_FIELDS}},
        )
    if "api_key_display" in data and locked.is_tenant:
        locked.api_key_display = data["api_key_display"]
    locked.save(update_fields=["api_key_display", "updated_at"])  # ``updated`` moves with its fees
    return locked


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value

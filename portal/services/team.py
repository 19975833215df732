"""A merchant's team: invitations, roles, removal (a merchant keeps at least one owner)."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal import errors
from portal.errors import FieldError, PortalError
from portal.ids import random_token
from portal.models import (
    ApiKey,
    Invitation,
    Membership,
    Merchant,
    Role,
    User,
)
from portal.services.accounts import user_validate_new
from portal.services.audit import audit_record
from portal.services.mail import mail_send_on_commit

logger = logging.getLogger(__name__)
Actor = User | ApiKey | None


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require(membership: Membership | None, capability: str) -> None:
    if membership is None or not membership.can(capability):
        raise PortalError(errors.ROLE_NOT_ALLOWED)


@transaction.atomic
def invitation_create(*, merchant: Merchant, email: str, role: str, by: Membership) -> tuple[Invitation, str]:
    _require(by, "manage_team")
    email = (email or "").strip().lower()
    if role not in Role.values:
        raise FieldError("02", "role", "choice")
    if role == Role.OWNER:
        _require(by, "manage_owners")
    try:
        User._meta.get_field("email").run_validators(email)
        if not email:
            raise ValidationError("required")
    except ValidationError as exc:
        raise FieldError("02", "email", "invalid", "enter a valid e-mail address") from exc
    if Membership.objects.filter(merchant=merchant, user__email__iexact=email).exists():
        raise PortalError(errors.MEMBER_EXISTS, field="email")
    token = random_token(40)
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                merchant=merchant,
                email=email,
                role=role,
                token_hash=_hash_token(token),
                invited_by=by.user,
                expires_at=timezone.now() + timedelta(days=7),
            )
    except IntegrityError as exc:
        raise PortalError(
            errors.MEMBER_EXISTS, "This address already has an open invitation.", field="email"
        ) from exc
    audit_record(
        actor=by.user,
        action="invitation.created",
        obj=invitation,
        merchant=merchant,
        after={"email": email, "role": role},
    )
    mail_send_on_commit(
        to=email,
        subject=f"You are invited to {merchant.name} on the merchant portal",
        body=f"{by.user.email} invited you to join {merchant.name} as {role}.\n\n"
        f"Accept the invitation: {settings.PORTAL_BASE_URL}/invitations/{token}/\n\nThe link is valid for 7 days.",
    )
    return invitation, token


def invitation_by_token(token: str) -> Invitation:
    try:
        invitation = Invitation.objects.select_related("merchant").get(token_hash=_hash_token(token or ""))
    except Invitation.DoesNotExist as exc:
        raise PortalError(errors.INVITATION_INVALID) from exc
    if not invitation.is_open:
        raise PortalError(errors.INVITATION_INVALID)
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    invitation = invitation_by_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise PortalError(errors.INVITATION_INVALID)
    if invitation.email.lower() != user.email.lower():
        raise PortalError(errors.INVITATION_INVALID, "This invitation was sent to another e-mail address.")
    membership, created = Membership.objects.get_or_create(
        user=user, merchant=invitation.merchant, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    if user.email_verified_at is None:  # the invitation link proves the address
        user.email_verified_at = invitation.accepted_at
        user.save(update_fields=["email_verified_at"])
    audit_record(
        actor=user,
        action="membership.created" if created else "invitation.accepted",
        obj=membership,
        merchant=invitation.merchant,
        after={"user": user.email, "role": membership.role},
    )
    return membership


@transaction.atomic
def user_signup_by_invitation(*, token: str, password: str) -> Membership:
    invitation = invitation_by_token(token)
    user_validate_new(invitation.email, password)
    user = User.objects.create_user(email=invitation.email, password=password)
    audit_record(
        actor=user, action="user.signed_up", obj=user, after={"email": user.email, "via": "invitation"}
    )
    return invitation_accept(token=token, user=user)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: Membership) -> None:
    _require(by, "manage_team")
    changed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if changed:
        audit_record(
            actor=by.user,
            action="invitation.revoked",
            obj=invitation,
            merchant=invitation.merchant,
            after={"revoked": True},
        )


def _lock_memberships(merchant: Merchant) -> list[Membership]:
    return list(Membership.objects.select_for_update().filter(merchant=merchant).order_by("pk"))


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by: Membership) -> None:
    _require(by, "manage_team")
    if role not in Role.values:
        raise FieldError("02", "role", "choice")
    members = {m.pk: m for m in _lock_memberships(membership.merchant)}
    target = members.get(membership.pk)
    if target is None:
        raise PortalError(errors.NOT_FOUND)
    if Role.OWNER in (role, target.role):
        _require(by, "manage_owners")
    owners = sum(1 for m in members.values() if m.role == Role.OWNER)
    if target.role == Role.OWNER and role != Role.OWNER and owners <= 1:
        raise PortalError(errors.LAST_OWNER)
    before = target.role
    target.role = role
    target.save(update_fields=["role"])
    audit_record(
        actor=by.user,
        action="membership.role_changed",
        obj=target,
        merchant=target.merchant,
        before={"user": target.user.email, "role": before},
        after={"user": target.user.email, "role": role},
    )


@transaction.atomic
def membership_remove(*, membership: Membership, by: Membership) -> None:
    _require(by, "manage_team")
    members = {m.pk: m for m in _lock_memberships(membership.merchant)}
    target = members.get(membership.pk)
    if target is None:
        raise PortalError(errors.NOT_FOUND)
    if target.role == Role.OWNER:
        _require(by, "manage_owners")
        if sum(1 for m in members.values() if m.role == Role.OWNER) <= 1:
            raise PortalError(errors.LAST_OWNER)
    audit_record(
        actor=by.user,
        action="membership.removed",
        obj=target,
        merchant=target.merchant,
        before={"user": target.user.email, "role": target.role},
    )
    target.delete()

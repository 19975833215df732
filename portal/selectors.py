"""Reads of the onboarding domain."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from portal.db import one_or_none
from portal.models import ApiKey, Application, AuditEvent, Contract, Invitation, Membership, Merchant, User


def memberships_of(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("merchant").order_by("merchant__name")


def membership_for(*, user: User, merchant_public_id: str) -> Membership | None:
    """The user's membership of a merchant, or None: the one gate of every merchant page."""
    if not user.is_authenticated:
        return None
    return one_or_none(
        Membership.objects.select_related("merchant", "user").filter(
            user=user, merchant__public_id=merchant_public_id
        )
    )


def merchant_members(merchant: Merchant) -> QuerySet[Membership]:
    return Membership.objects.filter(merchant=merchant).select_related("user").order_by("created_at")


def merchant_open_invitations(merchant: Merchant) -> QuerySet[Invitation]:
    return Invitation.objects.filter(merchant=merchant, accepted_at__isnull=True, revoked_at__isnull=True)


def merchant_contracts(merchant: Merchant) -> QuerySet[Contract]:
    return Contract.objects.filter(merchant=merchant).order_by("pay_type")


def merchant_api_keys(merchant: Merchant) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(merchant=merchant).order_by("mode", "kind", "-created_at")


def merchant_audit(merchant: Merchant, limit: int = 50) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(merchant=merchant).order_by("-created_at", "-id")[:limit]


def application_of(merchant: Merchant) -> Application:
    return (
        Application.objects.select_related("business_category", "merchant")
        .prefetch_related("methods", "documents", "flags")
        .get(merchant=merchant)
    )


def review_queue() -> QuerySet[Application]:
    """Applications waiting for an operator, oldest first, with their flag count."""
    return (
        Application.objects.filter(status__in=[Application.Status.SUBMITTED, Application.Status.IN_REVIEW])
        .select_related("merchant", "business_category", "reviewer")
        .annotate(flag_count=Count("flags", distinct=True))
        .order_by("submitted_at")
    )


def api_key_by_hash(key_hash: str) -> ApiKey | None:
    return one_or_none(ApiKey.objects.select_related("merchant").filter(key_hash=key_hash))


def tenant_of(*, platform_id: int, tenant_public_id: str) -> Merchant | None:
    """The tenant shop ``tenant_public_id`` of platform ``platform_id``; None for any other shop."""
    return one_or_none(
        Merchant.objects.filter(public_id=tenant_public_id, platform_id=platform_id, shop_type="tenant")
    )


def merchants_matching(query: str) -> QuerySet[Merchant]:
    return Merchant.objects.filter(Q(name__icontains=query) | Q(public_id=query))

"""Reads of platforms and their tenant shops: only ever through the platform that owns them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from payments.platforms import errors
from payments.selectors import apply_sort, day_end, day_start
from portal.db import one_or_none
from portal.errors import PortalError
from portal.models import Merchant, PlatformFee

SHOP_SORT = {"id": "public_id", "shop_name": "name", "created": "created_at", "updated": "updated_at"}


def platform_list(*, platform: Merchant, filters: dict[str, Any]) -> QuerySet[Merchant]:
    """``GET /v1/platforms``: the platform shops of the caller — the caller itself."""
    return _shops(Merchant.objects.filter(pk=platform.pk, shop_type=Merchant.ShopType.PLATFORM), filters)


def platform_get(*, platform: Merchant, shop_id: str) -> Merchant:
    if shop_id != platform.public_id or not platform.is_platform:
        raise PortalError(errors.SHOP_NOT_FOUND)
    return platform


def tenant_list(*, platform: Merchant, filters: dict[str, Any]) -> QuerySet[Merchant]:
    return _shops(platform.tenants.filter(shop_type=Merchant.ShopType.TENANT), filters)


def tenant_get(*, platform: Merchant, shop_id: str) -> Merchant:
    tenant = one_or_none(
        Merchant.objects.select_related("platform").filter(
            platform=platform, shop_type=Merchant.ShopType.TENANT, public_id=shop_id
        )
    )
    if tenant is None:  # another platform's tenant is not found either
        raise PortalError(errors.SHOP_NOT_FOUND)
    return tenant


def _shops(queryset: QuerySet[Merchant], filters: dict[str, Any]) -> QuerySet[Merchant]:
    queryset = queryset.select_related("platform").prefetch_related("platform_fees")
    if filters.get("id"):
        queryset = queryset.filter(public_id=filters["id"])
    if filters.get("shop_name"):
        queryset = queryset.filter(name__icontains=filters["shop_name"])
    if filters.get("shop_mail_address"):
        queryset = queryset.filter(shop_mail_address__iexact=filters["shop_mail_address"])
    if filters.get("created_from"):
        queryset = queryset.filter(created_at__gte=day_start(filters["created_from"]))
    if filters.get("created_to"):
        queryset = queryset.filter(created_at__lte=day_end(filters["created_to"]))
    return apply_sort(queryset, filters.get("sort"), SHOP_SORT, area="23")


def platform_by_tenant_url(*, platform: Merchant, tenant_url_id: str) -> Merchant:
    """The calling platform, if ``tenant_url_id`` is its registration URL (else 404)."""
    if not platform.is_platform or platform.tenant_url_id != tenant_url_id:
        raise PortalError(errors.TENANT_URL_UNKNOWN)
    return platform


def fee_settings(shop: Merchant) -> dict[str, PlatformFee]:
    """The platform fees that apply to ``shop`` by fee class: a platform's standard ones, or for a
    tenant its individual ones over its platform's standard ones."""
    own = {fee.fee_class: fee for fee in shop.platform_fees.all()}
    if not shop.is_tenant or shop.platform is None:
        return own
    standard = {fee.fee_class: fee for fee in shop.platform.platform_fees.all()}
    return {**standard, **own}


def fee_for(*, tenant: Merchant, fee_class: str) -> PlatformFee | None:
    """The platform fee a tenant's payment of ``fee_class`` pays: its own, else its platform's."""
    if not tenant.is_tenant:
        return None
    rows = PlatformFee.objects.filter(merchant_id__in=[tenant.pk, tenant.platform_id], fee_class=fee_class)
    by_owner = {fee.merchant_id: fee for fee in rows}
    return by_owner.get(tenant.pk) or by_owner.get(tenant.platform_id or 0)

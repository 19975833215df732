"""A platform and one tenant (platform fee 2.5 % on cards), for the settlements tests."""

from __future__ import annotations

from portal.models import Merchant, PlatformFee
from tests.support import MerchantKeys, make_merchant


def platform_and_tenant() -> tuple[MerchantKeys, MerchantKeys]:
    platform = make_merchant(name="Mall", approved=True)
    Merchant.objects.filter(pk=platform.merchant.pk).update(shop_type=Merchant.ShopType.PLATFORM)
    tenant = make_merchant(name="Tenant", approved=True)
    Merchant.objects.filter(pk=tenant.merchant.pk).update(shop_type="tenant", platform=platform.merchant)
    PlatformFee.objects.create(merchant=platform.merchant, fee_class="vm", rate="2.500", fixed_fee=0)
    return platform, tenant

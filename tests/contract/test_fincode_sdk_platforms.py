"""fincode's Node.js SDK, unchanged, drives a platform shop and its tenants over HTTP (gunicorn)."""

import pytest

from payments.platforms import services as platform_services
from portal.models import Merchant, PlatformFee
from tests.contract.conftest import run_flow
from tests.support import make_merchant

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


def test_fincode_node_sdk_platform_and_tenants(sdk_server):
    platform = make_merchant(name="SDK mall")
    platform.merchant = platform_services.platform_enable(merchant=platform.merchant, actor=None)
    platform.owner.set_password(PASSWORD)
    platform.owner.save()
    steps = run_flow(
        "flow_platforms.js",
        sdk_server,
        platform,
        platform.merchant.public_id,
        platform.merchant.tenant_url_id,
        platform.owner.email,
        PASSWORD,
    )
    assert list(steps) == ["platform", "tenants", "tenant", "errors", "done"]
    assert steps["tenant"] == {**steps["tenant"], "total": 2, "rate": 3, "fixed_fee": 10}
    tenants = Merchant.objects.filter(platform=platform.merchant, shop_type=Merchant.ShopType.TENANT)
    assert {t.public_id for t in tenants} == {steps["tenants"]["new_tenant"], steps["tenants"]["joined"]}
    fee = PlatformFee.objects.get(merchant__public_id=steps["tenants"]["new_tenant"], fee_class="vm")
    assert (str(fee.rate.normalize()), fee.fixed_fee) == ("3", 10)
    assert PlatformFee.objects.get(merchant=platform.merchant, fee_class="vm").rate.normalize() == 2.5

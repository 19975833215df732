"""fincode's Node.js SDK, unchanged, reads settlements over HTTP (gunicorn): a tenant's accounts
through its platform (Tenant-Shop-Id) and the platform's platform-fee income. The statements are
fixed by the settlement run from Python first."""

from datetime import date

import pytest

from payments.settlements import services
from payments.settlements.models import PlatformStatement, Statement
from portal.models import Contract, Merchant, PlatformFee
from tests.contract.conftest import run_flow
from tests.payments.conftest import acquirer_in_process  # noqa: F401  (payments taken in-process)
from tests.payments.helpers import execute, register, token
from tests.support import ApiClient, make_merchant

pytestmark = pytest.mark.django_db(transaction=True)


def test_fincode_node_sdk_reads_accounts_and_platform_accounts(sdk_server):
    platform = make_merchant(name="SDK mall")
    Merchant.objects.filter(pk=platform.merchant.pk).update(shop_type="platform")
    tenant = make_merchant(name="SDK tenant")
    Merchant.objects.filter(pk=tenant.merchant.pk).update(shop_type="tenant", platform=platform.merchant)
    PlatformFee.objects.create(merchant=platform.merchant, fee_class="vm", rate="2.000", fixed_fee=0)
    Contract.objects.filter(merchant=tenant.merchant).update(fee_rate_bps=360, fixed_fee=0)
    api = ApiClient(tenant.test_secret)
    payment = register(api, amount="3000", job_code="CAPTURE")
    assert execute(api, payment, token(api)).status_code == 200
    services.settlement_run(today=date(2100, 1, 1))
    statement = Statement.objects.get(merchant=tenant.merchant)
    income = PlatformStatement.objects.get(platform=platform.merchant)

    steps = run_flow("flow_settlements.js", sdk_server, platform, tenant.merchant.public_id)
    assert list(steps) == ["list", "retrieve", "detail", "platform", "summary", "done"]
    # fee 108 + tax 10; platform fee 60 + tax 6
    assert steps["list"] == {
        **steps["list"],
        "id": statement.public_id,
        "total_amount": 3000,
        "deposit_amount": 2816,
    }
    assert steps["retrieve"] == {
        **steps["retrieve"], "shop_id": tenant.merchant.public_id, "platform_fee_amount": 60, "status_code": 3002,
    }  # fmt: skip
    assert steps["detail"]["lines"] == [[1, "VM", 3000, 108, 60]]
    assert steps["platform"] == {**steps["platform"], "platform_fee_amount": 60, "deposit_amount": 66}
    assert steps["summary"]["rows"] == [[tenant.merchant.public_id, 66, [statement.public_id]]]
    assert income.deposit_amount == 66

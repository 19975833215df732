"""Platforms and tenant shops: creating tenants, fees per class, lists, and the isolation a
platform's ``Tenant-Shop-Id`` must keep (attacks included)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from payments.models import Payment
from payments.platforms import services as platform_services
from payments.platforms.models import TenantAccessToken
from portal.models import AuditEvent, Membership, Merchant, PlatformFee, User
from tests.payments.helpers import execute, register, token
from tests.support import ApiClient, error_codes, make_merchant, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def platform():
    keys = make_merchant(name="Mall")
    keys.merchant = platform_services.platform_enable(merchant=keys.merchant, actor=None)
    return keys


@pytest.fixture
def papi(platform) -> ApiClient:
    return ApiClient(platform.test_secret)


def make_tenant(platform, name: str = "Tenant"):
    """An examined tenant shop of ``platform`` (every method contracted), with its own test keys."""
    keys = make_merchant(name=name, approved=True)
    Merchant.objects.filter(pk=keys.merchant.pk).update(
        shop_type=Merchant.ShopType.TENANT, platform=platform.merchant
    )
    keys.merchant.refresh_from_db()
    return keys


def entry(papi, platform, email="owner@tenant.example", name="Tenant One"):
    return papi.call(
        "POST",
        "/v1/tenant_entries",
        {
            "tenant_url_id": platform.merchant.tenant_url_id,
            "email": email,
            "name": name,
            "password": PASSWORD,
        },
    )


def test_tenant_entry_creates_an_owner_a_shop_and_a_one_time_sign_in_link(client, papi, platform):
    response = entry(papi, platform)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert len(body["access_token"]) == 112
    assert {"auth_id", "endpoint", "method"} <= set(body["authorities"][0])
    shop_id = body["user_data"]["default_shop_id"]
    tenant = Merchant.objects.get(public_id=shop_id)
    assert tenant.is_tenant and tenant.platform_id == platform.merchant.pk
    assert Membership.objects.filter(merchant=tenant, user__email="owner@tenant.example").exists()
    assert TenantAccessToken.objects.get(merchant=tenant).token_hash != body["access_token"]  # hashed at rest

    link = f"/tenant-sign-in/{body['access_token']}/"
    assert client.get(link).status_code == 200  # a mail scanner's GET spends nothing
    first = client.post(link)
    assert first.status_code == 302 and shop_id in first["Location"]
    client.logout()
    assert client.post(link).status_code == 400  # once only


def test_an_expired_sign_in_link_is_refused(client, papi, platform):
    body = entry(papi, platform).json()
    TenantAccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.post(f"/tenant-sign-in/{body['access_token']}/").status_code == 400


def test_tenant_entry_input_errors_are_4xx_and_write_nothing(papi, platform):
    assert entry(papi, platform).status_code == 200
    users, shops = User.objects.count(), Merchant.objects.count()
    duplicate = entry(papi, platform)
    assert duplicate.status_code == 400
    wrong_url = papi.call(
        "POST",
        "/v1/tenant_entries",
        {"tenant_url_id": "tu_nope", "email": "x@example.com", "name": "X", "password": PASSWORD},
    )
    assert wrong_url.status_code == 404
    assert papi.call("POST", "/v1/tenant_entries", {"tenant_url_id": 7}).status_code == 400
    assert (User.objects.count(), Merchant.objects.count()) == (users, shops)


def test_join_tenants_needs_a_user_of_the_platform_and_is_throttled(papi, platform, settings):
    url_id = platform.merchant.tenant_url_id
    joined = papi.call(
        "POST", "/v1/join_tenants", {"tenant_url_id": url_id, "email": platform.owner.email, "password": "pw"}
    )
    assert joined.status_code == 401
    platform.owner.set_password(PASSWORD)
    platform.owner.save()
    ok = papi.call(
        "POST",
        "/v1/join_tenants",
        {"tenant_url_id": url_id, "email": platform.owner.email, "password": PASSWORD},
    )
    assert ok.status_code == 200, ok.json()
    assert Merchant.objects.get(public_id=ok.json()["id"]).platform_id == platform.merchant.pk

    outsider = make_user(email="outsider@example.com")
    outsider.set_password(PASSWORD)
    outsider.save()
    refused = papi.call(
        "POST", "/v1/join_tenants", {"tenant_url_id": url_id, "email": outsider.email, "password": PASSWORD}
    )
    assert refused.status_code == 401  # a user of no platform shop cannot join by guessing

    settings.API_AUTH_FAILURES_PER_MINUTE = 3
    answers = [
        papi.call(
            "POST", "/v1/join_tenants", {"tenant_url_id": url_id, "email": "a@b.example", "password": "x"}
        )
        for _ in range(5)
    ]
    assert answers[-1].status_code == 429 and answers[-1]["Retry-After"] == "60"


def test_tenant_list_and_detail_show_only_the_platforms_own_tenants(papi, platform):
    mine = [make_tenant(platform, f"Tenant {i}") for i in range(3)]
    other_platform = make_merchant(name="Other mall")
    other_platform.merchant = platform_services.platform_enable(merchant=other_platform.merchant, actor=None)
    foreign = make_tenant(other_platform, "Foreign")

    listed = papi.call("GET", "/v1/tenants?limit=2&sort=created desc").json()
    assert listed["total_count"] == 3 and len(listed["list"]) == 2
    ids = {shop["id"] for shop in papi.call("GET", "/v1/tenants").json()["list"]}
    assert ids == {t.merchant.public_id for t in mine}
    assert papi.call("GET", "/v1/tenants?count_only=true").json()["total_count"] == 3
    assert papi.call("GET", f"/v1/tenants?id={mine[0].merchant.public_id}").json()["total_count"] == 1

    assert papi.call("GET", f"/v1/tenants/{mine[0].merchant.public_id}").status_code == 200
    assert papi.call("GET", f"/v1/tenants/{foreign.merchant.public_id}").status_code == 404
    assert papi.call("PUT", f"/v1/tenants/{foreign.merchant.public_id}", {}).status_code == 404
    assert papi.call("GET", f"/v1/platforms/{other_platform.merchant.public_id}").status_code == 404
    assert papi.call("GET", "/v1/tenants?limit=0").status_code == 400


def test_platform_fees_per_class_set_read_and_clear(papi, platform):
    tenant = make_tenant(platform)
    path = f"/v1/tenants/{tenant.merchant.public_id}"
    answer = papi.call(
        "PUT", path, {"examination_master_id": "vm", "platform_rate": "2.5", "fixed_fee": "30"}
    )
    assert answer.status_code == 200, answer.json()
    fee = PlatformFee.objects.get(merchant=tenant.merchant, fee_class="vm")
    assert (fee.rate, fee.fixed_fee) == (Decimal("2.5"), 30)
    rates = {rate["id"]: rate for rate in answer.json()["platform_rate_list"]}
    assert rates["vm"]["platform_rate"] == 2.5 and rates["vm"]["fixed_fee"] == 30
    assert AuditEvent.objects.filter(action="platform_fee.updated").exists()

    for bad in ({"platform_rate": "2.5"}, {"examination_master_id": "vm", "platform_rate": "101"},
                {"examination_master_id": "vm", "platform_rate": "1.2345"},
                {"examination_master_id": "nope", "platform_rate": "1"}):  # fmt: skip
        assert papi.call("PUT", path, bad).status_code == 400, bad
    assert PlatformFee.objects.get(merchant=tenant.merchant, fee_class="vm").rate == Decimal("2.5")

    cleared = papi.call("PUT", path, {"examination_master_id": "vm", "platform_rate": None})
    assert cleared.status_code == 200
    assert PlatformFee.objects.get(merchant=tenant.merchant, fee_class="vm").rate is None


# --- isolation: Tenant-Shop-Id ---------------------------------------------------------------


def test_a_platform_acts_for_its_tenant_and_only_its_tenant(papi, platform):
    tenant = make_tenant(platform)
    as_tenant = {"Tenant-Shop-Id": tenant.merchant.public_id}
    created = papi.call("POST", "/v1/payments", {"pay_type": "Card", "job_code": "AUTH", "amount": "900"},
                        headers=as_tenant)  # fmt: skip
    assert created.status_code == 200, created.json()
    assert Payment.objects.get(order_id=created.json()["id"]).merchant_id == tenant.merchant.pk
    assert created.json()["shop_id"] == tenant.merchant.public_id

    # the platform's own view does not show the tenant's payment, the tenant's view does
    own = papi.call("GET", "/v1/payments?pay_type=Card").json()
    assert created.json()["id"] not in {p["id"] for p in own["list"]}
    listed = papi.call("GET", "/v1/payments?pay_type=Card", headers=as_tenant).json()
    assert created.json()["id"] in {p["id"] for p in listed["list"]}
    tenant_api = ApiClient(tenant.test_secret)
    assert tenant_api.call("GET", f"/v1/payments/{created.json()['id']}?pay_type=Card").status_code == 200


def test_tenant_shop_id_attacks_are_refused(papi, platform):
    tenant = make_tenant(platform)
    sibling = make_tenant(platform, "Sibling")
    other_platform = make_merchant(name="Other mall")
    other_platform.merchant = platform_services.platform_enable(merchant=other_platform.merchant, actor=None)
    foreign = make_tenant(other_platform, "Foreign")
    standard = make_merchant(name="Plain shop")

    # a standard shop's key may not name a tenant
    plain = ApiClient(standard.test_secret)
    refused = plain.call(
        "GET", "/v1/payments?pay_type=Card", headers={"Tenant-Shop-Id": tenant.merchant.public_id}
    )
    assert refused.status_code == 403 and error_codes(refused) == ["E0100000008"]
    # a platform may not name another platform's tenant, nor a shop that does not exist
    for shop_id in (foreign.merchant.public_id, "mc_doesnotexist", other_platform.merchant.public_id,
                    standard.merchant.public_id):  # fmt: skip
        answer = papi.call("GET", "/v1/payments?pay_type=Card", headers={"Tenant-Shop-Id": shop_id})
        assert answer.status_code == 404 and error_codes(answer) == ["E0100000009"], shop_id
    # a tenant's key may not name its sibling (nor itself as a platform would)
    tenant_api = ApiClient(tenant.test_secret)
    for shop_id in (sibling.merchant.public_id, tenant.merchant.public_id):
        answer = tenant_api.call("GET", "/v1/payments?pay_type=Card", headers={"Tenant-Shop-Id": shop_id})
        assert answer.status_code == 403, shop_id

    # a sibling's payment is not found through another tenant
    paid = papi.call("POST", "/v1/payments", {"pay_type": "Card", "job_code": "AUTH", "amount": "500"},
                     headers={"Tenant-Shop-Id": sibling.merchant.public_id}).json()  # fmt: skip
    wrong = papi.call("GET", f"/v1/payments/{paid['id']}?pay_type=Card",
                      headers={"Tenant-Shop-Id": tenant.merchant.public_id})  # fmt: skip
    assert wrong.status_code == 404
    assert tenant_api.call("GET", f"/v1/payments/{paid['id']}?pay_type=Card").status_code == 404

    # platform-only endpoints refuse tenants and standard shops
    for client in (tenant_api, plain):
        for path in ("/v1/tenants", "/v1/platforms"):
            assert client.call("GET", path).status_code == 403, path


def test_a_tenant_payment_posts_the_platform_fee_in_the_ledger(papi, platform):
    from payments.settlements.models import Posting

    tenant = make_tenant(platform)
    PlatformFee.objects.create(merchant=tenant.merchant, fee_class="vm", rate="3", fixed_fee=10)
    client = ApiClient(platform.test_secret)
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {platform.test_secret}", HTTP_TENANT_SHOP_ID=tenant.merchant.public_id
    )
    public = ApiClient(platform.test_public)
    public.credentials(
        HTTP_AUTHORIZATION=f"Bearer {platform.test_public}", HTTP_TENANT_SHOP_ID=tenant.merchant.public_id
    )
    payment = register(client, amount="2000", job_code="CAPTURE")
    answer = execute(client, payment, token(public))
    assert answer.status_code == 200, answer.json()
    posting = Posting.objects.get(order_id=payment["id"])
    assert posting.merchant_id == tenant.merchant.pk
    assert (posting.amount, posting.platform_fee) == (2000, 60)  # max(3 % of 2000, 10)


def test_an_operator_makes_a_shop_a_platform_in_the_admin(client):
    shop = make_merchant(name="Future mall")
    operator = make_user(email="op@example.com", is_staff=True, is_superuser=True)
    client.force_login(operator)
    answer = client.post(
        "/admin/portal/merchant/",
        {"action": "make_platform", "_selected_action": [shop.merchant.pk]},
        follow=True,
    )
    assert answer.status_code == 200
    shop.merchant.refresh_from_db()
    assert shop.merchant.is_platform and len(shop.merchant.tenant_url_id) == 25
    assert AuditEvent.objects.filter(action="merchant.platform_enabled").count() == 1
    client.post(
        "/admin/portal/merchant/", {"action": "make_platform", "_selected_action": [shop.merchant.pk]}
    )
    assert AuditEvent.objects.filter(action="merchant.platform_enabled").count() == 1  # once only

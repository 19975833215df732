"""``/v1/platforms``, ``/v1/tenants``, ``/v1/tenant_entries``, ``/v1/join_tenants`` (fincode's),
for a platform shop's secret key acting for itself: thin views over the services."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited  # type: ignore[import-untyped]
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from payments.api.views import IDEMPOTENCY_HEADERS, MerchantApiView, list_answer, valid_data
from payments.platforms import errors, selectors, services
from payments.platforms import serializers as s
from portal.api.permissions import PlatformKeyRequired
from portal.errors import PortalError

# What a tenant owner may call with the tenant's keys (fincode's ``authorities``).
TENANT_AUTHORITIES = [
    (1, "/v1/payments", "GET"), (2, "/v1/payments", "POST"), (3, "/v1/payments/{id}", "GET"),
    (4, "/v1/payments/{id}", "PUT"), (5, "/v1/payments/{id}/capture", "PUT"),
    (6, "/v1/payments/{id}/cancel", "PUT"), (7, "/v1/payments/{id}/auth", "PUT"),
    (8, "/v1/payments/{id}/change", "PUT"), (9, "/v1/customers", "GET"), (10, "/v1/customers", "POST"),
    (11, "/v1/customers/{id}", "GET"), (12, "/v1/customers/{id}", "PUT"), (13, "/v1/customers/{id}", "DELETE"),
    (14, "/v1/customers/{id}/cards", "GET"), (15, "/v1/customers/{id}/cards", "POST"),
    (16, "/v1/webhook_settings", "GET"), (17, "/v1/webhook_settings", "POST"),
    (18, "/v1/accounts", "GET"), (19, "/v1/accounts/{id}", "GET"), (20, "/v1/shop_charge_backs", "GET"),
]  # fmt: skip


class PlatformApiView(MerchantApiView):
    error_area = "23"
    permission_classes = [PlatformKeyRequired]


class PlatformsView(PlatformApiView):
    @extend_schema(
        operation_id="retrievePlatformShopList",
        parameters=[s.ShopListQuery],
        responses=s.ShopList,
        tags=["Platforms"],
    )
    def get(self, request):
        query = valid_data(s.ShopListQuery, request.query_params)
        return list_answer(
            request, selectors.platform_list(platform=self.merchant, filters=query), query, s.ShopResponse
        )


class PlatformDetailView(PlatformApiView):
    @extend_schema(operation_id="retrievePlatformShop", responses=s.ShopResponse, tags=["Platforms"])
    def get(self, request, id: str):
        return Response(s.ShopResponse(selectors.platform_get(platform=self.merchant, shop_id=id)).data)

    @extend_schema(
        operation_id="updatePlatformShop",
        request=s.PlatformUpdateRequest,
        responses=s.ShopResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Platforms"],
    )
    def put(self, request, id: str):
        platform = selectors.platform_get(platform=self.merchant, shop_id=id)
        data = valid_data(s.PlatformUpdateRequest, request.data)
        services.shop_update(shop=platform, data=data, actor=request.auth)
        return Response(s.ShopResponse(selectors.platform_get(platform=self.merchant, shop_id=id)).data)


class TenantsView(PlatformApiView):
    @extend_schema(
        operation_id="retrieveTenantShopList",
        parameters=[s.ShopListQuery],
        responses=s.ShopList,
        tags=["Platforms"],
    )
    def get(self, request):
        query = valid_data(s.ShopListQuery, request.query_params)
        return list_answer(
            request, selectors.tenant_list(platform=self.merchant, filters=query), query, s.ShopResponse
        )


class TenantDetailView(PlatformApiView):
    @extend_schema(operation_id="retrieveTenantShop", responses=s.ShopResponse, tags=["Platforms"])
    def get(self, request, id: str):
        return Response(s.ShopResponse(selectors.tenant_get(platform=self.merchant, shop_id=id)).data)

    @extend_schema(
        operation_id="updateTenantShop",
        request=s.TenantUpdateRequest,
        responses=s.ShopResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Platforms"],
    )
    def put(self, request, id: str):
        tenant = selectors.tenant_get(platform=self.merchant, shop_id=id)
        data = valid_data(s.TenantUpdateRequest, request.data)
        services.shop_update(shop=tenant, data=data, actor=request.auth)
        return Response(s.ShopResponse(selectors.tenant_get(platform=self.merchant, shop_id=id)).data)


class TenantEntriesView(PlatformApiView):
    @extend_schema(
        operation_id="createTenantWithNewUser",
        request=s.TenantEntryRequest,
        responses=s.TenantEntryResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Platforms"],
    )
    def post(self, request):
        data = valid_data(s.TenantEntryRequest, request.data)
        platform = selectors.platform_by_tenant_url(
            platform=self.merchant, tenant_url_id=data["tenant_url_id"]
        )
        entry = services.tenant_entry_create(
            platform=platform,
            email=data["email"],
            name=data["name"],
            password=data["password"],
            actor=request.auth,
        )
        authorities = [{"auth_id": i, "endpoint": e, "method": m} for i, e, m in TENANT_AUTHORITIES]
        return Response({
            "access_token": entry.access_token,
            "authorities": authorities,
            "user_data": s.UserResponse(entry.user, context={"tenant": entry.tenant}).data,
        })  # fmt: skip


def _join_key(group, request) -> str:
    return f"{request.user_platform}:{request.join_email}"


class JoinTenantsView(PlatformApiView):
    @extend_schema(
        operation_id="createTenantWithExistingUser",
        request=s.JoinTenantRequest,
        responses=s.ShopResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Platforms"],
    )
    def post(self, request):
        data = valid_data(s.JoinTenantRequest, request.data)
        platform = selectors.platform_by_tenant_url(
            platform=self.merchant, tenant_url_id=data["tenant_url_id"]
        )
        # A password is checked here: failures per platform and address are limited like sign-in.
        django_request = request._request
        django_request.user_platform, django_request.join_email = platform.pk, data["email"].lower()
        rate = f"{settings.API_AUTH_FAILURES_PER_MINUTE}/m"
        if is_ratelimited(django_request, group="tenant-join", key=_join_key, rate=rate, increment=False):
            raise PortalError(errors.JOIN_TOO_MANY_FAILURES, headers={"Retry-After": "60"})
        user = services.platform_user(platform=platform, email=data["email"], password=data["password"])
        if user is None:
            is_ratelimited(django_request, group="tenant-join", key=_join_key, rate=rate, increment=True)
            raise PortalError(errors.JOIN_REFUSED)
        tenant = services.tenant_join(platform=platform, user=user, actor=request.auth)
        return Response(
            s.ShopResponse(selectors.tenant_get(platform=platform, shop_id=tenant.public_id)).data
        )


@require_http_methods(["GET", "POST"])
def tenant_sign_in(request, token: str):
    """The one-time link a platform hands its new tenant owner (``access_token``). A GET only
    shows a button (mail scanners follow links); the POST spends the link and signs in."""
    if request.method == "GET":
        return render(request, "platforms/sign_in.html")
    try:
        used = services.access_token_use(token=token)
    except PortalError as exc:
        return render(
            request, "portal/message.html", {"title": "Link not valid", "text": exc.message}, status=400
        )
    login(request, used.user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(reverse("merchant-dashboard", kwargs={"merchant_id": used.merchant.public_id}))

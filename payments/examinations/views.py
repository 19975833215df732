"""fincode's examination API for platforms (``/v1/contracts/…``): thin views over the services.

Only a platform's secret key may call it, about one of its own tenants: acting for itself, or
with ``Tenant-Shop-Id`` naming that same tenant (fincode's samples send it; its Node SDK does not).
Another platform's tenant, or any other shop, is answered as a tenant that does not exist.
"""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from payments.api.views import MerchantApiView
from payments.examinations import errors, selectors, services
from portal import errors as portal_errors
from portal.api.authentication import ApiPrincipal
from portal.api.parsers import JSONParser
from portal.api.permissions import SecretKeyRequired
from portal.errors import PortalError
from portal.models import Merchant

TAGS = ["Examinations"]


class PlatformForTenant(SecretKeyRequired):
    """A platform's secret key, with or without ``Tenant-Shop-Id``."""

    def has_permission(self, request, view) -> bool:
        super().has_permission(request, view)
        principal = request.user
        if not (principal.platform or principal.merchant).is_platform:
            raise PortalError(portal_errors.AUTH_PLATFORM_ONLY)
        return True


class ExaminationApiView(MerchantApiView):
    error_area = "24"
    permission_classes = [PlatformForTenant]

    def tenant(self, tenant_id: str) -> Merchant:
        principal = cast(ApiPrincipal, self.request.user)
        tenant = selectors.tenant_get(platform=principal.platform or principal.merchant, tenant_id=tenant_id)
        if principal.platform is not None and principal.merchant.pk != tenant.pk:
            raise PortalError(errors.TENANT_HEADER_MISMATCH)
        return tenant


class ExaminationInfoV2View(ExaminationApiView):
    @extend_schema(operation_id="retrieveTenantExaminationInfoV2", responses=dict, tags=TAGS)
    def get(self, request, id: str):
        return Response(selectors.info_v2(self.tenant(id)))

    @extend_schema(operation_id="updateTenantExaminationInfoV2", request=dict, responses=dict, tags=TAGS)
    def put(self, request, id: str):
        tenant = self.tenant(id)
        services.examination_update_v2(tenant=tenant, data=request.data, actor=request.auth)
        return Response(selectors.info_v2(tenant))


class ExaminationInfoView(ExaminationApiView):
    @extend_schema(operation_id="retrieveTenantExaminationInfo", responses=dict, tags=TAGS, deprecated=True)
    def get(self, request, id: str):
        return Response(selectors.info_v1(self.tenant(id)))

    @extend_schema(
        operation_id="updateTenantExaminationInfo", request=dict, responses=dict, tags=TAGS, deprecated=True
    )
    def put(self, request, id: str):
        tenant = self.tenant(id)
        services.examination_update_v1(tenant=tenant, data=request.data, actor=request.auth)
        return Response(selectors.info_v1(tenant))


class ExaminationFilesView(ExaminationApiView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(operation_id="uploadExaminationFile", request=dict, responses=dict, tags=TAGS)
    def post(self, request, id: str):
        tenant = self.tenant(id)
        accepted = services.examination_file_add(
            tenant=tenant,
            file_type=request.data.get("type"),
            upload=request.FILES.get("data"),
            actor=request.auth,
        )
        return Response(
            {
                "examination_files": [
                    {
                        "shop_id": tenant.public_id,
                        "type": accepted.file_type,
                        "filename": accepted.document.original_name,
                        "filesize": accepted.document.size,
                    }
                ]
            }
        )


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise services.validation.field_error("body", "invalid", "must be an object")
    return request.data


def _flag(data, name: str) -> bool:
    value = data.get(name, False)
    if value in (True, False):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise services.validation.field_error(name, "invalid", "must be true or false")


class ExaminationRequestView(ExaminationApiView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]  # fincode documents a form, sends JSON

    @extend_schema(operation_id="requestProductionEnvironment", request=dict, responses=dict, tags=TAGS)
    def post(self, request):
        principal = cast(ApiPrincipal, request.user)
        data = _body(request)
        shop_id = data.get("shop_id") or (principal.merchant.public_id if principal.platform else None)
        if not isinstance(shop_id, str) or not shop_id:
            raise services.validation.field_error("shop_id", "required")
        tenant = self.tenant(shop_id)
        immediate = _flag(data, "enable_immediate_use")
        for name in ("force_credit_check_skip", "use_gmo_sign"):
            _flag(data, name)  # accepted and checked; nothing here depends on them
        services.examination_request(tenant=tenant, enable_immediate_use=immediate, actor=request.auth)
        # 1: requested; 3: requested, but immediate use is not granted (the review decides).
        return Response({"shop_id": tenant.public_id, "status_code": 3 if immediate else 1})


class ProviderReserveView(ExaminationApiView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(operation_id="reserveProvider", request=dict, responses=dict, tags=TAGS)
    def post(self, request, id: str):
        tenant = self.tenant(id)
        data = _body(request)
        providers = data.getlist("provider") if hasattr(data, "getlist") else data.get("provider")
        reservations = services.providers_reserve(tenant=tenant, providers=providers, actor=request.auth)
        return Response(
            {
                "reservation_list": [
                    {"reservation_id": r.reservation_id, "shop_id": tenant.public_id, "provider": r.provider}
                    for r in reservations
                ]
            }
        )


class ContractView(ExaminationApiView):
    @extend_schema(operation_id="retrieveTenantContract", responses=dict, tags=TAGS)
    def get(self, request, id: str):
        return Response(selectors.contract(self.tenant(id)))

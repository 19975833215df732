"""fincode's ``/v1/webhook_settings`` (CRUD), scoped to the key's merchant and mode."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from payments import errors
from payments.api.serializers import FincodeTime
from payments.api.views import IDEMPOTENCY_HEADERS, MerchantApiView, valid_data
from payments.webhooks import secrets, services
from payments.webhooks.events import EVENTS
from payments.webhooks.models import WebhookSetting
from portal.errors import PortalError

SIGNATURE_PATTERN = r"^[\x20-\x7e]*$"  # printable ASCII: a header value (payments/webhooks/outbound.py)


class WebhookSettingRequest(serializers.Serializer):
    id = serializers.RegexField(r"^[A-Za-z0-9_\-]{1,50}$", max_length=50, required=False, allow_null=True)
    url = serializers.URLField(max_length=2000)
    event = serializers.ChoiceField(choices=EVENTS)
    signature = serializers.RegexField(
        SIGNATURE_PATTERN,
        max_length=60,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Sent as the Fincode-Signature header: printable ASCII, no line break.",
        error_messages={"invalid": "must be printable ASCII without line breaks"},
    )


class WebhookSettingUpdateRequest(serializers.Serializer):
    url = serializers.URLField(max_length=2000, required=False, allow_null=True)
    event = serializers.ChoiceField(choices=EVENTS, required=False, allow_null=True)
    signature = serializers.RegexField(
        SIGNATURE_PATTERN,
        max_length=60,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Sent as the Fincode-Signature header: printable ASCII, no line break.",
        error_messages={"invalid": "must be printable ASCII without line breaks"},
    )


class WebhookSettingResponse(serializers.Serializer):
    id = serializers.CharField(source="setting_id")
    url = serializers.CharField()
    event = serializers.CharField()
    signature = serializers.CharField(allow_null=True)
    signing_secret = serializers.SerializerMethodField(
        help_text="Extension: the HMAC-SHA256 secret of the Webhook-Signature header (docs/webhooks.md)."
    )
    created = FincodeTime()
    updated = FincodeTime()

    def get_signing_secret(self, setting: WebhookSetting) -> str:
        return secrets.current(setting.merchant_id, setting.mode).secret


class WebhookSettingList(serializers.Serializer):
    list = WebhookSettingResponse(many=True)


class WebhookSettingDeleted(serializers.Serializer):
    id = serializers.CharField()
    delete_flag = serializers.CharField()


class WebhookSettingsView(MerchantApiView):
    error_area = "14"

    @extend_schema(
        operation_id="createWebhookSetting",
        summary="Register a webhook setting",
        request=WebhookSettingRequest,
        responses=WebhookSettingResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Webhooks"],
    )
    def post(self, request):
        data = valid_data(WebhookSettingRequest, request.data)
        setting = services.webhook_setting_create(merchant=self.merchant, mode=self.mode, data=data)
        return Response(WebhookSettingResponse(setting).data)

    @extend_schema(
        operation_id="retrieveWebhookSettingList",
        summary="List webhook settings",
        responses=WebhookSettingList,
        tags=["Webhooks"],
    )
    def get(self, request):
        settings = WebhookSetting.objects.filter(
            merchant=self.merchant, mode=self.mode, deleted_at__isnull=True
        ).order_by("created", "id")
        return Response({"list": WebhookSettingResponse(settings, many=True).data})


class WebhookSettingDetailView(MerchantApiView):
    error_area = "14"

    def setting(self, setting_id: str) -> WebhookSetting:
        found = WebhookSetting.objects.filter(
            merchant=self.merchant, mode=self.mode, setting_id=setting_id, deleted_at__isnull=True
        ).first()
        if found is None:
            raise PortalError(errors.WEBHOOK_SETTING_NOT_FOUND)
        return found

    @extend_schema(operation_id="retrieveWebhookSetting", responses=WebhookSettingResponse, tags=["Webhooks"])
    def get(self, request, setting_id: str):
        return Response(WebhookSettingResponse(self.setting(setting_id)).data)

    @extend_schema(
        operation_id="updateWebhookSetting",
        request=WebhookSettingUpdateRequest,
        responses=WebhookSettingResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Webhooks"],
    )
    def put(self, request, setting_id: str):
        data = valid_data(WebhookSettingUpdateRequest, request.data)
        setting = services.webhook_setting_update(setting=self.setting(setting_id), data=data)
        return Response(WebhookSettingResponse(setting).data)

    @extend_schema(operation_id="deleteWebhookSetting", responses=WebhookSettingDeleted, tags=["Webhooks"])
    def delete(self, request, setting_id: str):
        services.webhook_setting_delete(setting=self.setting(setting_id))
        return Response({"id": setting_id, "delete_flag": "1"})

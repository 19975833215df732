"""Requests and answers of ``/v1/platforms``, ``/v1/tenants``, ``/v1/tenant_entries`` and
``/v1/join_tenants``, as fincode's contract defines them (``Shop``, ``PlatformRateConfig``, …)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments.api.serializers import FincodeDay, NumericString, fincode_time, sort_field
from payments.methods.registry import fee_classes
from payments.platforms import selectors
from payments.selectors import parse_day
from portal.api.serializers import RequestSerializer, StrictIntegerField
from portal.models import Merchant, PlatformFee


@extend_schema_field({"type": "string", "pattern": r"^(100|[0-9]{1,2})(\.[0-9]{1,3})?$", "example": "2.5"})
class PercentString(serializers.Field):
    """A rate in percent as fincode sends it: a string ("2.5") or a number; 0–100, three decimals."""

    default_error_messages = {
        "invalid": 'must be a percentage from 0 to 100 with at most 3 decimals (e.g. "2.5")'
    }

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, int | float | str):
            self.fail("invalid")
        try:
            value = Decimal(str(data).strip())
        except InvalidOperation:
            self.fail("invalid")
        exponent = value.as_tuple().exponent
        if not value.is_finite() or not 0 <= value <= 100 or (isinstance(exponent, int) and exponent < -3):
            self.fail("invalid")
        return value

    def to_representation(self, value: Decimal) -> str:
        return str(value)


class ShopUpdateRequest(RequestSerializer):
    """The fee fields of ``PUT /v1/platforms/{id}`` and ``PUT /v1/tenants/{id}``."""

    examination_master_id = serializers.ChoiceField(choices=[], required=False, source="fee_class")
    platform_rate = PercentString(source="rate", required=False, allow_null=True)
    fixed_fee = NumericString(digits=9, required=False, allow_null=True)
    web_registration_fee = NumericString(digits=9, required=False, allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["examination_master_id"].choices = fee_classes()  # type: ignore[attr-defined]


class PlatformUpdateRequest(ShopUpdateRequest):
    examination_master_id = serializers.ChoiceField(choices=[], source="fee_class")  # required here


class TenantUpdateRequest(ShopUpdateRequest):
    paypay_content_category_type = serializers.RegexField(
        r"^[12]$",
        required=False,
        allow_null=True,
        source="paypay_content_category",
        help_text="PayPay's content category: 1 or 2.",
    )
    api_key_display_flag = serializers.ChoiceField(
        choices=["0", "1"], required=False, source="api_key_display"
    )

    def validate_paypay_content_category_type(self, value):
        return None if value is None else int(value)

    def validate_api_key_display_flag(self, value):
        return value == "1"


class ShopListQuery(serializers.Serializer):
    id = serializers.CharField(max_length=40, required=False)
    shop_name = serializers.CharField(max_length=200, required=False)
    shop_mail_address = serializers.CharField(max_length=255, required=False)
    created_from = FincodeDay(required=False)
    created_to = FincodeDay(required=False)
    sort = sort_field(selectors.SHOP_SORT)
    page = StrictIntegerField(min_value=1, max_value=1_000_000, required=False, default=1)
    limit = StrictIntegerField(min_value=1, max_value=100, required=False, default=20)
    count_only = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        for name in ("created_from", "created_to"):
            if attrs.get(name):
                attrs[name] = parse_day(attrs[name], area="23", field=name)
        return attrs


class PlatformRateResponse(serializers.Serializer):
    id = serializers.CharField(source="fee_class")
    platform_rate = serializers.SerializerMethodField()
    fixed_fee = serializers.IntegerField(allow_null=True)
    web_registration_fee = serializers.IntegerField(allow_null=True)
    paypay_content_category_type = serializers.IntegerField(source="paypay_content_category", allow_null=True)

    def get_platform_rate(self, fee: PlatformFee) -> float | None:
        # fincode answers a JSON number (``format: double``); the stored rate is an exact decimal
        # of at most three places, which a double carries exactly enough to print back.
        return None if fee.rate is None else float(fee.rate)


class ShopResponse(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    shop_name = serializers.CharField(source="name")
    shop_name_kana = serializers.SerializerMethodField()
    shop_type = serializers.SerializerMethodField()
    platform_id = serializers.SerializerMethodField()
    platform_name = serializers.SerializerMethodField()
    shop_mail_address = serializers.SerializerMethodField()
    send_mail_address = serializers.SerializerMethodField()
    api_key_display_flag = serializers.SerializerMethodField()
    shared_customer_flag = serializers.SerializerMethodField()
    customer_group_id = serializers.SerializerMethodField()
    log_keep_days = serializers.SerializerMethodField()
    api_version = serializers.SerializerMethodField()
    platform_rate_list = serializers.SerializerMethodField()
    created = serializers.SerializerMethodField()
    updated = serializers.SerializerMethodField()

    def _platform(self, shop: Merchant) -> Merchant | None:
        return shop.platform if shop.is_tenant else shop if shop.is_platform else None

    def get_shop_name_kana(self, shop: Merchant) -> str | None:
        return shop.name_kana or None

    def get_shop_type(self, shop: Merchant) -> str | None:
        return shop.shop_type or None

    def get_platform_id(self, shop: Merchant) -> str | None:
        platform = self._platform(shop)
        return platform.public_id if platform else None

    def get_platform_name(self, shop: Merchant) -> str | None:
        platform = self._platform(shop)
        return platform.name if platform else None

    def get_shop_mail_address(self, shop: Merchant) -> str | None:
        return shop.shop_mail_address or None

    def get_send_mail_address(self, shop: Merchant) -> str | None:
        return shop.send_mail_address or None

    def get_api_key_display_flag(self, shop: Merchant) -> str:
        return "1" if shop.api_key_display or not shop.is_tenant else "0"

    def get_shared_customer_flag(self, shop: Merchant) -> str:
        platform = self._platform(shop)
        return "1" if platform is not None and platform.shared_customers else "0"

    def get_customer_group_id(self, shop: Merchant) -> str | None:
        platform = self._platform(shop)
        return platform.public_id if platform is not None and platform.shared_customers else None

    def get_log_keep_days(self, shop: Merchant) -> str | None:
        return None

    def get_api_version(self, shop: Merchant) -> str | None:
        return None

    @extend_schema_field(PlatformRateResponse(many=True))
    def get_platform_rate_list(self, shop: Merchant) -> Any:
        fees = selectors.fee_settings(shop)
        return PlatformRateResponse([fees[key] for key in sorted(fees)], many=True).data

    def get_created(self, shop: Merchant) -> str | None:
        return fincode_time(shop.created_at)

    def get_updated(self, shop: Merchant) -> str | None:
        return fincode_time(shop.updated_at)


class ShopList(serializers.Serializer):
    total_count = serializers.IntegerField()
    last_page = serializers.IntegerField()
    current_page = serializers.IntegerField()
    limit = serializers.IntegerField()
    link_next = serializers.CharField(allow_null=True)
    link_previous = serializers.CharField(allow_null=True)
    list = ShopResponse(many=True)


class TenantEntryRequest(RequestSerializer):
    tenant_url_id = serializers.CharField(max_length=25)
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=384)
    password = serializers.CharField(min_length=12, max_length=254, trim_whitespace=False)


class JoinTenantRequest(RequestSerializer):
    tenant_url_id = serializers.CharField(max_length=25)
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=254, trim_whitespace=False)


class UserResponse(serializers.Serializer):
    """fincode's ``User``: the tenant owner the entry created."""

    id = serializers.CharField(source="public_id")
    email = serializers.EmailField()
    name = serializers.CharField(source="full_name")
    role_id = serializers.SerializerMethodField()
    default_shop_id = serializers.SerializerMethodField()
    type = serializers.SerializerMethodField()
    account_status = serializers.SerializerMethodField()
    invite_status = serializers.SerializerMethodField()
    mail_auth_status = serializers.SerializerMethodField()
    two_factor_auth_status = serializers.SerializerMethodField()
    password_lock_status = serializers.SerializerMethodField()
    login_failure_times = serializers.SerializerMethodField()
    last_login_date = serializers.SerializerMethodField()
    login_failure_date = serializers.SerializerMethodField()
    password_expire = serializers.SerializerMethodField()
    created = serializers.SerializerMethodField()
    updated = serializers.SerializerMethodField()

    def get_role_id(self, user) -> str:
        return "owner"

    def get_default_shop_id(self, user) -> str:
        return self.context["tenant"].public_id

    def get_type(self, user) -> str:
        return "01"

    def get_account_status(self, user) -> str:
        return "00" if user.is_active else "01"

    def get_invite_status(self, user) -> str:
        return "02"

    def get_mail_auth_status(self, user) -> str:
        return "01" if user.email_verified else "00"

    def get_two_factor_auth_status(self, user) -> str:
        return "00"

    def get_password_lock_status(self, user) -> str:
        return "00"

    def get_login_failure_times(self, user) -> int:
        return 0

    def get_last_login_date(self, user) -> str | None:
        return fincode_time(user.last_login)

    def get_login_failure_date(self, user) -> str | None:
        return None

    def get_password_expire(self, user) -> str | None:
        return None

    def get_created(self, user) -> str | None:
        return fincode_time(user.date_joined)

    def get_updated(self, user) -> str | None:
        return fincode_time(user.date_joined)


class AuthorityResponse(serializers.Serializer):
    auth_id = serializers.IntegerField()
    endpoint = serializers.CharField()
    method = serializers.CharField()


class TenantEntryResponse(serializers.Serializer):
    access_token = serializers.CharField()
    authorities = AuthorityResponse(many=True)
    user_data = UserResponse()

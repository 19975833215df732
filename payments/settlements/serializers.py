"""Answers of ``/v1/accounts`` and ``/v1/platform_accounts`` as fincode's contract defines them
(``Account``, ``AccountDetail``, ``PlatformAccount``, ``PlatformAccountSummary``)."""

from __future__ import annotations

from datetime import date

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments.api.serializers import JST, FincodeDay, ListEnvelope, fincode_time, sort_field
from payments.settlements.ledger import payment_method
from payments.settlements.selectors import ACCOUNT_SORT
from payments.settlements.services import tax_of
from portal.api.serializers import StrictIntegerField


def fincode_day(value: date | None) -> str | None:
    """``yyyy/MM/dd HH:MM`` (fincode's dates of accounts) at the start of the day."""
    return None if value is None else value.strftime("%Y/%m/%d 00:00")


def fincode_minute(value) -> str | None:
    return None if value is None else value.astimezone(JST).strftime("%Y/%m/%d %H:%M")


@extend_schema_field({"type": "string", "pattern": "^[1-9][0-9]{3}/(0[1-9]|1[0-2])$", "example": "2026/01"})
class FincodeMonth(serializers.CharField):
    """``yyyy/MM``; the selector parses it."""


_STATUS = "30(0[1-9]|1[0-3])"


@extend_schema_field({"type": "string", "pattern": f"^{_STATUS}(,{_STATUS})*$", "example": "3002,3003"})
class StatusCodes(serializers.CharField):
    """Comma-separated deposit status codes; the selector parses them."""


class AccountListQuery(serializers.Serializer):
    processed = FincodeMonth(max_length=7, required=False)
    status = StatusCodes(max_length=200, required=False)
    scheduled_from = FincodeDay(required=False)
    scheduled_to = FincodeDay(required=False)
    sort = sort_field(ACCOUNT_SORT)
    page = StrictIntegerField(min_value=1, max_value=1_000_000, required=False, default=1)
    limit = StrictIntegerField(min_value=1, max_value=100, required=False, default=20)
    count_only = serializers.BooleanField(required=False, default=False)


class PageQuery(serializers.Serializer):
    page = StrictIntegerField(min_value=1, max_value=1_000_000, required=False, default=1)
    limit = StrictIntegerField(min_value=1, max_value=100, required=False, default=20)
    count_only = serializers.BooleanField(required=False, default=False)


class SummaryQuery(PageQuery):
    scheduled_from = FincodeDay(required=False)
    scheduled_to = FincodeDay(required=False)


class _Common(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    account_id = serializers.IntegerField()
    deposit_amount = serializers.IntegerField()
    deposit_date = serializers.SerializerMethodField()
    scheduled_deposit_date = serializers.SerializerMethodField()
    aggregate_term_start = serializers.SerializerMethodField()
    aggregate_term_end = serializers.SerializerMethodField()
    payment_deadline = serializers.SerializerMethodField()
    payment_completion_date = serializers.SerializerMethodField()
    status_code = serializers.IntegerField()
    count = serializers.IntegerField()
    settlement_amount = serializers.IntegerField()
    bank_transfer_fee = serializers.IntegerField()
    total_amount = serializers.IntegerField()
    taxable_fee_amount = serializers.SerializerMethodField()
    nontaxable_fee_amount = serializers.SerializerMethodField()
    web_registration_fee_amount = serializers.SerializerMethodField()
    platform_fee_amount = serializers.IntegerField()
    platform_fee_tax_amount = serializers.IntegerField()
    platform_web_registration_fee_amount = serializers.SerializerMethodField()
    created = serializers.SerializerMethodField()
    updated = serializers.SerializerMethodField()
    deposit_destination = serializers.SerializerMethodField()

    def get_deposit_date(self, obj) -> str | None:
        return fincode_minute(obj.deposited_at)

    def get_scheduled_deposit_date(self, obj) -> str | None:
        return fincode_day(obj.scheduled_deposit_date)

    def get_aggregate_term_start(self, obj) -> str | None:
        return fincode_day(obj.term_start)

    def get_aggregate_term_end(self, obj) -> str | None:
        return obj.term_end.strftime("%Y/%m/%d 23:59")

    def get_payment_deadline(self, obj) -> str | None:
        return None

    def get_payment_completion_date(self, obj) -> str | None:
        return None

    def get_taxable_fee_amount(self, obj) -> int:
        return getattr(obj, "fee_amount", 0)

    def get_nontaxable_fee_amount(self, obj) -> int:
        return 0

    def get_web_registration_fee_amount(self, obj) -> int:
        return 0

    def get_platform_web_registration_fee_amount(self, obj) -> int:
        return 0

    def get_created(self, obj) -> str | None:
        return fincode_time(obj.created)

    def get_updated(self, obj) -> str | None:
        return fincode_time(obj.updated)

    def get_deposit_destination(self, obj) -> dict | None:
        return None


class AccountResponse(_Common):
    shop_id = serializers.CharField(source="merchant.public_id")
    fee_amount = serializers.IntegerField()
    tax_amount = serializers.IntegerField()


class PlatformAccountResponse(_Common):
    shop_id = serializers.CharField(source="platform.public_id")
    fee_amount = serializers.SerializerMethodField()
    tax_amount = serializers.SerializerMethodField()
    verified = serializers.SerializerMethodField()

    def get_fee_amount(self, obj) -> int:
        return 0

    def get_tax_amount(self, obj) -> int:
        return 0

    def get_verified(self, obj) -> bool:
        return True


class AccountDetailResponse(serializers.Serializer):
    """One statement line (``AccountDetail``); the statement comes in the context."""

    def to_representation(self, line) -> dict:
        statement = self.context["statement"]
        contracts = self.context.get("contracts", {})
        p = line.posting
        fee_tax, pf_tax = tax_of(p.fee), tax_of(p.platform_fee)
        contract = contracts.get(p.pay_type)
        rate_fee = p.amount * contract.fee_rate_bps // 10_000 if contract else p.fee
        return {
            "detail_id": p.pk,
            "shop_id": statement.merchant.public_id,
            "scheduled_deposit_date": fincode_day(statement.scheduled_deposit_date),
            "trade_type": p.trade_type,
            "payment_method": payment_method(p.fee_class),
            "amount_correction_type": p.reason if p.kind == "adjustment" else "",
            "account_id": statement.account_id,
            "order_id": p.order_id,
            "access_id": p.access_id,
            "deposit_amount": p.amount - p.fee - fee_tax - p.platform_fee - pf_tax,
            "amount": p.amount,
            "tax": 0,
            "fee_total": p.fee,
            "fee_total_taxin": p.fee + fee_tax,
            "fee_profit_tax": fee_tax,
            "fee_profit": p.fee,
            "fee_cost": 0,
            "fee_rate_total": contract.fee_rate_bps / 100 if contract else 0,
            "fixed_fee": contract.fixed_fee if contract else None,
            "apply_type": 1 if contract and p.fee != rate_fee else 0,
            "web_registration_fee": 0,
            "web_registration_fee_taxin": 0,
            "web_registration_fee_tax": 0,
            "platform_fee": p.platform_fee,
            "platform_fee_taxin": p.platform_fee + pf_tax,
            "platform_fee_rate": None,
            "fixed_fee_for_platform_fee": None,
            "apply_type_for_platform_fee": 0,
            "platform_web_registration_fee": 0,
            "platform_web_registration_fee_taxin": 0,
            "platform_web_registration_fee_tax": 0,
            "processed_date": fincode_minute(statement.fixed_at),
            "aggregate_term_start": fincode_day(statement.term_start),
            "aggregate_term_end": statement.term_end.strftime("%Y/%m/%d 23:59"),
            "client_field_1": None,
            "client_field_2": None,
            "client_field_3": None,
            "created": fincode_time(p.created_at),
            "updated": fincode_time(p.created_at),
        }


class PlatformAccountSummaryResponse(serializers.Serializer):
    """One tenant statement's platform fees in a platform statement (``PlatformAccountSummary``)."""

    def to_representation(self, statement) -> dict:
        platform_statement = self.context["platform_statement"]
        return {
            "summary_id": 10_000_000 + statement.pk,
            "account_id": platform_statement.account_id,
            "shop_id": platform_statement.platform.public_id,
            "tenant_shop_id": statement.merchant.public_id,
            "tenant_shop_name": statement.merchant.name,
            "deposit_amount": statement.platform_fee_amount + statement.platform_fee_tax_amount,
            "aggregate_term_start": fincode_day(statement.term_start),
            "aggregate_term_end": statement.term_end.strftime("%Y/%m/%d 23:59"),
            "count": statement.count,
            "total_amount": statement.total_amount,
            "fee_amount": statement.fee_amount,
            "taxable_fee_amount": statement.fee_amount,
            "nontaxable_fee_amount": 0,
            "tax_amount": statement.tax_amount,
            "web_registration_fee_amount": 0,
            "platform_web_registration_fee_amount": 0,
            "platform_fee_amount": statement.platform_fee_amount,
            "platform_fee_tax_amount": statement.platform_fee_tax_amount,
            "created": fincode_time(statement.created),
            "updated": fincode_time(statement.updated),
            "tenant_account_process_id_list": [statement.public_id],
        }


class AccountList(ListEnvelope):
    list = AccountResponse(many=True)


class AccountDetailList(ListEnvelope):
    list = AccountDetailResponse(many=True)


class PlatformAccountList(ListEnvelope):
    list = PlatformAccountResponse(many=True)


class PlatformAccountSummaryList(ListEnvelope):
    list = PlatformAccountSummaryResponse(many=True)

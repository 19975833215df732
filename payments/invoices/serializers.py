"""Requests and answers of ``/v1/invoices``, as fincode's ``Invoice`` schemas name them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from payments import selectors as payment_selectors
from payments.api.serializers import FincodeDay, FincodeTime, ListEnvelope, pattern_choice
from payments.invoices import services
from payments.invoices.errors import AREA
from payments.invoices.models import Invoice
from portal.api.serializers import RequestSerializer, StrictIntegerField
from portal.errors import FieldError

PAY_TYPES = [services.CARD, services.TRANSFER]
FLAGS = ["0", "1"]


def _day(value: str | None, field: str):
    return payment_selectors.parse_day(value, area=AREA, field=field) if value else None


def _days(attrs: dict, *names: str) -> dict:
    for name in names:
        if attrs.get(name):
            attrs[name] = _day(attrs[name], name)
    return attrs


def _flag(value: bool) -> str:
    return "1" if value else "0"


class LineRequest(RequestSerializer):
    date = FincodeDay(required=False, allow_null=True)
    name = serializers.CharField(max_length=200)
    unit_price = StrictIntegerField(min_value=0, max_value=99_999_999_999)
    quantity = StrictIntegerField(min_value=1, max_value=2_147_483_647)
    tax_rate = StrictIntegerField(min_value=0, max_value=100, required=False, default=10)

    def validate(self, attrs):
        return _days(attrs, "date")


class CustomerOverwrite(RequestSerializer):
    name = serializers.CharField(max_length=384, required=False)
    email = serializers.EmailField(max_length=254, required=False)
    addr_country = serializers.CharField(max_length=3, required=False)
    addr_state = serializers.CharField(max_length=3, required=False)
    addr_city = serializers.CharField(max_length=50, required=False)
    addr_line_1 = serializers.CharField(max_length=50, required=False)
    addr_line_2 = serializers.CharField(max_length=50, required=False)
    addr_line_3 = serializers.CharField(max_length=50, required=False)
    addr_post_code = serializers.CharField(max_length=16, required=False)


class IssuerOverwrite(RequestSerializer):
    addr_state = serializers.CharField(max_length=3, required=False)
    addr_city = serializers.CharField(max_length=50, required=False)
    addr_line_1 = serializers.CharField(max_length=100, required=False)
    addr_line_2 = serializers.CharField(max_length=100, required=False)
    addr_line_3 = serializers.CharField(max_length=50, required=False)
    addr_post_code = serializers.CharField(max_length=8, required=False)
    email = serializers.EmailField(max_length=254, required=False)
    phone_number = serializers.RegexField(r"^[0-9]{1,15}$", max_length=15, required=False)


class CardOptions(RequestSerializer):
    job_code = pattern_choice(["AUTH", "CAPTURE"], required=False)


class InvoiceUpdateRequest(RequestSerializer):
    bill_mail_send_flag = pattern_choice(FLAGS, required=False)
    receipt_mail_send_flag = pattern_choice(FLAGS, required=False)
    underpayment_mail_send_flag = pattern_choice(FLAGS, required=False)
    invoice_number = serializers.CharField(min_length=1, max_length=30, required=False)
    customer_id = serializers.CharField(max_length=60, required=False)
    customer_honorific = serializers.CharField(max_length=20, required=False)
    customer_overwrite = CustomerOverwrite(required=False)
    issuer_overwrite = IssuerOverwrite(required=False)
    issue_date = FincodeDay(required=False)
    due_date = FincodeDay(required=False)
    lines = serializers.ListField(child=LineRequest(), required=False, max_length=100)
    pay_types = serializers.ListField(
        child=pattern_choice(PAY_TYPES), min_length=1, max_length=2, required=False
    )
    card = CardOptions(required=False)
    is_tax_included = serializers.BooleanField(required=False)
    memo = serializers.CharField(max_length=1000, required=False)
    client_field_1 = serializers.CharField(max_length=100, required=False)
    client_field_2 = serializers.CharField(max_length=100, required=False)
    client_field_3 = serializers.CharField(max_length=100, required=False)
    is_uncollectible = serializers.BooleanField(required=False)

    def validate(self, attrs):
        attrs = _days(attrs, "issue_date", "due_date")
        for name in ("bill_mail_send_flag", "receipt_mail_send_flag", "underpayment_mail_send_flag"):
            if name in attrs:
                attrs[name] = attrs[name] == "1"
        if "pay_types" in attrs:
            attrs["pay_types"] = sorted(set(attrs["pay_types"]))
        if attrs.get("card", {}).get("job_code"):
            attrs["card_job_code"] = attrs["card"]["job_code"]
        attrs.pop("card", None)
        if "lines" in attrs:
            attrs["lines"] = [dict(line) for line in attrs["lines"]]
        for name in ("customer_overwrite", "issuer_overwrite"):
            if name in attrs:
                attrs[name] = dict(attrs[name])
        return attrs


class VirtualAccountOptions(RequestSerializer):
    reference_invoice_id = serializers.CharField(max_length=30, required=False)


class InvoiceCreateRequest(InvoiceUpdateRequest):
    id = serializers.RegexField(r"^[A-Za-z0-9_\-]{1,30}$", max_length=30, required=False)
    virtual_account = VirtualAccountOptions(
        required=False, help_text="Accepted; a new account is always issued."
    )
    is_uncollectible = None  # type: ignore[assignment]

    def validate(self, attrs):
        attrs.pop("virtual_account", None)
        return super().validate(attrs)


class InvoiceOpenRequest(RequestSerializer):
    bill_mail_send_flag = pattern_choice(FLAGS, required=False)
    receipt_mail_send_flag = pattern_choice(FLAGS, required=False)
    underpayment_mail_send_flag = pattern_choice(FLAGS, required=False)

    def validate(self, attrs):
        return {name: value == "1" for name, value in attrs.items()}


class PaidExternallyRequest(RequestSerializer):
    transaction_date = FincodeDay(required=False)

    def validate(self, attrs):
        return _days(attrs, "transaction_date")


_STATUS = f"({'|'.join(Invoice.Status.values)})"


@extend_schema_field({"type": "string", "pattern": f"^{_STATUS}(,{_STATUS})*$", "example": "DRAFT,PAID"})
class StatusList(serializers.CharField):
    """Statuses, comma-separated (any of them)."""


class InvoiceListQuery(serializers.Serializer):
    status = StatusList(max_length=100, required=False)
    keyword = serializers.CharField(max_length=150, required=False)
    customer_id = serializers.CharField(max_length=60, required=False)
    customer_name = serializers.CharField(max_length=384, required=False)
    invoice_number = serializers.CharField(max_length=30, required=False)
    total_amount_min = StrictIntegerField(min_value=0, required=False)
    total_amount_max = StrictIntegerField(min_value=0, required=False)
    is_uncollectible = serializers.BooleanField(required=False, allow_null=True, default=None)
    due_date_from = FincodeDay(required=False)
    due_date_to = FincodeDay(required=False)
    issue_date_from = FincodeDay(required=False)
    issue_date_to = FincodeDay(required=False)
    lines_date_from = FincodeDay(required=False)
    lines_date_to = FincodeDay(required=False)
    transaction_date_from = FincodeDay(required=False)
    transaction_date_to = FincodeDay(required=False)
    created_from = FincodeDay(required=False)
    created_to = FincodeDay(required=False)
    page = StrictIntegerField(min_value=1, max_value=1_000_000, required=False, default=1)
    limit = StrictIntegerField(min_value=1, max_value=100, required=False, default=20)
    count_only = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        attrs = _days(attrs, *[name for name in attrs if name.endswith(("_from", "_to"))])
        if attrs.get("status"):
            statuses = [s.strip() for s in attrs["status"].split(",")]
            if any(s not in Invoice.Status.values for s in statuses):
                raise FieldError(
                    AREA, "status", "choice", f"must be among {', '.join(Invoice.Status.values)}"
                )
            attrs["status"] = statuses
        return attrs


# --- Answers -------------------------------------------------------------------------------


def _day_text(value) -> str | None:
    return value.strftime("%Y/%m/%d") if value else None


class LineResponse(serializers.Serializer):
    date = serializers.SerializerMethodField()
    name = serializers.CharField()
    unit_price = serializers.IntegerField()
    quantity = serializers.IntegerField()
    tax_rate = serializers.IntegerField()

    def get_date(self, line) -> str | None:
        return _day_text(line.date)


class PartyResponse(serializers.Serializer):
    name = serializers.CharField(allow_null=True)
    email = serializers.CharField(allow_null=True)
    addr_country = serializers.CharField(allow_null=True)
    addr_state = serializers.CharField(allow_null=True)
    addr_city = serializers.CharField(allow_null=True)
    addr_line_1 = serializers.CharField(allow_null=True)
    addr_line_2 = serializers.CharField(allow_null=True)
    addr_line_3 = serializers.CharField(allow_null=True)
    addr_post_code = serializers.CharField(allow_null=True)


PARTY_FIELDS: list[str] = list(PartyResponse().fields)


class IssuerResponse(serializers.Serializer):
    name = serializers.CharField(allow_null=True)
    email = serializers.CharField(allow_null=True)


class CardOptionsResponse(serializers.Serializer):
    job_code = serializers.CharField()


class EmbeddedVirtualAccount(serializers.Serializer):
    virtual_account_id = serializers.CharField(allow_null=True)
    branch_name = serializers.CharField(allow_null=True)
    branch_code = serializers.CharField(allow_null=True)
    account_number = serializers.CharField(allow_null=True)
    account_name = serializers.CharField(allow_null=True)


class InvoiceResponse(serializers.Serializer):
    id = serializers.CharField(source="invoice_id")
    status = serializers.CharField()
    invoice_url = serializers.SerializerMethodField()
    bill_mail_send_flag = serializers.SerializerMethodField()
    bill_pdf_url = serializers.SerializerMethodField()
    receipt_mail_send_flag = serializers.SerializerMethodField()
    underpayment_mail_send_flag = serializers.SerializerMethodField()
    receipt_pdf_url = serializers.SerializerMethodField()
    invoice_number = serializers.SerializerMethodField()
    customer_id = serializers.SerializerMethodField()
    customer_honorific = serializers.SerializerMethodField()
    customer = serializers.SerializerMethodField()
    customer_overwrite = serializers.SerializerMethodField()
    issuer = serializers.SerializerMethodField()
    issuer_overwrite = serializers.JSONField()
    issue_date = serializers.SerializerMethodField()
    lines = LineResponse(many=True, source="lines.all")
    total_amount = serializers.IntegerField()
    tax = serializers.IntegerField(help_text="Extension: the tax in total_amount.")
    billing_total_amount = serializers.IntegerField(source="total_amount")
    pay_types = serializers.ListField(child=serializers.CharField())
    card = serializers.SerializerMethodField()
    embedded_virtual_account = serializers.SerializerMethodField()
    is_tax_included = serializers.BooleanField()
    due_date = serializers.SerializerMethodField()
    memo = serializers.SerializerMethodField()
    client_field_1 = serializers.SerializerMethodField()
    client_field_2 = serializers.SerializerMethodField()
    client_field_3 = serializers.SerializerMethodField()
    is_uncollectible = serializers.BooleanField()
    is_paid_externally = serializers.BooleanField()
    transaction_date = serializers.SerializerMethodField()
    created = FincodeTime()
    updated = FincodeTime()

    def get_invoice_url(self, invoice: Invoice) -> str:
        return services.invoice_url(invoice)

    def get_bill_pdf_url(self, invoice: Invoice) -> str:
        return services.invoice_url(invoice)

    def get_receipt_pdf_url(self, invoice: Invoice) -> str | None:
        return services.invoice_url(invoice) if invoice.status == Invoice.Status.PAID else None

    def get_bill_mail_send_flag(self, invoice: Invoice) -> str:
        return _flag(invoice.bill_mail_send_flag)

    def get_receipt_mail_send_flag(self, invoice: Invoice) -> str:
        return _flag(invoice.receipt_mail_send_flag)

    def get_underpayment_mail_send_flag(self, invoice: Invoice) -> str:
        return _flag(invoice.underpayment_mail_send_flag)

    def get_invoice_number(self, invoice: Invoice) -> str | None:
        return invoice.invoice_number or None

    def get_customer_id(self, invoice: Invoice) -> str | None:
        return invoice.customer.customer_id if invoice.customer is not None else None

    def get_customer_honorific(self, invoice: Invoice) -> str | None:
        return invoice.customer_honorific or None

    @extend_schema_field(PartyResponse(allow_null=True))
    def get_customer(self, invoice: Invoice):
        customer = invoice.customer
        if customer is None:
            return None
        return {name: getattr(customer, name) or None for name in PARTY_FIELDS}

    @extend_schema_field(PartyResponse)
    def get_customer_overwrite(self, invoice: Invoice):
        return {name: invoice.customer_overwrite.get(name) for name in PARTY_FIELDS}

    @extend_schema_field(IssuerResponse)
    def get_issuer(self, invoice: Invoice):
        return {"name": invoice.merchant.name, "email": invoice.issuer_overwrite.get("email")}

    def get_issue_date(self, invoice: Invoice) -> str | None:
        return _day_text(invoice.issue_date)

    def get_due_date(self, invoice: Invoice) -> str | None:
        return _day_text(invoice.due_date)

    def get_transaction_date(self, invoice: Invoice) -> str | None:
        return _day_text(invoice.transaction_date)

    @extend_schema_field(CardOptionsResponse)
    def get_card(self, invoice: Invoice):
        return {"job_code": invoice.card_job_code}

    @extend_schema_field(EmbeddedVirtualAccount(allow_null=True))
    def get_embedded_virtual_account(self, invoice: Invoice):
        payment = invoice.transfer_payment
        if payment is None:
            return None
        return {
            "virtual_account_id": payment.virtual_account_id,
            "branch_name": payment.va_branch_name,
            "branch_code": payment.va_branch_code,
            "account_number": payment.va_account_number,
            "account_name": payment.va_account_name,
        }

    def get_memo(self, invoice: Invoice) -> str | None:
        return invoice.memo or None

    def get_client_field_1(self, invoice: Invoice) -> str | None:
        return invoice.client_field_1 or None

    def get_client_field_2(self, invoice: Invoice) -> str | None:
        return invoice.client_field_2 or None

    def get_client_field_3(self, invoice: Invoice) -> str | None:
        return invoice.client_field_3 or None


class InvoiceList(ListEnvelope):
    list = InvoiceResponse(many=True)


class InvoiceDeleteResponse(serializers.Serializer):
    id = serializers.CharField(source="invoice_id")
    delete_flag = serializers.SerializerMethodField()

    def get_delete_flag(self, invoice: Invoice) -> str:
        return _flag(invoice.deleted_at is not None)

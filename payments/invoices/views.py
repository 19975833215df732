"""``/v1/invoices`` (fincode's): thin views over the services."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from payments.api.views import IDEMPOTENCY_HEADERS, MerchantApiView, list_answer, valid_data
from payments.invoices import errors, selectors, services
from payments.invoices import serializers as s
from payments.invoices.models import Invoice

TAGS = ["Invoices"]
INVOICE_ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The invoice's id.")


class InvoiceApiView(MerchantApiView):
    error_area = errors.AREA

    def invoice(self, invoice_id: str) -> Invoice:
        return selectors.invoice_get(merchant=self.merchant, mode=self.mode, invoice_id=invoice_id)

    def answer(self, invoice_id: str) -> Response:
        return Response(s.InvoiceResponse(self.invoice(invoice_id)).data)


class InvoicesView(InvoiceApiView):
    @extend_schema(
        operation_id="registerInvoices",
        request=s.InvoiceCreateRequest,
        responses=s.InvoiceResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=TAGS,
    )
    def post(self, request):
        data = valid_data(s.InvoiceCreateRequest, request.data)
        invoice = services.invoice_create(merchant=self.merchant, mode=self.mode, data=data)
        return self.answer(invoice.invoice_id)

    @extend_schema(
        operation_id="getInvoicesList", parameters=[s.InvoiceListQuery], responses=s.InvoiceList, tags=TAGS
    )
    def get(self, request):
        query = valid_data(s.InvoiceListQuery, request.query_params)
        found = selectors.invoice_list(merchant=self.merchant, mode=self.mode, filters=query)
        return list_answer(request, found, query, s.InvoiceResponse)


class InvoiceDetailView(InvoiceApiView):
    @extend_schema(
        operation_id="getInvoices", parameters=[INVOICE_ID], responses=s.InvoiceResponse, tags=TAGS
    )
    def get(self, request, id: str):
        return self.answer(id)

    @extend_schema(
        operation_id="updateInvoices",
        parameters=[INVOICE_ID, *IDEMPOTENCY_HEADERS],
        request=s.InvoiceUpdateRequest,
        responses=s.InvoiceResponse,
        tags=TAGS,
    )
    def put(self, request, id: str):
        data = valid_data(s.InvoiceUpdateRequest, request.data)
        services.invoice_update(invoice=self.invoice(id), data=data)
        return self.answer(id)

    @extend_schema(
        operation_id="deleteInvoices",
        parameters=[INVOICE_ID],
        responses={200: s.InvoiceDeleteResponse},
        tags=TAGS,
    )
    def delete(self, request, id: str):
        invoice = services.invoice_delete(invoice=self.invoice(id))
        return Response(s.InvoiceDeleteResponse(invoice).data)


class InvoiceOpenView(InvoiceApiView):
    @extend_schema(
        operation_id="openInvoices",
        parameters=[INVOICE_ID, *IDEMPOTENCY_HEADERS],
        request=s.InvoiceOpenRequest,
        responses=s.InvoiceResponse,
        tags=TAGS,
    )
    def put(self, request, id: str):
        data = valid_data(s.InvoiceOpenRequest, request.data or {})
        services.invoice_open(invoice=self.invoice(id), data=data)
        return self.answer(id)


class InvoiceCancelView(InvoiceApiView):
    @extend_schema(
        operation_id="cancelInvoices",
        parameters=[INVOICE_ID, *IDEMPOTENCY_HEADERS],
        request=None,
        responses=s.InvoiceResponse,
        tags=TAGS,
    )
    def put(self, request, id: str):
        services.invoice_cancel(invoice=self.invoice(id))
        return self.answer(id)


class InvoicePaidExternallyView(InvoiceApiView):
    @extend_schema(
        operation_id="paidExternallyInvoices",
        parameters=[INVOICE_ID, *IDEMPOTENCY_HEADERS],
        request=s.PaidExternallyRequest,
        responses=s.InvoiceResponse,
        tags=TAGS,
    )
    def put(self, request, id: str):
        data = valid_data(s.PaidExternallyRequest, request.data or {})
        services.invoice_paid_externally(
            invoice=self.invoice(id), transaction_date=data.get("transaction_date")
        )
        return self.answer(id)


class InvoiceTransferRefreshView(InvoiceApiView):
    @extend_schema(
        operation_id="refreshInvoicesVirtualaccount",
        parameters=[INVOICE_ID, *IDEMPOTENCY_HEADERS],
        request=None,
        responses=s.InvoiceResponse,
        tags=TAGS,
    )
    def put(self, request, id: str):
        services.invoice_transfer_refresh(invoice=self.invoice(id))
        return self.answer(id)

"""Merchant web pages: the invoices, and one invoice with its lines, payments and reminders
(the buyer's page is ``pages``)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from payments.invoices.models import Invoice
from portal.views import merchant_page, page_mode


@merchant_page()
def invoice_list(request, membership):
    mode = page_mode(request)
    invoices = (
        Invoice.objects.filter(merchant=membership.merchant, mode=mode, deleted_at__isnull=True)
        .select_related("customer")
        .order_by("-created", "-id")
    )
    status = request.GET.get("status")
    if status in Invoice.Status.values:
        invoices = invoices.filter(status=status)
    return render(
        request,
        "invoices/list.html",
        {
            "membership": membership,
            "merchant": membership.merchant,
            "mode": mode,
            "status": status,
            "statuses": Invoice.Status.values,
            "page": Paginator(invoices, 50).get_page(request.GET.get("page")),
        },
    )


@merchant_page()
def invoice_detail(request, membership, mode: str, invoice_id: str):
    invoice = get_object_or_404(
        Invoice.objects.select_related("customer", "transfer_payment", "card_payment"),
        merchant=membership.merchant,
        mode=mode,
        invoice_id=invoice_id,
        deleted_at__isnull=True,
    )
    return render(
        request,
        "invoices/detail.html",
        {
            "membership": membership,
            "merchant": membership.merchant,
            "invoice": invoice,
            "lines": invoice.lines.order_by("position"),
            "reminders": invoice.reminders.order_by("created"),
        },
    )

"""Merchant web pages: the bulk payment files, and one file with each line's outcome."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from payments.bulk.models import PaymentBulk
from portal.views import merchant_page, page_mode


@merchant_page()
def bulk_list(request, membership):
    mode = page_mode(request)
    bulks = PaymentBulk.objects.filter(merchant=membership.merchant, mode=mode).order_by("-created", "-id")
    return render(
        request,
        "bulk/list.html",
        {
            "membership": membership,
            "merchant": membership.merchant,
            "mode": mode,
            "page": Paginator(bulks, 50).get_page(request.GET.get("page")),
        },
    )


@merchant_page()
def bulk_detail(request, membership, mode: str, bulk_id: str):
    bulk = get_object_or_404(PaymentBulk, merchant=membership.merchant, mode=mode, bulk_id=bulk_id)
    return render(
        request,
        "bulk/detail.html",
        {
            "membership": membership,
            "merchant": membership.merchant,
            "bulk": bulk,
            "page": Paginator(bulk.details.select_related("payment").order_by("line"), 100).get_page(
                request.GET.get("page")
            ),
            "line_errors": bulk.line_errors.order_by("line"),
        },
    )

"""Merchant web pages for payments: list with filters, one payment with its history, a test checkout."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from payments import errors, labels, selectors_detail, selectors_list
from payments.methods.bnpl.flow import invoice_of
from payments.methods.registry import method_for
from payments.models import Customer, Payment
from payments.providers.registry import test_cards
from portal.errors import PortalError
from portal.models import ApiKey, Mode
from portal.pay_types import pay_type_choices
from portal.views import merchant_page


@merchant_page()
def payment_list(request, membership):
    merchant = membership.merchant
    filters = selectors_list.payment_filters_parse(params=request.GET)
    payments = selectors_list.payment_list_filter(merchant=merchant, filters=filters)
    page = Paginator(payments.select_related("customer"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/list.html",
        {
            "membership": membership,
            "merchant": merchant,
            "page": page,
            "filters": filters,
            "mode": filters.mode,
            "totals": selectors_list.payment_list_totals(payments=payments),
            "query": urlencode(filters.query()),
            "query_without_mode": urlencode(filters.query(mode=None)),
            "statuses": labels.status_choices(),
            "pay_types": pay_type_choices(),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@merchant_page()
def payment_export(request, membership):
    """The filtered list as CSV, streamed (no card number: brand and last four digits only)."""
    filters = selectors_list.payment_filters_parse(params=request.GET)
    payments = selectors_list.payment_list_filter(merchant=membership.merchant, filters=filters)
    writer = csv.writer(_Echo())
    rows = (writer.writerow(row) for row in selectors_list.payment_csv_rows(payments=payments))
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="payments-{filters.mode}-{stamp}.csv"'
    return response


@merchant_page()
def payment_detail(request, membership, mode: str, order_id: str):
    payment = get_object_or_404(
        Payment.objects.select_related("customer", "card"),
        merchant=membership.merchant,
        mode=mode,
        order_id=order_id,
    )
    status = labels.display_status(status=payment.status, error_code=payment.error_code)
    return render(
        request,
        "payments/detail.html",
        {
            "membership": membership,
            "merchant": membership.merchant,
            "payment": payment,
            "status": status,
            "error_message": labels.error_message(payment.error_code),
            "timeline": selectors_detail.payment_timeline(payment=payment),
            "bnpl_invoice": invoice_of(payment),  # None unless a credit check decided it
        },
    )


@merchant_page("manage_keys")
@require_POST
def payment_simulate(request, membership, mode: str, order_id: str):
    """Test mode: play the buyer (wallet approval, konbini till, bank transfer: a ….complete.stub event)."""
    payment = get_object_or_404(Payment, merchant=membership.merchant, mode=mode, order_id=order_id)
    try:
        if payment.mode != "test":
            raise PortalError(errors.NOT_IN_TEST_MODE)
        method_for(payment.pay_type).buyer_simulate(payment=payment)
    except PortalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The simulated buyer is paying; the status changes in a moment.")
    return redirect(
        "merchant-payment", merchant_id=membership.merchant.public_id, mode=mode, order_id=order_id
    )


@merchant_page()
def checkout(request, membership):
    """A test checkout: the product's tokenizer script turns a card into a token with the public key."""
    key = (
        ApiKey.objects.filter(
            merchant=membership.merchant, mode=Mode.TEST, kind=ApiKey.Kind.PUBLIC, revoked_at__isnull=True
        )
        .order_by("-created_at")
        .first()
    )
    return render(
        request,
        "payments/checkout.html",
        {
            "membership": membership,
            "merchant": membership.merchant,
            "public_key": key,
            "test_cards": test_cards(),
        },
    )


@merchant_page()
def customer_list(request, membership):
    merchant = membership.merchant
    mode = request.GET.get("mode") if request.GET.get("mode") in Mode.values else Mode.TEST
    customers = Customer.objects.filter(merchant=merchant, mode=mode).order_by("-created", "-id")
    query = (request.GET.get("q") or "").strip()[:60]
    if query:
        customers = customers.filter(customer_id__startswith=query) | customers.filter(email__iexact=query)
    customers = customers.annotate(
        card_count=Count("cards", distinct=True), account_count=Count("direct_debit_accounts", distinct=True)
    )
    return render(
        request,
        "payments/customers.html",
        {
            "membership": membership,
            "merchant": merchant,
            "mode": mode,
            "q": query,
            "page": Paginator(customers, 50).get_page(request.GET.get("page")),
        },
    )


@merchant_page()
def customer_detail(request, membership, mode: str, customer_id: str):
    customer = get_object_or_404(Customer, merchant=membership.merchant, mode=mode, customer_id=customer_id)
    return render(
        request,
        "payments/customer.html",
        {
            "membership": membership,
            "merchant": membership.merchant,
            "customer": customer,
            "cards": customer.cards.order_by("-default_flag", "-created"),
            "accounts": customer.direct_debit_accounts.order_by("-default_flag", "-created"),
            "subscriptions": customer.subscriptions.select_related("plan").order_by("-created"),
            "payments": Payment.objects.filter(customer=customer).order_by("-created", "-id")[:20],
        },
    )

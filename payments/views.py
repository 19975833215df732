"""Merchant web pages for payments: list with filters, one payment with its history, a test checkout."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from payments import errors
from payments.methods.bnpl.flow import invoice_of
from payments.methods.registry import method_for
from payments.models import Customer, Payment, Status
from payments.providers.registry import test_cards
from portal.errors import PortalError
from portal.models import ApiKey, Mode
from portal.pay_types import pay_type_values
from portal.views import merchant_page


@merchant_page()
def payment_list(request, membership):
    merchant = membership.merchant
    mode = request.GET.get("mode") if request.GET.get("mode") in Mode.values else Mode.TEST
    payments = (
        Payment.objects.filter(merchant=merchant, mode=mode)
        .select_related("customer")
        .order_by("-created", "-id")
    )
    status = request.GET.get("status")
    if status in Status.values:
        payments = payments.filter(status=status)
    pay_type = request.GET.get("pay_type")
    if pay_type in pay_type_values():
        payments = payments.filter(pay_type=pay_type)
    query = (request.GET.get("q") or "").strip()[:60]
    if query:
        payments = payments.filter(order_id__startswith=query) | payments.filter(access_id=query)
    page = Paginator(payments, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/list.html",
        {
            "membership": membership,
            "merchant": merchant,
            "page": page,
            "mode": mode,
            "status": status,
            "pay_type": pay_type,
            "q": query,
            "statuses": Status.values,
            "pay_types": pay_type_values(),
        },
    )


@merchant_page()
def payment_detail(request, membership, mode: str, order_id: str):
    payment = get_object_or_404(
        Payment.objects.select_related("customer", "card"),
        merchant=membership.merchant,
        mode=mode,
        order_id=order_id,
    )
    return render(
        request,
        "payments/detail.html",
        {
            "membership": membership,
            "merchant": membership.merchant,
            "payment": payment,
            "events": payment.events.all(),
            "webhook_events": payment.webhook_events.prefetch_related("deliveries"),
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

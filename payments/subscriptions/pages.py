"""Merchant web pages: the plans, the subscriptions, and one subscription with every charge."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from payments.subscriptions.models import Plan, Subscription
from portal.views import merchant_page, page_mode


@merchant_page()
def subscription_list(request, membership):
    merchant, mode = membership.merchant, page_mode(request)
    subscriptions = (
        Subscription.objects.filter(merchant=merchant, mode=mode)
        .select_related("plan", "customer")
        .order_by("-created", "-id")
    )
    status = request.GET.get("status")
    if status in Subscription.Status.values:
        subscriptions = subscriptions.filter(status=status)
    plans = Plan.objects.filter(merchant=merchant, mode=mode, deleted_at__isnull=True).order_by("plan_name")
    return render(
        request,
        "subscriptions/list.html",
        {
            "membership": membership,
            "merchant": merchant,
            "mode": mode,
            "status": status,
            "statuses": Subscription.Status.values,
            "page": Paginator(subscriptions, 50).get_page(request.GET.get("page")),
            "plans": plans,
        },
    )


@merchant_page()
def subscription_detail(request, membership, mode: str, subscription_id: str):
    subscription = get_object_or_404(
        Subscription.objects.select_related("plan", "customer", "card"),
        merchant=membership.merchant,
        mode=mode,
        subscription_id=subscription_id,
    )
    return render(
        request,
        "subscriptions/detail.html",
        {
            "membership": membership,
            "merchant": membership.merchant,
            "subscription": subscription,
            "charges": subscription.charges.select_related("payment").order_by("-period", "-attempt"),
        },
    )

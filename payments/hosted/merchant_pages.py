"""Merchant web page: the hosted pages (payment and card-registration sessions) made through the API."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from payments.hosted import selectors
from portal.models import Mode
from portal.views import merchant_page


@merchant_page()
def session_list(request, membership):
    merchant = membership.merchant
    mode = request.GET.get("mode") if request.GET.get("mode") in Mode.values else Mode.TEST
    found = selectors.session_lists(merchant=merchant, mode=mode)
    return render(
        request,
        "hosted/merchant_list.html",
        {
            "membership": membership,
            "merchant": merchant,
            "mode": mode,
            "now": timezone.now(),
            "payment_sessions": Paginator(found.payment_sessions, 50).get_page(request.GET.get("page")),
            "card_sessions": Paginator(found.card_sessions, 50).get_page(request.GET.get("cards_page")),
        },
    )

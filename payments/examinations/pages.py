"""The platform's merchant page: its tenants and where their examinations stand."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from payments.examinations import selectors
from portal.views import merchant_page


@merchant_page()
def tenant_examinations(request, membership):
    merchant = membership.merchant
    if not merchant.is_platform:
        raise Http404("Only platforms have tenant shops")
    return render(
        request,
        "examinations/tenants.html",
        {"membership": membership, "merchant": merchant, "rows": selectors.platform_tenants(merchant)},
    )

"""The hosted invoice page at an invoice's ``invoice_url``: its lines and totals, the bank
account to transfer to, and a card form (the card goes to this product, never the merchant)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from payments.invoices import selectors, services
from payments.methods.card.tokens import token_create
from portal.errors import PortalError


def _invoice(token: str):
    invoice = selectors.invoice_by_page(token=token)
    if invoice is None:
        raise Http404
    return invoice


@require_http_methods(["GET", "HEAD"])
def invoice_page(request, token: str):
    invoice = _invoice(token)
    services.invoice_settle(invoice_pk=invoice.pk)  # a transfer may have arrived since the sweep
    invoice = _invoice(token)
    return render(
        request,
        "invoices/page.html",
        {"invoice": invoice, "payment": invoice.transfer_payment, "error": request.GET.get("error")},
    )


@require_POST
def invoice_pay_card(request, token: str):
    invoice = _invoice(token)
    form = request.POST
    try:
        issued = token_create(
            merchant=invoice.merchant,
            mode=invoice.mode,
            card_no=form.get("card_no", "").replace(" ", ""),
            expire=form.get("expire", ""),
            holder_name=form.get("holder_name", "")[:50],
            security_code=form.get("security_code", ""),
        )
        services.invoice_pay_by_card(invoice=invoice, token=issued.raw)
    except PortalError as exc:
        return redirect(f"{request.path.rsplit('/card', 1)[0]}/?error={exc.code}")
    return redirect(f"{request.path.rsplit('/card', 1)[0]}/")

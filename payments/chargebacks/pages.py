"""Merchant pages: chargebacks (list with filters; one with its evidence and timeline), the
evidence upload and submission, (the test-mode "Simulate chargeback" button posts to the simulators app:
``simulators.chargebacks.merchant_simulate_view``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from payments.chargebacks import selectors, services
from payments.chargebacks.models import Status
from portal.errors import PortalError, localized
from portal.models import Mode
from portal.views import merchant_page, page_mode


def _get(membership, mode: str, chargeback_id: str):
    if mode not in Mode.values:
        raise Http404("No such mode")
    try:
        return selectors.chargeback_get(merchant=membership.merchant, mode=mode, chargeback_id=chargeback_id)
    except PortalError as exc:
        raise Http404("No such chargeback") from exc


@merchant_page()
def chargeback_list(request, membership):
    mode = page_mode(request)
    status = request.GET.get("status_code", "")
    filters = {"status_code": [int(status)] if status.isdigit() and int(status) in Status.values else None}
    filters["order_id"] = request.GET.get("order_id", "")[:30]
    rows = selectors.chargeback_list(merchant=membership.merchant, mode=mode, filters=filters)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "chargebacks/list.html",
        {
            "membership": membership,
            "merchant": membership.merchant,
            "mode": mode,
            "page": page,
            "statuses": Status.choices,
            "status": status,
            "order_id": filters["order_id"],
            "can_simulate": mode == Mode.TEST and settings.SIMULATORS_ENABLED,
        },
    )


@merchant_page()
def chargeback_detail(request, membership, mode: str, chargeback_id: str):
    chargeback = _get(membership, mode, chargeback_id)
    return render(
        request,
        "chargebacks/detail.html",
        {
            "membership": membership,
            "merchant": membership.merchant,
            "chargeback": chargeback,
            "evidence": chargeback.evidence.all(),
            "events": chargeback.events.all(),
            "can_answer": chargeback.status_code == Status.OPEN and membership.can("edit_application"),
        },
    )


@require_POST
@merchant_page("edit_application")
def chargeback_evidence(request, membership, mode: str, chargeback_id: str):
    chargeback = _get(membership, mode, chargeback_id)
    try:
        services.chargeback_evidence_add(
            chargeback=chargeback, upload=request.FILES.get("file"), actor=request.user
        )
        messages.success(request, _("Evidence uploaded."))
    except PortalError as exc:
        messages.error(request, localized(exc.message))
    return redirect("merchant-chargeback", membership.merchant.public_id, mode, chargeback.chargeback_id)


@require_POST
@merchant_page("edit_application")
def chargeback_submit(request, membership, mode: str, chargeback_id: str):
    chargeback = _get(membership, mode, chargeback_id)
    try:
        services.chargeback_submit(chargeback=chargeback, actor=request.user)
        messages.success(request, _("Evidence submitted to the acquirer."))
    except PortalError as exc:
        messages.error(request, localized(exc.message))
    return redirect("merchant-chargeback", membership.merchant.public_id, mode, chargeback.chargeback_id)

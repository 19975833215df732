"""Merchant pages: deposits (statements), one statement with its lines, its CSV and PDF; a
platform also sees its tenants' statements and its platform-fee income."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render

from payments.settlements import documents
from payments.settlements.models import PlatformStatement, Statement
from portal.models import Merchant
from portal.views import merchant_page, page_mode


def _visible(merchant: Merchant):
    """The statements a merchant may see: its own, and a platform's tenants'."""
    ids = [merchant.pk]
    if merchant.is_platform:
        ids += list(
            Merchant.objects.filter(platform=merchant, shop_type="tenant").values_list("pk", flat=True)
        )
    return Statement.objects.filter(merchant_id__in=ids).select_related("merchant")


def _statement(membership, mode: str, statement_id: str) -> Statement:
    statement = _visible(membership.merchant).filter(mode=mode, public_id=statement_id).first()
    if statement is None:
        raise Http404("No such statement")
    return statement


@merchant_page()
def deposit_list(request, membership):
    mode = page_mode(request)
    merchant = membership.merchant
    statements = _visible(merchant).filter(mode=mode).order_by("-term_start", "merchant_id", "-id")
    income = PlatformStatement.objects.filter(platform=merchant, mode=mode).order_by("-term_start", "-id")
    return render(
        request,
        "settlements/list.html",
        {
            "membership": membership,
            "merchant": merchant,
            "mode": mode,
            "page": Paginator(statements, 50).get_page(request.GET.get("page")),
            "income": income if merchant.is_platform else None,
        },
    )


@merchant_page()
def deposit_detail(request, membership, mode: str, statement_id: str):
    statement = _statement(membership, mode, statement_id)
    return render(
        request,
        "settlements/detail.html",
        {
            "membership": membership,
            "merchant": membership.merchant,
            "statement": statement,
            "lines": statement.lines.select_related("posting").order_by("id"),
        },
    )


def statement_download(statement: Statement, kind: str) -> HttpResponse:
    if kind == "csv":
        response = HttpResponse(
            documents.statement_csv(statement=statement), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(documents.statement_pdf(statement=statement), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{documents.statement_filename(statement, kind)}"'
    )
    return response


@merchant_page()
def deposit_download(request, membership, mode: str, statement_id: str, kind: str):
    if kind not in ("csv", "pdf"):
        raise Http404("No such format")
    return statement_download(_statement(membership, mode, statement_id), kind)

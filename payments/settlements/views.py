"""``/v1/accounts`` and ``/v1/platform_accounts`` (fincode's 売上入金): thin views over the selectors.

A platform's key may read a tenant's accounts with ``Tenant-Shop-Id`` (the principal's merchant
is then the tenant); platform accounts are a platform's own key's only."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from payments.api.views import MerchantApiView, list_answer, valid_data
from payments.settlements import selectors
from payments.settlements import serializers as s
from portal.api.permissions import PlatformKeyRequired, SecretKeyRequired
from portal.models import Contract

TENANT_HEADER = [
    OpenApiParameter(
        "Tenant-Shop-Id",
        str,
        OpenApiParameter.HEADER,
        required=False,
        description="A platform's tenant shop whose accounts to read (platform keys only).",
    )
]


class AccountApiView(MerchantApiView):
    error_area = "25"
    permission_classes = [SecretKeyRequired]


class PlatformAccountApiView(AccountApiView):
    permission_classes = [PlatformKeyRequired]


class AccountsView(AccountApiView):
    @extend_schema(
        operation_id="retrieveAccountList",
        parameters=[s.AccountListQuery, *TENANT_HEADER],
        responses=s.AccountList,
        tags=["Accounts"],
    )
    def get(self, request):
        query = valid_data(s.AccountListQuery, request.query_params)
        queryset = selectors.statement_list(merchant=self.merchant, mode=self.mode, filters=query)
        return list_answer(request, queryset, query, s.AccountResponse)


class AccountDetailView(AccountApiView):
    @extend_schema(
        operation_id="retrieveAccount",
        parameters=TENANT_HEADER,
        responses=s.AccountResponse,
        tags=["Accounts"],
    )
    def get(self, request, id: str):
        statement = selectors.statement_get(merchant=self.merchant, mode=self.mode, public_id=id)
        return Response(s.AccountResponse(statement).data)


class AccountLinesView(AccountApiView):
    @extend_schema(
        operation_id="retrieveAccountDetailList",
        parameters=[s.PageQuery, *TENANT_HEADER],
        responses=s.AccountDetailList,
        tags=["Accounts"],
    )
    def get(self, request, id: str):
        statement = selectors.statement_get(merchant=self.merchant, mode=self.mode, public_id=id)
        query = valid_data(s.PageQuery, request.query_params)
        contracts = {c.pay_type: c for c in Contract.objects.filter(merchant_id=statement.merchant_id)}
        context = {"statement": statement, "contracts": contracts}

        def answer(items, many=True):
            return s.AccountDetailResponse(items, many=many, context=context)

        return list_answer(request, selectors.statement_lines(statement=statement), query, answer)


class PlatformAccountsView(PlatformAccountApiView):
    @extend_schema(
        operation_id="retrievePlatformAccountList",
        parameters=[s.AccountListQuery],
        responses=s.PlatformAccountList,
        tags=["Accounts"],
    )
    def get(self, request):
        query = valid_data(s.AccountListQuery, request.query_params)
        queryset = selectors.platform_statement_list(platform=self.merchant, mode=self.mode, filters=query)
        return list_answer(request, queryset, query, s.PlatformAccountResponse)


class PlatformAccountDetailView(PlatformAccountApiView):
    @extend_schema(
        operation_id="retrievePlatformAccount", responses=s.PlatformAccountResponse, tags=["Accounts"]
    )
    def get(self, request, id: str):
        found = selectors.platform_statement_get(platform=self.merchant, mode=self.mode, public_id=id)
        return Response(s.PlatformAccountResponse(found).data)


class PlatformAccountSummaryView(PlatformAccountApiView):
    @extend_schema(
        operation_id="retrievePlatformAccountSummaryList",
        parameters=[s.SummaryQuery],
        responses=s.PlatformAccountSummaryList,
        tags=["Accounts"],
    )
    def get(self, request, id: str):
        found = selectors.platform_statement_get(platform=self.merchant, mode=self.mode, public_id=id)
        query = valid_data(s.SummaryQuery, request.query_params)
        queryset = selectors.platform_statement_summaries(platform_statement=found, filters=query)

        def answer(items, many=True):
            return s.PlatformAccountSummaryResponse(items, many=many, context={"platform_statement": found})

        return list_answer(request, queryset, query, answer)

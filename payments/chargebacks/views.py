"""``GET /v1/shop_charge_backs`` (fincode's ``retrieveChargebackList``), and our extensions
``GET /v1/shop_charge_backs/{id}`` and ``POST /v1/shop_charge_backs/{id}/evidence``: thin views."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from payments.api.views import MerchantApiView, list_answer, valid_data
from payments.chargebacks import selectors, services
from payments.chargebacks import serializers as s


class ChargebackApiView(MerchantApiView):
    error_area = "26"


class ChargebacksView(ChargebackApiView):
    @extend_schema(
        operation_id="retrieveChargebackList",
        parameters=[s.ListQuery],
        responses=s.ChargebackList,
        tags=["Chargebacks"],
    )
    def get(self, request):
        query = valid_data(s.ListQuery, request.query_params)
        queryset = selectors.chargeback_list(merchant=self.merchant, mode=self.mode, filters=query)
        return list_answer(request, queryset, query, s.ListItem)


class ChargebackDetailView(ChargebackApiView):
    @extend_schema(
        operation_id="retrieveChargeback", summary="Extension", responses=s.DetailAnswer, tags=["Chargebacks"]
    )
    def get(self, request, id: str):
        chargeback = selectors.chargeback_get(merchant=self.merchant, mode=self.mode, chargeback_id=id)
        return Response(s.DetailAnswer(chargeback).data)


class ChargebackEvidenceView(ChargebackApiView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="createChargebackEvidence",
        summary="Extension",
        request={"multipart/form-data": s.EvidenceUpload},
        responses=s.DetailAnswer,
        tags=["Chargebacks"],
    )
    def post(self, request, id: str):
        chargeback = selectors.chargeback_get(merchant=self.merchant, mode=self.mode, chargeback_id=id)
        services.chargeback_evidence_add(
            chargeback=chargeback, upload=request.FILES.get("file"), actor=request.auth
        )
        chargeback = selectors.chargeback_get(merchant=self.merchant, mode=self.mode, chargeback_id=id)
        return Response(s.DetailAnswer(chargeback).data)

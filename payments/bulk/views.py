"""``/v1/payments/bulk`` (fincode's): thin views over the services."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from payments.api.views import IDEMPOTENCY_HEADERS, MerchantApiView, list_answer, valid_data
from payments.bulk import errors, selectors
from payments.bulk import serializers as s
from payments.bulk.models import PaymentBulk
from payments.bulk.services import uploads
from portal.errors import FieldError

TAGS = ["Bulk payments"]


class BulkApiView(MerchantApiView):
    error_area = errors.AREA

    def bulk(self, bulk_id: str) -> PaymentBulk:
        return selectors.bulk_get(merchant=self.merchant, mode=self.mode, bulk_id=bulk_id)


class PaymentBulksView(BulkApiView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="createPaymentBulk",
        parameters=[s.BulkCreateQuery, *IDEMPOTENCY_HEADERS],
        request={"multipart/form-data": s.BulkCreateRequest},
        responses=s.BulkResponse,
        tags=TAGS,
    )
    def post(self, request):
        query = valid_data(s.BulkCreateQuery, {**request.data.dict(), **request.query_params.dict()})
        upload = request.FILES.get("file")
        if upload is None:
            raise FieldError(errors.AREA, "file", "required")
        bulk = uploads.bulk_upload(
            merchant=self.merchant,
            mode=self.mode,
            pay_type=query["pay_type"],
            process_plan_date=query["process_plan_date"],
            file_name=upload.name or "",
            raw=upload.read(),
        )
        return Response(s.BulkResponse(self.bulk(bulk.bulk_id)).data)

    @extend_schema(
        operation_id="retrievePaymentBulkList", parameters=[s.BulkListQuery], responses=s.BulkList, tags=TAGS
    )
    def get(self, request):
        query = valid_data(s.BulkListQuery, request.query_params)
        found = selectors.bulk_list(merchant=self.merchant, mode=self.mode, filters=query)
        return list_answer(request, found, query, s.BulkResponse)


BULK_ID = OpenApiParameter("id", str, OpenApiParameter.PATH, description="The bulk payment's id (bp_…).")


class PaymentBulkDetailView(BulkApiView):
    @extend_schema(
        operation_id="retrievePaymentBulkDetailList",
        parameters=[BULK_ID, s.DetailListQuery],
        responses=s.DetailList,
        tags=TAGS,
    )
    def get(self, request, id: str):
        query = valid_data(s.DetailListQuery, request.query_params)
        bulk = self.bulk(id)
        found = selectors.bulk_details(bulk=bulk, filters=query)
        line_errors = selectors.bulk_line_errors(bulk=bulk)
        return list_answer(
            request,
            found,
            query,
            s.DetailResponse,
            error_code=bulk.error_code or None,
            error_detail=s.LineErrorResponse(line_errors, many=True).data,
        )

    @extend_schema(
        operation_id="deletePaymentBulk",
        parameters=[BULK_ID],
        responses={200: s.BulkDeleteResponse},
        tags=TAGS,
    )
    def delete(self, request, id: str):
        bulk = uploads.bulk_delete(bulk=self.bulk(id))
        return Response(s.BulkDeleteResponse(bulk).data)

"""``POST /v1/sessions`` and ``POST /v1/card_sessions`` (fincode's): thin views over the services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from payments.api.views import IDEMPOTENCY_HEADERS, MerchantApiView, valid_data
from payments.hosted import selectors, services
from payments.hosted import serializers as s


class HostedApiView(MerchantApiView):
    error_area = "19"


class PaymentSessionsView(HostedApiView):
    @extend_schema(
        operation_id="createPaymentSession",
        summary="Create a payment page (fincode's redirect-type payment)",
        request=s.PaymentSessionCreateRequest,
        responses=s.PaymentSessionResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Hosted pages"],
    )
    def post(self, request):
        data = valid_data(s.PaymentSessionCreateRequest, request.data)
        session = services.payment_session_create(merchant=self.merchant, mode=self.mode, data=data)
        return Response(
            s.PaymentSessionResponse(selectors.payment_session_get(session_id=session.session_id)).data
        )


class CardSessionsView(HostedApiView):
    @extend_schema(
        operation_id="createCardRegistrationSession",
        summary="Create a card-registration page (fincode's redirect-type card registration)",
        request=s.CardSessionCreateRequest,
        responses=s.CardSessionResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Hosted pages"],
    )
    def post(self, request):
        data = valid_data(s.CardSessionCreateRequest, request.data)
        session = services.card_session_create(merchant=self.merchant, mode=self.mode, data=data)
        return Response(s.CardSessionResponse(selectors.card_session_get(session_id=session.session_id)).data)

"""The payments API (fincode-compatible): thin views that validate, call one service, shape the answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from payments import errors, selectors
from payments.admission.sessions import session_follow
from payments.api import methods
from payments.api import serializers as s
from payments.methods.card import saved, secure, tokens
from payments.methods.registry import method_for
from payments.models import Customer, Payment
from payments.services import customers, registration
from portal.api.permissions import PublicOrSecretKey
from portal.errors import PortalError
from portal.idempotency import IdempotentMixin

if TYPE_CHECKING:
    from portal.api.authentication import ApiPrincipal
    from portal.models import Merchant

IDEMPOTENCY_HEADERS = [
    OpenApiParameter(
        "idempotent_key",
        str,
        OpenApiParameter.HEADER,
        pattern="^[!-~]{0,255}$",  # sent empty, it is no key
        description="Idempotency key (fincode's header; `Idempotency-Key` works too). Same key and body within "
        "24 h replays the first answer.",
    )
]


def valid_data(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def list_links(request, page: selectors.Page) -> dict:
    def link(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return {
        "total_count": page.total_count,
        "last_page": page.last_page,
        "current_page": page.current_page,
        "limit": page.limit,
        "link_next": link(page.current_page + 1) if page.current_page < page.last_page else None,
        "link_previous": link(page.current_page - 1) if 1 < page.current_page <= page.last_page + 1 else None,
    }


def list_answer(request, queryset, query: dict, answer, **extra) -> Response:
    """fincode's list envelope: the page of ``queryset`` that ``query`` asks for (``page``,
    ``limit``, ``count_only``), each item answered by the serializer class ``answer``."""
    page = selectors.paginate(
        queryset, page=query["page"], limit=query["limit"], count_only=query["count_only"]
    )
    return Response({**list_links(request, page), "list": answer(page.items, many=True).data, **extra})


class MerchantApiView(IdempotentMixin, APIView):
    error_area = "10"

    # ``request.user`` is the key's ApiPrincipal (``ApiKeyAuthentication``).
    @property
    def merchant(self) -> Merchant:
        return cast("ApiPrincipal", self.request.user).merchant

    @property
    def mode(self) -> str:
        return cast("ApiPrincipal", self.request.user).mode


def payment_answer(request, payment: Payment, *, executing: bool = False) -> Response:
    session_follow(request, payment=payment)  # the payment session goes on while the buyer pays
    return Response(methods.answer_data(request, payment, executing=executing))


class PaymentsView(MerchantApiView):
    @extend_schema(
        operation_id="createPayment",
        summary="Register a payment",
        request=methods.REGISTER_SCHEMA,
        responses=methods.RESPONSE_SCHEMA,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Payments"],
    )
    def post(self, request):
        data = valid_data(methods.register_request(request.data), request.data)
        payment = registration.payment_register(
            merchant=self.merchant,
            mode=self.mode,
            data=data,
            actor=request.auth,
            order_id=getattr(request, "admission_order_id", None),
        )
        return payment_answer(request, payment)

    @extend_schema(
        operation_id="retrievePaymentList",
        summary="List payments",
        parameters=[s.PaymentListQuery],
        responses=methods.PaymentList,
        tags=["Payments"],
    )
    def get(self, request):
        query = valid_data(s.PaymentListQuery, request.query_params)
        payments = selectors.payment_list(
            merchant=self.merchant, mode=self.mode, filters=query
        ).select_related("merchant", "customer", "card")
        return list_answer(request, payments, query, methods.response_class(query["pay_type"]))


class PaymentDetailView(MerchantApiView):
    def payment(self, order_id: str) -> Payment:
        return selectors.payment_get(merchant=self.merchant, mode=self.mode, order_id=order_id)

    def checked(self, order_id: str, data: dict, payment: Payment | None = None) -> Payment:
        payment = payment or self.payment(order_id)
        if data.get("pay_type") and data["pay_type"] != payment.pay_type:
            raise PortalError(errors.PAY_TYPE_MISMATCH, field="pay_type")
        if "access_id" in data and data["access_id"] != payment.access_id:
            raise PortalError(errors.ACCESS_ID_MISMATCH, field="access_id")
        return payment

    @extend_schema(
        operation_id="retrievePayment",
        summary="Retrieve a payment",
        parameters=[
            OpenApiParameter(
                "pay_type", str, OpenApiParameter.QUERY, required=False, enum=s.FINCODE_PAY_TYPES
            )
        ],
        responses=methods.RESPONSE_SCHEMA,
        tags=["Payments"],
    )
    def get(self, request, order_id: str):
        payment = self.checked(order_id, {"pay_type": request.query_params.get("pay_type")})
        return payment_answer(request, payment)

    @extend_schema(
        operation_id="executePayment",
        summary="Execute a payment (card token or saved card; 3-D Secure when registered with tds_type=2; "
        "wallet code, konbini slip or virtual account for the other pay types)",
        request=methods.EXECUTE_SCHEMA,
        responses=methods.EXECUTE_RESPONSE_SCHEMA,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Payments"],
    )
    def put(self, request, order_id: str):
        payment = self.payment(order_id)
        data = valid_data(methods.execute_request(payment.pay_type), request.data)
        payment = method_for(payment.pay_type).execute(
            payment=self.checked(order_id, data, payment), data=data, actor=request.auth
        )
        return payment_answer(request, payment, executing=True)


def _action(name: str, summary: str, operation_id: str):
    class ActionView(PaymentDetailView):
        http_method_names = ["put", "options"]

        @extend_schema(
            operation_id=operation_id,
            summary=summary,
            request=methods.action_schema(name),
            responses=methods.RESPONSE_SCHEMA,
            parameters=IDEMPOTENCY_HEADERS,
            tags=["Payments"],
        )
        def put(self, request, order_id: str):
            payment = self.payment(order_id)
            data = valid_data(methods.action_request(payment.pay_type, name), request.data)
            payment = method_for(payment.pay_type).operate(
                payment=self.checked(order_id, data, payment), operation=name, data=data, actor=request.auth
            )
            return payment_answer(request, payment)

    ActionView.__name__ = ActionView.__qualname__ = f"Payment{name.title()}View"
    return ActionView


PaymentCaptureView = _action("capture", "Capture an authorised payment", "capturePayment")
PaymentCancelView = _action("cancel", "Cancel a payment", "cancelPayment")
PaymentReauthorizeView = _action("auth", "Authorise a cancelled payment again", "authorizePayment")
PaymentChangeView = _action("change", "Change a payment's amount", "changeAmountOfPayment")
PaymentSecureView = _action(
    "secure", "Execute a payment after 3-D Secure authentication", "executePaymentAfterThreeDSecure"
)


class Secure2View(MerchantApiView):
    error_area = "13"

    def payment(self, access_id: str) -> Payment:
        return selectors.payment_by_access_id(merchant=self.merchant, mode=self.mode, access_id=access_id)

    @staticmethod
    def answer(session, request) -> Response:
        body = {
            "pay_type": "Card",
            "tds2_trans_result": session.trans_result,
            "tds2_trans_result_reason": session.trans_result_reason or None,
        }
        if session.trans_result == "C":
            body["challenge_url"] = request.build_absolute_uri(
                reverse("tds-challenge", args=[session.payment.access_id])
            )
        return Response(body)

    @extend_schema(
        operation_id="authenticateSecure2",
        summary="Run 3-D Secure 2 authentication (after the 3DS method event)",
        request=s.Secure2Request,
        responses=s.Secure2Response,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["3-D Secure"],
    )
    def put(self, request, access_id: str):
        data = valid_data(s.Secure2Request, request.data)
        session = secure.tds_authenticate(payment=self.payment(access_id), param=data["param"])
        return self.answer(session, request)

    @extend_schema(
        operation_id="retrieveSecure2Result",
        summary="Confirm the 3-D Secure 2 result (after the challenge)",
        responses=s.Secure2Response,
        tags=["3-D Secure"],
    )
    def get(self, request, access_id: str):
        session = secure.tds_result_get(payment=self.payment(access_id))
        return self.answer(session, request)


class TokensView(MerchantApiView):
    """Card tokenisation from a browser: public key (a secret key works too)."""

    error_area = "11"
    permission_classes = [PublicOrSecretKey]

    @extend_schema(
        operation_id="createCardToken",
        summary="Tokenise a card (public key)",
        request=s.TokenRequest,
        responses=s.TokenResponse,
        tags=["Cards"],
    )
    def post(self, request):
        data = valid_data(s.TokenRequest, request.data)
        issued = tokens.token_create(merchant=self.merchant, mode=self.mode, **data)
        token = issued.token
        return Response(
            {
                "token": issued.raw,
                "card_no": token.card_no,
                "brand": token.brand,
                "expire": token.expire,
                "expire_at": timezone.localtime(token.expires_at).isoformat(timespec="seconds"),
                "holder_name": token.holder_name,
                "card_no_hash": token.card_no_hash,
            }
        )


class CustomersView(MerchantApiView):
    error_area = "12"

    @extend_schema(
        operation_id="createCustomer",
        request=s.CustomerRequest,
        responses=s.CustomerResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Customers"],
    )
    def post(self, request):
        data = valid_data(s.CustomerRequest, request.data)
        customer = customers.customer_create(merchant=self.merchant, mode=self.mode, data=data)
        return Response(s.CustomerResponse(customer).data)

    @extend_schema(
        operation_id="retrieveCustomerList",
        parameters=[s.CustomerListQuery],
        responses=s.CustomerList,
        tags=["Customers"],
    )
    def get(self, request):
        query = valid_data(s.CustomerListQuery, request.query_params)
        found = selectors.customer_list(merchant=self.merchant, mode=self.mode, filters=query)
        return list_answer(request, found, query, s.CustomerResponse)


class CustomerView(MerchantApiView):
    # The views under ``customers/{customer_id}`` (no docstring: drf-spectacular would publish it).

    def customer(self, customer_id: str) -> Customer:
        return selectors.customer_get(merchant=self.merchant, mode=self.mode, customer_id=customer_id)


class CustomerDetailView(CustomerView):
    error_area = "12"

    @extend_schema(operation_id="retrieveCustomer", responses=s.CustomerResponse, tags=["Customers"])
    def get(self, request, customer_id: str):
        return Response(s.CustomerResponse(self.customer(customer_id)).data)

    @extend_schema(
        operation_id="updateCustomer",
        request=s.CustomerUpdateRequest,
        responses=s.CustomerResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Customers"],
    )
    def put(self, request, customer_id: str):
        data = valid_data(s.CustomerUpdateRequest, request.data)
        customer = customers.customer_update(customer=self.customer(customer_id), data=data)
        return Response(s.CustomerResponse(customer).data)

    @extend_schema(operation_id="deleteCustomer", responses={200: s.DeletedCustomer}, tags=["Customers"])
    def delete(self, request, customer_id: str):
        customers.customer_delete(customer=self.customer(customer_id))
        return Response({"id": customer_id, "delete_flag": "1"})


class CardsView(CustomerView):
    error_area = "11"
    http_method_names = ["get", "post", "options"]

    @extend_schema(
        operation_id="createCustomerCard",
        request=s.CardCreateRequest,
        responses=s.CardResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Cards"],
    )
    def post(self, request, customer_id: str):
        data = valid_data(s.CardCreateRequest, request.data)
        card = saved.card_create(
            customer=self.customer(customer_id), token=data["token"], default_flag=data["default_flag"] == "1"
        )
        return Response(s.CardResponse(card).data)

    @extend_schema(operation_id="retrieveCustomerCardList", responses=s.CardList, tags=["Cards"])
    def get(self, request, customer_id: str):
        cards = self.customer(customer_id).cards.select_related("customer").order_by("created", "id")
        return Response({"list": s.CardResponse(cards, many=True).data})


class CardDetailView(CustomerView):
    error_area = "11"

    def card(self, customer_id: str, card_id: str):
        return selectors.card_get(customer=self.customer(customer_id), card_id=card_id)

    @extend_schema(operation_id="retrieveCustomerCard", responses=s.CardResponse, tags=["Cards"])
    def get(self, request, customer_id: str, card_id: str):
        return Response(s.CardResponse(self.card(customer_id, card_id)).data)

    @extend_schema(
        operation_id="updateCustomerCard",
        request=s.CardUpdateRequest,
        responses=s.CardResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Cards"],
    )
    def put(self, request, customer_id: str, card_id: str):
        data = valid_data(s.CardUpdateRequest, request.data)
        card = saved.card_update(card=self.card(customer_id, card_id), data=data)
        return Response(s.CardResponse(card).data)

    @extend_schema(operation_id="deleteCustomerCard", responses={200: s.DeletedCard}, tags=["Cards"])
    def delete(self, request, customer_id: str, card_id: str):
        saved.card_delete(card=self.card(customer_id, card_id))
        return Response({"id": card_id, "customer_id": customer_id, "delete_flag": "1"})

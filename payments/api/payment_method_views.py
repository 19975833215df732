"""A customer's payment methods (fincode's ``/v1/customers/{customer_id}/payment_methods``): saved
cards (``Card``) and direct-debit accounts (``Directdebit``), each kind by its pay type's module
(``registry.saved_methods_for``)."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from payments import errors
from payments.api import directdebit_serializers as d
from payments.api.views import IDEMPOTENCY_HEADERS, CustomerView, valid_data
from payments.methods.directdebit.accounts import account_redirect_use
from payments.methods.registry import saved_methods_for
from portal.errors import PortalError

PAY_TYPE_QUERY = OpenApiParameter(
    "pay_type", str, OpenApiParameter.QUERY, required=True, enum=["Card", "Directdebit"]
)


class PaymentMethodsView(CustomerView):
    error_area = "18"
    http_method_names = ["get", "post", "options"]

    @extend_schema(
        operation_id="createCustomerPaymentMethod",
        summary="Register a payment method (a card, or a bank account for direct debit)",
        request=d.PaymentMethodCreateRequest,
        responses=d.PaymentMethodResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Payment methods"],
    )
    def post(self, request, customer_id: str):
        data = valid_data(d.PaymentMethodCreateRequest, request.data)
        kind = saved_methods_for(data["pay_type"])
        others = {"card", "directdebit"} - {kind.details_field}
        if not data.get(kind.details_field) or any(data.get(name) for name in others):
            raise PortalError(errors.PAYMENT_METHOD_DETAILS_REQUIRED, field=kind.details_field)
        method = kind.create(customer=self.customer(customer_id), data=data)
        return Response(d.PaymentMethodResponse(method, context={"request": request}).data)

    @extend_schema(
        operation_id="retrieveCustomerPaymentMethodList",
        summary="List a customer's payment methods of a pay type",
        parameters=[PAY_TYPE_QUERY],
        responses=d.PaymentMethodList,
        tags=["Payment methods"],
    )
    def get(self, request, customer_id: str):
        query = valid_data(d.PaymentMethodQuery, request.query_params)
        methods = saved_methods_for(query["pay_type"]).list(customer=self.customer(customer_id))
        return Response(
            {"list": d.PaymentMethodResponse(methods, many=True, context={"request": request}).data}
        )


class PaymentMethodDetailView(CustomerView):
    error_area = "18"
    http_method_names = ["get", "delete", "options"]

    @extend_schema(
        operation_id="retrieveCustomerPaymentMethod",
        summary="Retrieve a payment method",
        parameters=[PAY_TYPE_QUERY],
        responses=d.PaymentMethodResponse,
        tags=["Payment methods"],
    )
    def get(self, request, customer_id: str, payment_method_id: str):
        query = valid_data(d.PaymentMethodQuery, request.query_params)
        method = saved_methods_for(query["pay_type"]).get(
            customer=self.customer(customer_id), payment_method_id=payment_method_id
        )
        return Response(d.PaymentMethodResponse(method, context={"request": request}).data)

    @extend_schema(
        operation_id="deleteCustomerPaymentMethod",
        summary="Delete a payment method",
        parameters=[
            OpenApiParameter(
                "pay_type", str, OpenApiParameter.QUERY, required=False, enum=["Card", "Directdebit"]
            )
        ],
        responses={200: d.DeletedPaymentMethod},
        tags=["Payment methods"],
    )
    def delete(self, request, customer_id: str, payment_method_id: str):
        query = valid_data(d.PaymentMethodDeleteQuery, request.query_params)
        # Without pay_type (fincode's SDK sends none), the id's prefix tells: cards are ``cs_``.
        pay_type = query.get("pay_type") or ("Card" if payment_method_id.startswith("cs_") else "Directdebit")
        kind = saved_methods_for(pay_type)
        customer = self.customer(customer_id)
        kind.delete(method=kind.get(customer=customer, payment_method_id=payment_method_id))
        return Response(
            {"id": payment_method_id, "pay_type": pay_type, "customer_id": customer_id, "delete_flag": "1"}
        )


@require_GET
def directdebit_redirect(request, token: str):
    """The buyer's way to the bank to approve a direct-debit account: usable once (fincode)."""
    target = account_redirect_use(token=token)
    if target is None:
        return HttpResponse(
            "This link has already been used or is no longer valid.", status=410, content_type="text/plain"
        )
    return HttpResponseRedirect(target)

"""``/v1/plans`` and ``/v1/subscriptions`` (fincode's): thin views over the services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from payments import errors as payment_errors
from payments.api.views import IDEMPOTENCY_HEADERS, MerchantApiView, list_answer, valid_data
from payments.subscriptions import selectors
from payments.subscriptions import serializers as s
from payments.subscriptions.models import Plan, Subscription
from payments.subscriptions.services import plans, subscriptions
from portal.errors import PortalError


class SubscriptionApiView(MerchantApiView):
    error_area = "17"

    def plan(self, plan_id: str) -> Plan:
        return selectors.plan_get(merchant=self.merchant, mode=self.mode, plan_id=plan_id)

    def subscription(self, subscription_id: str) -> Subscription:
        return selectors.subscription_get(
            merchant=self.merchant, mode=self.mode, subscription_id=subscription_id
        )


class PlansView(SubscriptionApiView):
    @extend_schema(
        operation_id="createPlan",
        request=s.PlanCreateRequest,
        responses=s.PlanResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Plans"],
    )
    def post(self, request):
        data = valid_data(s.PlanCreateRequest, request.data)
        plan = plans.plan_create(merchant=self.merchant, mode=self.mode, data=data)
        return Response(s.PlanResponse(self.plan(plan.plan_id)).data)

    @extend_schema(
        operation_id="retrievePlanList", parameters=[s.PlanListQuery], responses=s.PlanList, tags=["Plans"]
    )
    def get(self, request):
        query = valid_data(s.PlanListQuery, request.query_params)
        found = selectors.plan_list(merchant=self.merchant, mode=self.mode, filters=query)
        return list_answer(request, found, query, s.PlanResponse)


class PlanDetailView(SubscriptionApiView):
    @extend_schema(operation_id="retrievePlan", responses=s.PlanResponse, tags=["Plans"])
    def get(self, request, plan_id: str):
        return Response(s.PlanResponse(self.plan(plan_id)).data)

    @extend_schema(
        operation_id="updatePlan",
        request=s.PlanUpdateRequest,
        responses=s.PlanResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Plans"],
    )
    def put(self, request, plan_id: str):
        data = valid_data(s.PlanUpdateRequest, request.data)
        plans.plan_update(plan=self.plan(plan_id), data=data)
        return Response(s.PlanResponse(self.plan(plan_id)).data)

    @extend_schema(operation_id="deletePlan", responses={200: s.PlanResponse}, tags=["Plans"])
    def delete(self, request, plan_id: str):
        plans.plan_delete(plan=self.plan(plan_id))
        return Response(s.PlanResponse(self.plan(plan_id)).data)


class SubscriptionsView(SubscriptionApiView):
    @extend_schema(
        operation_id="createSubscription",
        request=s.SubscriptionCreateRequest,
        responses=s.SubscriptionResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Subscriptions"],
    )
    def post(self, request):
        data = valid_data(s.SubscriptionCreateRequest, request.data)
        created = subscriptions.subscription_create(merchant=self.merchant, mode=self.mode, data=data)
        return Response(s.SubscriptionResponse(self.subscription(created.subscription_id)).data)

    @extend_schema(
        operation_id="retrieveSubscriptionList",
        parameters=[s.SubscriptionListQuery],
        responses=s.SubscriptionList,
        tags=["Subscriptions"],
    )
    def get(self, request):
        query = valid_data(s.SubscriptionListQuery, request.query_params)
        found = selectors.subscription_list(merchant=self.merchant, mode=self.mode, filters=query)
        return list_answer(request, found, query, s.SubscriptionResponse)


class SubscriptionDetailView(SubscriptionApiView):
    @extend_schema(
        operation_id="retrieveSubscription", responses=s.SubscriptionResponse, tags=["Subscriptions"]
    )
    def get(self, request, subscription_id: str):
        return Response(s.SubscriptionResponse(self.subscription(subscription_id)).data)

    @extend_schema(
        operation_id="updateSubscription",
        request=s.SubscriptionUpdateRequest,
        responses=s.SubscriptionResponse,
        parameters=IDEMPOTENCY_HEADERS,
        tags=["Subscriptions"],
    )
    def put(self, request, subscription_id: str):
        data = valid_data(s.SubscriptionUpdateRequest, request.data)
        subscription = self.subscription(subscription_id)
        if data["pay_type"] != subscription.pay_type:
            raise PortalError(payment_errors.PAY_TYPE_MISMATCH, field="pay_type")
        subscriptions.subscription_update(subscription=subscription, data=data)
        return Response(s.SubscriptionResponse(self.subscription(subscription_id)).data)

    @extend_schema(
        operation_id="unsubscripbeSubscription",  # sic: fincode's operation id
        responses={200: s.SubscriptionResponse},
        tags=["Subscriptions"],
    )
    def delete(self, request, subscription_id: str):
        subscriptions.subscription_cancel(subscription=self.subscription(subscription_id))
        return Response(s.SubscriptionResponse(self.subscription(subscription_id)).data)


class SubscriptionResultsView(SubscriptionApiView):
    @extend_schema(
        operation_id="retrieveSubscriptionResultList",
        parameters=[s.ResultListQuery],
        responses=s.ResultList,
        tags=["Subscriptions"],
    )
    def get(self, request, subscription_id: str):
        query = valid_data(s.ResultListQuery, request.query_params)
        subscription = self.subscription(subscription_id)
        found = selectors.subscription_results(subscription=subscription, filters=query)
        return list_answer(request, found, query, s.ResultResponse)

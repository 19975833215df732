"""Signing a customer up to a plan, changing the subscription, and cancelling it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from payments import errors as payment_errors
from payments.methods.base import RecurringCharges
from payments.methods.registry import recurring_for
from payments.models import Customer
from payments.services.registration import payment_amount_check
from payments.subscriptions import errors, schedule
from payments.subscriptions.models import Plan, Subscription
from payments.subscriptions.webhooks import subscription_event
from portal.db import one_or_none
from portal.errors import PortalError
from portal.models import Merchant

TEXT_FIELDS = ("remarks", "client_field_1", "client_field_2", "client_field_3")


def business_today() -> date:
    """Today in Japan (``TIME_ZONE``): the day charges are due by."""
    return timezone.localdate()


def _plan_locked(*, merchant: Merchant, mode: str, plan_id: str) -> Plan:
    plan = one_or_none(Plan.objects.select_for_update().filter(merchant=merchant, mode=mode, plan_id=plan_id))
    if plan is None:
        raise PortalError(errors.PLAN_NOT_FOUND, field="plan_id")
    if plan.deleted_at is not None:
        raise PortalError(errors.PLAN_DELETED, field="plan_id")
    return plan


def _check_amounts(*, subscription: Subscription, plan: Plan) -> None:
    for amount, tax in ((plan.amount, plan.tax), (subscription.initial_amount, subscription.initial_tax)):
        if amount is not None:
            payment_amount_check(
                merchant=subscription.merchant,
                mode=subscription.mode,
                pay_type=subscription.pay_type,
                total=amount + (tax or 0),
            )


def _check_dates(*, start: date, stop: date | None, today: date) -> None:
    if start < today:
        raise PortalError(errors.START_DATE_PAST, field="start_date")
    if stop is not None and stop < start:
        raise PortalError(errors.STOP_BEFORE_START, field="stop_date")


def _check_start(*, kind: RecurringCharges, start: date) -> None:
    problem = kind.start_problem(start)
    if problem:
        raise PortalError(errors.START_DATE_NOT_CHARGEABLE, f"start_date: {problem}.", field="start_date")


def _reschedule(subscription: Subscription) -> None:
    subscription.next_charge_date = schedule.next_charge(
        start=subscription.start_date,
        interval_months=subscription.plan.interval_months,
        period=subscription.period,
        end_of_month=subscription.end_month_flag,
        stop=subscription.stop_date,
    )


@transaction.atomic
def subscription_create(
    *, merchant: Merchant, mode: str, data: dict[str, Any], today: date | None = None
) -> Subscription:
    today = today or business_today()
    pay_type = data["pay_type"]
    kind = recurring_for(pay_type)
    plan = _plan_locked(merchant=merchant, mode=mode, plan_id=data["plan_id"])
    customer = one_or_none(
        Customer.objects.select_for_update().filter(
            merchant=merchant, mode=mode, customer_id=data["customer_id"]
        )
    )
    if customer is None:
        raise PortalError(payment_errors.CUSTOMER_NOT_FOUND, field="customer_id")
    source = kind.source(
        customer=customer, card_id=data.get("card_id"), payment_method_id=data.get("payment_method_id")
    )
    _check_dates(start=data["start_date"], stop=data.get("stop_date"), today=today)
    _check_start(kind=kind, start=data["start_date"])
    subscription = Subscription(
        merchant=merchant,
        mode=mode,
        pay_type=pay_type,
        plan=plan,
        customer=customer,
        **source,
        start_date=data["start_date"],
        stop_date=data.get("stop_date"),
        end_month_flag=data.get("end_month_flag") == "1",
        initial_amount=data.get("initial_amount"),
        initial_tax=data.get("initial_tax") if data.get("initial_amount") is not None else None,
        **{f: data[f] for f in TEXT_FIELDS if data.get(f)},
    )
    if subscription.initial_amount is not None and subscription.initial_tax is None:
        subscription.initial_tax = 0
    if data.get("id"):
        subscription.subscription_id = data["id"]
    _check_amounts(subscription=subscription, plan=plan)
    _reschedule(subscription)
    try:
        with transaction.atomic():
            subscription.save()
    except IntegrityError as exc:
        raise PortalError(errors.SUBSCRIPTION_EXISTS, field="id") from exc
    subscription_event(subscription=subscription, action="regist")
    return subscription


def _locked(subscription: Subscription) -> Subscription:
    locked = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan", "customer", "card")
        .get(pk=subscription.pk)
    )
    if locked.status in (Subscription.Status.CANCELED, Subscription.Status.INCOMPLETE):
        raise PortalError(errors.SUBSCRIPTION_CANCELED)
    return locked


@transaction.atomic
def subscription_update(
    *, subscription: Subscription, data: dict[str, Any], today: date | None = None
) -> Subscription:
    """Change a subscription. A new plan or initial amount applies from the next charge; the
    start date can move only before the first charge."""
    today = today or business_today()
    subscription = _locked(subscription)
    if subscription.status == Subscription.Status.RUNNING:
        raise PortalError(errors.SUBSCRIPTION_RUNNING)
    if data.get("plan_id") and data["plan_id"] != subscription.plan.plan_id:
        subscription.plan = _plan_locked(
            merchant=subscription.merchant, mode=subscription.mode, plan_id=data["plan_id"]
        )
    if data.get("start_date") and data["start_date"] != subscription.start_date:
        if subscription.charges.exists():
            raise PortalError(errors.START_DATE_LOCKED, field="start_date")
        subscription.start_date = data["start_date"]
        _check_dates(start=subscription.start_date, stop=None, today=today)
        _check_start(kind=recurring_for(subscription.pay_type), start=subscription.start_date)
    if "stop_date" in data:
        subscription.stop_date = data["stop_date"]
        if subscription.stop_date is not None and subscription.stop_date < subscription.start_date:
            raise PortalError(errors.STOP_BEFORE_START, field="stop_date")
    if data.get("end_month_flag") is not None:
        subscription.end_month_flag = data["end_month_flag"] == "1"
    if data.get("initial_amount") is not None:
        subscription.initial_amount = data["initial_amount"]
        subscription.initial_tax = data.get("initial_tax") or 0
    for name in TEXT_FIELDS:
        if data.get(name) is not None:
            setattr(subscription, name, data[name])
    _check_amounts(subscription=subscription, plan=subscription.plan)
    if not subscription.retry_on:  # a failed charge being retried keeps its day
        _reschedule(subscription)
    subscription.save()
    subscription_event(subscription=subscription, action="update")
    return subscription


@transaction.atomic
def subscription_cancel(*, subscription: Subscription) -> Subscription:
    """Unsubscribe: no charge from now on (one already under way completes and is reported)."""
    subscription = _locked(subscription)
    subscription.status = Subscription.Status.CANCELED
    subscription.canceled_at = timezone.now()
    subscription.next_charge_date = subscription.retry_on = None
    subscription.save(update_fields=["status", "canceled_at", "next_charge_date", "retry_on", "updated"])
    subscription_event(subscription=subscription, action="delete")
    return subscription

"""Charging subscriptions: each period exactly once, whatever processes race, repeat or die.

A charge is three steps, none holding a lock across the network:

1. **claim** (one transaction, the subscription row locked, ``SKIP LOCKED``): if a period is
   due, write its attempt (``SubscriptionCharge``, PENDING, with its own payment order id)
   and mark the subscription RUNNING with a lease; if an attempt is already PENDING (its
   process died), take it up again once the lease has run out;
2. **pay**: register the attempt's payment under the attempt's order id (a second
   registration of it is refused by the unique order id, and the first one is used) and
   execute it with the customer's card — the payments core's pending-operation protocol
   makes the acquirer call safe to repeat and reconciles an answer lost in a crash;
3. **settle** (one transaction, locked): read the payment's outcome; on success the period
   is done and the next charge date set; on a decline the attempt is FAILED and a retry is
   scheduled (``SUBSCRIPTION_RETRY_DAYS`` after the charge day), or after the last retry the
   period is given up; an outcome still in doubt leaves the attempt PENDING for later.

The database enforces the rest: one PENDING attempt per subscription, one SUCCEEDED attempt
per period. Dates are business days in Japan; ``today`` is passed in (Celery beat passes the
real one; tests pass theirs).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from payments import errors
from payments.methods.registry import RECURRING, recurring_for
from payments.models import JobCode, Payment, Status
from payments.services.registration import payment_register
from payments.subscriptions import schedule
from payments.subscriptions.models import Subscription, SubscriptionBatch, SubscriptionCharge
from payments.subscriptions.webhooks import batch_event
from portal.db import one_or_none
from portal.errors import PortalError

logger = logging.getLogger(__name__)

ACTOR = "subscription"
PAID = (Status.CAPTURED, Status.AUTHORIZED)
# What a payment says about its attempt once the acquirer has answered.
SUCCEEDED, FAILED, IN_DOUBT, TO_PAY, WAITING = "succeeded", "failed", "in doubt", "to pay", "waiting"
# Asked for, the provider answers later (a direct debit: the bank's result after the debit day).
AWAITING = (Status.AWAITING_PAYMENT_APPROVAL, Status.AWAITING_CUSTOMER_PAYMENT)
# Refusals that say "not now" rather than "no": the attempt stays PENDING and is made again
# once its lease runs out.
TRANSIENT = {
    errors.PAYMENT_BUSY.code, errors.PROVIDER_UNAVAILABLE.code, errors.PROVIDER_TIMEOUT.code,
    errors.PROVIDER_ERROR.code,
}  # fmt: skip


def _lease() -> timedelta:
    return timedelta(seconds=settings.SUBSCRIPTION_CHARGE_LEASE_SECONDS)


def _due(subscription: Subscription, today: date) -> bool:
    day = subscription.next_charge_date
    ahead = timedelta(days=recurring_for(subscription.pay_type).lead_days)
    return (
        subscription.status == Subscription.Status.ACTIVE
        and day is not None
        and day - ahead <= today
        and (subscription.retry_on is None or subscription.retry_on <= today)
    )


def _charge_amounts(subscription: Subscription) -> tuple[int, int]:
    if subscription.period == 0 and subscription.initial_amount is not None:
        return subscription.initial_amount, subscription.initial_tax or 0
    return subscription.plan.amount, subscription.plan.tax


@transaction.atomic
def charge_claim(*, subscription_pk: int, today: date) -> SubscriptionCharge | None:
    """Step 1: the attempt to make now (new, or one a dead process left), or None."""
    subscription = one_or_none(
        Subscription.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("plan")
        .filter(pk=subscription_pk)
    )
    if subscription is None:  # another process holds it this instant
        logger.debug("subscription %s: locked by another process", subscription_pk)
        return None
    now = timezone.now()
    attempt = one_or_none(subscription.charges.filter(status=SubscriptionCharge.Status.PENDING))
    if attempt is not None:  # in flight: take it up again once its process's lease has run out
        if subscription.lease_until is not None and subscription.lease_until > now:
            logger.debug("subscription %s: being charged until %s", subscription_pk, subscription.lease_until)
            return None
    elif subscription.status == Subscription.Status.RUNNING:
        # settled, but the process died before releasing the subscription
        subscription.status, subscription.lease_until = Subscription.Status.ACTIVE, None
        subscription.save(update_fields=["status", "lease_until", "updated"])
        return None
    elif _due(subscription, today):
        assert subscription.next_charge_date is not None
        amount, tax = _charge_amounts(subscription)
        attempt = SubscriptionCharge.objects.create(
            subscription=subscription,
            period=subscription.period,
            attempt=subscription.charges.filter(period=subscription.period).count() + 1,
            charge_date=subscription.next_charge_date,
            run_date=today,
            plan=subscription.plan,
            amount=amount,
            tax=tax,
        )
    else:
        logger.debug("subscription %s: nothing due by %s", subscription_pk, today)
        return None
    if subscription.status == Subscription.Status.ACTIVE:  # a canceled one finishes what it started
        subscription.status = Subscription.Status.RUNNING
    subscription.lease_until = now + _lease()
    subscription.save(update_fields=["status", "lease_until", "updated"])
    return attempt


def _payment(attempt: SubscriptionCharge) -> Payment:
    """The attempt's payment: registered once under the attempt's order id."""
    if attempt.payment_id is not None:
        return Payment.objects.select_related("merchant").get(pk=attempt.payment_id)
    subscription = attempt.subscription
    payment = one_or_none(Payment.objects.filter(merchant=subscription.merchant, order_id=attempt.order_id))
    if payment is None:
        try:
            payment = payment_register(
                merchant=subscription.merchant,
                mode=subscription.mode,
                data={
                    "pay_type": subscription.pay_type,
                    "job_code": JobCode.CAPTURE,
                    "amount": attempt.amount,
                    "tax": attempt.tax,
                    "id": attempt.order_id,
                    "client_field_1": subscription.client_field_1 or None,
                    "client_field_2": subscription.client_field_2 or None,
                    "client_field_3": subscription.client_field_3 or None,
                },
                actor=ACTOR,
            )
        except PortalError:  # registered meanwhile by a process that died afterwards
            payment = Payment.objects.get(merchant=subscription.merchant, order_id=attempt.order_id)
    SubscriptionCharge.objects.filter(pk=attempt.pk, payment__isnull=True).update(payment=payment)
    return payment


def _outcome(payment: Payment) -> str:
    if payment.status in PAID:
        return SUCCEEDED
    if payment.pending_operation:
        return IN_DOUBT
    if payment.status in AWAITING:
        return WAITING
    if payment.status == Status.UNPROCESSED and (not payment.error_code or payment.error_code in TRANSIENT):
        return TO_PAY  # not tried, or the acquirer never got it (nothing charged)
    return FAILED


def charge_pay(*, attempt: SubscriptionCharge) -> str | None:
    """Step 2: make the payment (unless it is made or in doubt). Returns the error code of a
    refusal before the acquirer was asked (no card, card expired …), if any."""
    payment = _payment(attempt)
    if _outcome(payment) != TO_PAY or attempt.tries >= settings.SUBSCRIPTION_CHARGE_TRIES:
        return None  # made, in doubt, or tried enough (``charge_settle`` says which)
    SubscriptionCharge.objects.filter(pk=attempt.pk).update(tries=F("tries") + 1)
    subscription = attempt.subscription
    kind = recurring_for(subscription.pay_type)
    try:
        kind.execute(payment=payment, subscription=subscription, charge_date=attempt.charge_date)
    except PortalError as exc:
        logger.info(
            "subscription %s: charge %s refused: %s", subscription.subscription_id, attempt.pk, exc.code
        )
        return exc.code
    return None


@dataclass
class Settled:
    status: str
    next_charge_date: date | None = None


def _after_failure(subscription: Subscription, attempt: SubscriptionCharge, today: date) -> None:
    retry_days = settings.SUBSCRIPTION_RETRY_DAYS
    if attempt.attempt <= len(retry_days):
        retry_on = attempt.charge_date + timedelta(days=retry_days[attempt.attempt - 1])
        subscription.retry_on = max(retry_on, today + timedelta(days=1))
    else:  # the last retry failed: the period is given up, the next one is charged as usual
        _period_done(subscription)


def _period_done(subscription: Subscription) -> None:
    subscription.period += 1
    subscription.retry_on = None
    subscription.next_charge_date = schedule.next_charge(
        start=subscription.start_date,
        interval_months=subscription.plan.interval_months,
        period=subscription.period,
        end_of_month=subscription.end_month_flag,
        stop=subscription.stop_date,
    )


@transaction.atomic
def charge_settle(*, attempt: SubscriptionCharge, today: date, refusal: str | None = None) -> Settled:
    """Step 3: apply the payment's outcome to the attempt and the subscription."""
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan")
        .get(pk=attempt.subscription_id)
    )
    attempt = SubscriptionCharge.objects.select_for_update().get(pk=attempt.pk)
    if attempt.status != SubscriptionCharge.Status.PENDING:
        return Settled(attempt.status, subscription.next_charge_date)
    assert attempt.payment_id is not None  # registered by ``charge_pay`` before it returns
    payment = Payment.objects.get(pk=attempt.payment_id)
    outcome = _outcome(payment)
    if outcome == TO_PAY and (
        (refusal and refusal not in TRANSIENT) or attempt.tries >= settings.SUBSCRIPTION_CHARGE_TRIES
    ):
        outcome = FAILED  # refused outright, or the acquirer failed this attempt too often
    if outcome in (IN_DOUBT, TO_PAY, WAITING):  # later: the lease runs out, the sweep takes it up again
        if outcome == WAITING:  # days, for a direct debit: look again now and then
            subscription.lease_until = timezone.now() + timedelta(seconds=settings.SUBSCRIPTION_WAIT_SECONDS)
            subscription.save(update_fields=["lease_until", "updated"])
        return Settled(SubscriptionCharge.Status.PENDING, subscription.next_charge_date)
    now = timezone.now()
    attempt.process_date = now
    if outcome == SUCCEEDED:
        attempt.status, attempt.error_code = SubscriptionCharge.Status.SUCCEEDED, ""
        subscription.error_code = ""
        _period_done(subscription)
    else:
        attempt.status = SubscriptionCharge.Status.FAILED
        attempt.error_code = subscription.error_code = refusal or payment.error_code or ""
        _after_failure(subscription, attempt, today)
    attempt.save(update_fields=["status", "error_code", "process_date", "updated"])
    if subscription.status == Subscription.Status.RUNNING:
        subscription.status = Subscription.Status.ACTIVE
    else:  # canceled while the charge was under way
        subscription.next_charge_date = subscription.retry_on = None
    subscription.lease_until = None
    subscription.save()
    return Settled(attempt.status, subscription.next_charge_date)


def subscription_charge(*, subscription_pk: int, today: date) -> str:
    """Claim, pay and settle one subscription's due charge (or the one a dead process left).
    Safe to run any number of times, in any number of processes."""
    attempt = charge_claim(subscription_pk=subscription_pk, today=today)
    if attempt is None:
        return "nothing to do"
    refusal = charge_pay(attempt=attempt)
    return charge_settle(attempt=attempt, today=today, refusal=refusal).status


def due_subscriptions(*, today: date, limit: int = 1000) -> list[int]:
    """Subscriptions with a charge due by ``today``, and those whose charging process stopped
    before it released them (lease run out)."""
    now = timezone.now()
    ahead = Q()  # each pay type charges its lead days ahead of the charge day
    for kind in RECURRING.values():
        ahead |= Q(pay_type=kind.pay_type, next_charge_date__lte=today + timedelta(days=kind.lead_days))
    due = Subscription.objects.filter(
        ahead, status=Subscription.Status.ACTIVE, lease_until__isnull=True
    ).exclude(retry_on__gt=today)
    stuck = Subscription.objects.filter(lease_until__lt=now)  # the lease is held only while charging
    return list((due | stuck).order_by("next_charge_date", "pk").values_list("pk", flat=True)[:limit])


@transaction.atomic
def batches_report(*, today: date) -> int:
    """One ``recurring.<pay type>.batch`` event per merchant, mode, pay type and billing day whose
    charges are all settled, for the charges no batch reported yet. Returns how many."""
    groups = (
        SubscriptionCharge.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(batch__isnull=True, run_date__lte=today)
        .exclude(status=SubscriptionCharge.Status.PENDING)
        .values_list(
            "subscription__merchant_id",
            "subscription__mode",
            "subscription__pay_type",
            "run_date",
            "pk",
            "status",
        )
    )
    pending = set(
        SubscriptionCharge.objects.filter(status=SubscriptionCharge.Status.PENDING).values_list(
            "subscription__merchant_id", "subscription__mode", "subscription__pay_type", "run_date"
        )
    )
    by_group: dict[tuple, list[tuple[int, str]]] = {}
    for merchant_id, mode, pay_type, run_date, pk, status in groups:
        by_group.setdefault((merchant_id, mode, pay_type, run_date), []).append((pk, status))
    reported = 0
    for key, charges in by_group.items():
        if key in pending:
            continue  # the day's run is still under way
        merchant_id, mode, pay_type, run_date = key
        succeeded = sum(1 for _, status in charges if status == SubscriptionCharge.Status.SUCCEEDED)
        batch = SubscriptionBatch.objects.create(
            merchant_id=merchant_id,
            mode=mode,
            pay_type=pay_type,
            run_date=run_date,
            succeeded=succeeded,
            failed=len(charges) - succeeded,
        )
        SubscriptionCharge.objects.filter(pk__in=[pk for pk, _ in charges]).update(batch=batch)
        batch_event(
            merchant=batch.merchant,
            mode=mode,
            pay_type=pay_type,
            charge_date=run_date,
            succeeded=batch.succeeded,
            failed=batch.failed,
            when=batch.created,
        )
        reported += 1
    return reported

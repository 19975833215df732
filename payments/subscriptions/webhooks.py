"""fincode's subscription webhooks: ``subscription.<pay type>.regist|update|delete`` and the
``recurring.<pay type>.batch`` summary of a billing run."""

from __future__ import annotations

from datetime import date, datetime

from payments.api.serializers import fincode_time
from payments.subscriptions.models import Subscription
from payments.webhooks.outbox import event_record
from payments.webhooks.payloads import day_text, flag_text


def _prefix(pay_type: str) -> str:
    return pay_type.lower()


def subscription_payload(subscription: Subscription) -> dict:
    card = subscription.card
    return {
        "shop_id": subscription.merchant.public_id,
        "subscription_id": subscription.subscription_id,
        "plan_id": subscription.plan.plan_id,
        "customer_id": subscription.customer.customer_id if subscription.customer is not None else None,
        "card_id": card.card_id if card is not None else None,
        "default_card_flag": flag_text(card.default_flag) if card is not None else "1",
        "payment_method_id": subscription.payment_method_id or None,
        "status": subscription.status,
        "client_field_1": subscription.client_field_1 or None,
        "client_field_2": subscription.client_field_2 or None,
        "client_field_3": subscription.client_field_3 or None,
        "process_date": fincode_time(subscription.updated),
        "start_date": day_text(subscription.start_date),
        "stop_date": day_text(subscription.stop_date),
        "next_charge_date": day_text(subscription.next_charge_date),
        "end_month_flag": flag_text(subscription.end_month_flag),
        "pay_type": subscription.pay_type,
    }


def subscription_event(*, subscription: Subscription, action: str) -> None:
    """Record ``subscription.<pay type>.<action>`` in the caller's transaction."""
    subscription.event_seq += 1  # the caller holds the subscription's row lock
    Subscription.objects.filter(pk=subscription.pk).update(event_seq=subscription.event_seq)
    event_record(
        merchant_id=subscription.merchant_id,
        mode=subscription.mode,
        name=f"subscription.{_prefix(subscription.pay_type)}.{action}",
        sequence=subscription.event_seq,
        payload=subscription_payload(subscription),
    )


def batch_event(
    *, merchant, mode: str, pay_type: str, charge_date: date, succeeded: int, failed: int, when: datetime
) -> None:
    event_record(
        merchant_id=merchant.pk,
        mode=mode,
        name=f"recurring.{_prefix(pay_type)}.batch",
        sequence=1,  # each batch is an object of its own
        payload={
            "shop_id": merchant.public_id,
            "succeeded": str(succeeded),
            "failed": str(failed),
            "total": str(succeeded + failed),
            "process_date": fincode_time(when),
            "charge_date": day_text(charge_date),
            "pay_type": pay_type,
        },
    )

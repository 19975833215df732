"""Test mode: play the buyer at the simulated provider (fincode's ``….complete.stub``)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from payments import errors
from payments.asyncflows.services.common import method_of
from payments.methods.registry import asynchronous_method_for
from payments.models import Payment, Status
from portal.errors import PortalError


def payment_simulate_buyer(*, payment: Payment) -> None:
    """Test mode: the buyer pays (fincode's ``….complete.stub`` for konbini and bank transfer).

    The simulators are the outside world, so this queues a task that calls them over HTTP.
    """
    if payment.mode != "test":
        raise PortalError(errors.NOT_IN_TEST_MODE)
    if (
        asynchronous_method_for(payment.pay_type) is None
        or payment.status != Status.AWAITING_CUSTOMER_PAYMENT
    ):
        raise PortalError(errors.INVALID_STATUS_TRANSITION, "Only a payment awaiting the buyer can be paid.")
    from payments.asyncflows.tasks import simulate_buyer

    payment_id = payment.pk
    transaction.on_commit(lambda: simulate_buyer.apply_async(kwargs={"payment_id": payment_id}))


def simulate_buyer_run(*, payment_id: int) -> int:
    """Call the test-mode simulator as the buyer would; returns its HTTP status."""
    from payments.providers import http

    payment = Payment.objects.get(pk=payment_id)
    base = settings.PROVIDER_SIMULATOR_URL.rstrip("/")
    client = http.client("simulator-buyer", 10.0)
    response = method_of(payment).buyer_request(payment=payment, client=client, base_url=base)
    return response.status_code

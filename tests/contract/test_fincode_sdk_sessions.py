"""fincode's Node.js SDK, unchanged, makes hosted payment and card-registration pages over HTTP
(gunicorn); a buyer pays and saves a card on them."""

import pytest

from payments.hosted.models import CardRegistrationSession, PaymentSession
from payments.models import Card, Payment
from tests.contract.conftest import run_flow

pytestmark = pytest.mark.django_db(transaction=True)


def test_fincode_node_sdk_hosted_pages(sdk_server, merchant):
    steps = run_flow("flow_sessions.js", sdk_server, merchant)
    assert list(steps) == ["payment", "card", "errors", "done"]
    assert steps["payment"]["status"] == "CAPTURED"
    session = PaymentSession.objects.get(session_id=steps["payment"]["id"])
    assert session.status == "COMPLETED" and session.merchant == merchant.merchant
    assert Payment.objects.get(order_id=steps["payment"]["order_id"]).total_amount == 2750
    assert CardRegistrationSession.objects.get(session_id=steps["card"]["id"]).status == "COMPLETED"
    assert Card.objects.get().card_id == steps["card"]["card_id"]

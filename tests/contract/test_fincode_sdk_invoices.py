"""Invoices over HTTP (gunicorn) through the fincode Node SDK's request layer (the SDK has no
invoices resource): draft, open, paid by bank transfer, paid outside, cancel, delete."""

import pytest

from tests.contract.conftest import run_flow

pytestmark = pytest.mark.django_db(transaction=True)


def test_fincode_node_sdk_invoices(sdk_server, merchant):
    steps = run_flow("flow_invoices.js", sdk_server, merchant)
    assert list(steps) == ["draft", "open", "paid", "external", "cancel", "list", "errors", "done"]
    assert steps["draft"] == {"step": "draft", "status": "DRAFT", "total_amount": 23080, "lines": 2}
    assert steps["open"] == {
        "step": "open",
        "status": "AWAITING_CUSTOMER_PAYMENT",
        "account": True,
        "url": True,
    }
    assert steps["paid"] == {"step": "paid", "status": "PAID", "transaction_date": True}
    assert steps["external"] == {"step": "external", "status": "PAID", "is_paid_externally": True}
    assert steps["cancel"] == {"step": "cancel", "status": "CANCELED", "delete_flag": "1"}
    assert steps["list"]["count"] == 2
    assert steps["errors"] == {"step": "errors", "status": 404, "code": "E2200000001"}

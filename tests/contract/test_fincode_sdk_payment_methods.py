"""fincode's Node.js SDK, unchanged, drives saved payment methods and direct debit over HTTP (gunicorn)."""

import pytest

from tests.contract.conftest import run_flow

pytestmark = pytest.mark.django_db(transaction=True)


def test_fincode_node_sdk_payment_methods_and_direct_debit(sdk_server, merchant):
    steps = run_flow("flow_payment_methods.js", sdk_server, merchant)
    assert list(steps) == ["account", "debit", "cancel", "card", "errors", "done"]
    assert steps["account"]["status"] == "ACTIVATED"
    assert steps["debit"] == {**steps["debit"], "status": "CAPTURED", "result_code": "0"}
    assert steps["cancel"]["status"] == "CANCELED"

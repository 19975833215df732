"""The pay types' modules (payments.methods) own their rules: the rest of the app asks the registry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from payments import errors
from payments.methods.base import MethodApi
from payments.methods.registry import METHODS, method_for
from portal.errors import PortalError
from portal.models import PayType

PAYMENTS = Path(__file__).resolve().parents[2] / "payments"
# Where a pay type may be named: its own module, its own serializers (their pay_type choice),
# the model's choices, the simulators (the outside world) and admission control's key space.
ALLOWED = (
    "methods/",
    "simulators/",
    "admission/",
    "migrations/",
    "api/method_serializers.py",
    "api/bnpl_serializers.py",
)
BRANCH = re.compile(r"pay_type\s*(==|!=)|PayType\.[A-Z]")


def test_every_pay_type_has_its_module():
    assert set(PayType.values) <= set(METHODS)
    for pay_type, method in METHODS.items():
        assert method.pay_type == pay_type
        assert isinstance(method.api, MethodApi)
        assert method.statuses and method.event_prefix.startswith("payments.")
        assert set(method.operations) <= set(method.api.actions)  # each operation declares its body


def test_an_unknown_pay_type_is_refused():
    with pytest.raises(PortalError) as refused:
        method_for("Alipay")
    assert refused.value.spec is errors.PAY_TYPE_NOT_SUPPORTED


def test_no_pay_type_branch_outside_the_methods():
    found = [
        f"{path.relative_to(PAYMENTS)}:{number}: {line.strip()}"
        for path in PAYMENTS.rglob("*.py")
        if not str(path.relative_to(PAYMENTS)).startswith(ALLOWED)
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if BRANCH.search(line)
    ]
    assert found == []


@pytest.mark.django_db
def test_a_list_of_a_pay_type_we_do_not_take_is_empty(api):
    """fincode's pay types are all accepted in the query; those without a module list nothing."""
    response = api.call("GET", "/v1/payments?pay_type=Applepay")
    assert response.status_code == 200
    assert (response.json()["total_count"], response.json()["list"]) == (0, [])

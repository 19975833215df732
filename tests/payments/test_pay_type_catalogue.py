"""The pay types the product takes are the registry's: a new pay type's module needs no
migration, no enum, no event table and no contract terms elsewhere (``portal.pay_types``)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from payments.methods.card import CardMethod
from payments.methods.registry import METHODS
from payments.models import Payment
from payments.webhooks.events import EVENTS, FINCODE_EVENTS, OBJECT_EVENTS
from portal import services
from portal.errors import FieldError
from portal.models import ApplicationMethod, Contract
from portal.pay_types import contract_defaults, pay_type_choices, pay_type_values
from tests.support import ApiClient, make_merchant

pytestmark = pytest.mark.django_db


class WalletLike(CardMethod):
    """A pay type that exists only in this test: a card handed over by a wallet."""

    __test__ = False  # not a test class (its ``test_token`` makes test tokens)
    pay_type = "Testpay"
    label = "Test wallet"
    event_prefix = "payments.testpay"

    def test_token(self, *, merchant, card_no: str, expire: str, expired: bool = False) -> str:
        return f"{merchant.public_id}:{card_no[-4:]}:{expire}:{int(expired)}"


@pytest.fixture
def testpay(monkeypatch):
    monkeypatch.setitem(METHODS, "Testpay", WalletLike())
    return METHODS["Testpay"]


def test_choices_are_the_registrys():
    assert pay_type_choices() == [(m.pay_type, m.label) for m in METHODS.values()]
    for field in (
        Payment._meta.get_field("pay_type"),
        Contract._meta.get_field("pay_type"),
        ApplicationMethod._meta.get_field("pay_type"),
    ):
        assert field.choices == pay_type_choices()


def test_a_new_pay_type_needs_no_migration_and_gets_default_terms(testpay):
    assert "Testpay" in pay_type_values()
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)  # exits 1 if one is needed
    assert "No changes detected" in out.getvalue()
    assert contract_defaults("Testpay") == settings.CONTRACT_DEFAULT_TERMS
    assert contract_defaults("Card") == settings.CONTRACT_DEFAULTS["Card"]
    shop = make_merchant(name="Catalogue Shop", methods=["Card", "Testpay"])
    contract = Contract.objects.get(merchant=shop.merchant, pay_type="Testpay")
    assert contract.max_amount == settings.CONTRACT_DEFAULT_TERMS["max_amount"]


def test_applications_refuse_a_pay_type_nobody_has(db):
    with pytest.raises(FieldError) as refused:
        services.application_methods_clean(["Card", "Nopay"])
    assert refused.value.field == "requested_methods"
    assert services.application_methods_clean(["Card", "Card"]) == ["Card"]


def test_events_are_fincodes_for_the_registered_pay_types():
    prefixes = {m.event_prefix for m in METHODS.values()}
    assert EVENTS
    # fincode names bulk payments' events payments.bulk.*: a bulk's, not a payment's
    payment_events = {name for name in EVENTS if name.startswith("payments.") and name not in OBJECT_EVENTS}
    assert {"payments.bulk.card.regist", "payments.bulk.card.batch"} <= set(OBJECT_EVENTS)
    assert {name.rsplit(".", 1)[0].split(".secure2")[0] for name in payment_events} <= prefixes | {
        p + ".complete" for p in prefixes
    } | {p + ".expired.update" for p in prefixes}
    assert "payments.directdebit.exec" in FINCODE_EVENTS and "payments.directdebit.exec" in EVENTS
    assert "customers.payment_methods.updated" in EVENTS  # a customer's payment method, not a payment


def test_wallet_test_tokens_come_from_the_pay_types_module(testpay, merchant):
    client = ApiClient()
    body = {"shop_id": merchant.merchant.public_id, "card_no": "4111111111111111", "expire": "3012"}
    made = client.post("/simulators/wallet-tokens/Testpay", body, format="json")
    assert made.status_code == 200
    assert made.json() == {"pay_type": "Testpay", "token": f"{merchant.merchant.public_id}:1111:3012:0"}
    assert client.post("/simulators/wallet-tokens/Card", body, format="json").status_code == 404
    bad = client.post("/simulators/wallet-tokens/Testpay", {**body, "card_no": "x"}, format="json")
    assert bad.status_code == 400
    unknown = client.post("/simulators/wallet-tokens/Testpay", {**body, "shop_id": "s_nobody"}, format="json")
    assert unknown.status_code == 400

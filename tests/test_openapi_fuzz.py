"""The OpenAPI schema tells the truth (issue 16, item 7).

Schemathesis generates requests from ``/v1/openapi.json`` (drf-spectacular, from the code)
and sends them to the product in-process (WSGI), authenticated with a test merchant's secret
key: schema-valid bodies and schema-invalid ones. Every answer must be no 5xx, a status the
operation documents, JSON, and a body that the documented schema for that status accepts;
input the schema refuses must be refused.

Most requests are pointed at objects the merchant has (``Seeded``: a customer and cards, a
payment of each pay type, a credit check, a webhook setting) so that real answers of each
kind are checked, not only the 404 of an unknown id.

Bounded so that the suite stays fast and CI deterministic: a fixed seed, derandomised
Hypothesis, a dozen examples per operation, no shrinking; the objects are seeded once per
module and each operation's test runs in a savepoint inside that transaction (about 60 s on
two cores, from 4 s of seeding per operation before).

``/v1/budgets/*`` is left out: that module is being rewritten (issue 7) and gets its own run
once it settles.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from payments.methods.registry import METHODS
from portal.openapi import ERROR_REF
from portal.wsgi import application
from tests.credit.conftest import BASIC_RULES, BUYER, deploy
from tests.payments import flows
from tests.payments.conftest import in_process_wsgi, providers_in_process
from tests.payments.helpers import execute, register, token
from tests.support import ApiClient, MerchantKeys, make_merchant, redis_reset, rows_for_module

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 12
SEED = 16

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "no-shrink": True,
            "deterministic": True,
            # The key is sent by the test (below), never generated nor left out.
            "with-security-parameters": False,
        },
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": False},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
    }
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]


# Loaded when the module is collected (the schema view needs neither the database nor a key);
# schemathesis' lazy `from_fixture` loader does not run under pytest 9.
schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", application, config=CONFIG).exclude(
    path_regex=r"^/v1/budgets/"
)


@pytest.fixture
def fuzz_headers(seeded) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.shop.test_secret}"}


@pytest.fixture
def wsgi_app():
    """The product behind Django's test handler, which keeps the test's database transaction
    (the plain WSGI handler closes the connection around each request, as it is not in
    autocommit inside a test)."""
    return in_process_wsgi()


# Operations whose server-side rules go beyond what OpenAPI 3.0 can state, so a schema-valid
# request may still be refused with a 400 (every other check still runs on them):
SEMANTIC_RULES = {
    # Luhn check digit and an expiry in the future.
    "POST /v1/tokens/cards": "card number and expiry",
    # The file's content is sniffed (PDF, PNG, JPEG), whatever it claims to be.
    "POST /v1/onboarding/application/documents": "document content",
    # Corporate number check digit, katakana, Japanese phone numbers, http(s) URLs.
    "PUT /v1/onboarding/application": "application fields",
    # Card rules across fields: job_code required, amount required unless CHECK and at least 1.
    "POST /v1/payments": "card registration rules across fields",
    # A card payment runs with a card token or a saved card (one of the two), and the token must
    # be one issued by POST /v1/tokens/cards, unused and unexpired.
    "PUT /v1/payments/{order_id}": "card token or saved card",
    # The new amount (+ tax) stays within the merchant contract's maximum per payment.
    "PUT /v1/payments/{order_id}/change": "contract maximum per payment",
    # A card token must be one issued by POST /v1/tokens/cards, unused and unexpired.
    "POST /v1/customers/{customer_id}/cards": "card token",
    "PUT /v1/customers/{customer_id}/cards/{card_id}": "card token",
    # The webhook URL policy (no private or loopback addresses, https in live mode); its
    # serializer is payments/webhooks' and is being reworked for issue 16 item 1.
    "POST /v1/webhook_settings": "webhook URL policy",
    "PUT /v1/webhook_settings/{setting_id}": "webhook URL policy",
    # interval_pattern and interval_count come together (fincode: each needs the other).
    "POST /v1/plans": "interval_pattern with interval_count",
    "PUT /v1/plans/{plan_id}": "interval_pattern with interval_count",
    # The plan, customer and card (or account) must exist and be the merchant's; the start is
    # today or later and a day the pay type can be charged on; the contract's maximum applies.
    "POST /v1/subscriptions": "plan, customer and saved method; start date",
    # pay_type must be the subscription's; a charged subscription keeps its start date.
    "PUT /v1/subscriptions/{subscription_id}": "the subscription's pay type and start date",
    # Each pay type needs an active contract of the merchant and the amount stays within its
    # maximum; expire is later than now; the order id is not a payment's or a page's already.
    "POST /v1/sessions": "contracted pay types, expiry in the future, unused order id",
    # expire is later than now; the merchant needs an active Card contract.
    "POST /v1/card_sessions": "expiry in the future, Card contract",
    # The application type decides which account fields are needed; the bank checks the account.
    "POST /v1/customers/{customer_id}/payment_methods": "account fields per application type",
    # The file is read (fincode's JSON or a CSV with a header line) and each line checked (order
    # ids unused, customers and cards the merchant's); process_plan_date is today or later.
    "POST /v1/payments/bulk": "file content; process plan date",
    # The customer must be the merchant's and the id unused; only a draft changes (other
    # statuses: is_uncollectible only); each action needs its status (a draft with lines to
    # open, an open invoice offering bank transfer to issue its account again).
    "POST /v1/invoices": "customer and id",
    "PUT /v1/invoices/{id}": "the invoice's status",
    "PUT /v1/invoices/{id}/open": "the invoice's status and lines",
    "PUT /v1/invoices/{id}/paid_externally": "the invoice's status",
    "PUT /v1/invoices/{id}/cancel": "the invoice's status",
    "PUT /v1/invoices/{id}/virtual_account/refresh": "the invoice's status and pay types",
}


@dataclass
class Seeded:
    """Objects of the merchant's that generated requests are pointed at, so that the fuzzer
    reaches past the 404 of an unknown id: real answers of each pay type, customer and card."""

    shop: MerchantKeys
    kept: dict[str, list[str]]  # path parameter -> ids for every method but DELETE
    doomed: dict[str, list[str]]  # path parameter -> ids for DELETE
    payments: dict[str, list[dict]]  # pay_type -> payments ({"id", "access_id", ...})
    calls: dict[str, int] = field(default_factory=dict)

    def aim(self, case) -> None:
        """Three calls in four go to seeded objects; the fourth keeps the generated ids."""
        if not case.path_parameters:
            return
        n = self.calls[case.operation.label] = self.calls.get(case.operation.label, -1) + 1
        if n % 4 == 3:
            return
        targets = self.doomed if case.method.upper() == "DELETE" else self.kept
        for name in list(case.path_parameters):
            if name in targets:
                ids = targets[name]
                case.path_parameters[name] = ids[n % len(ids)]
        if "order_id" in case.path_parameters:
            self._aim_at_payment(case, n)

    def _aim_at_payment(self, case, n: int) -> None:
        """A payment of the pay type the request names (a payment of another is a 400)."""
        body = case.body if isinstance(case.body, dict) else {}
        pay_type = body.get("pay_type", (case.query or {}).get("pay_type"))
        if pay_type is None:
            candidates = [p for payments in self.payments.values() for p in payments]
        else:
            candidates = self.payments.get(pay_type, []) if isinstance(pay_type, str) else []
        if not candidates:
            return
        payment = candidates[n % len(candidates)]
        case.path_parameters["order_id"] = payment["id"]
        if "access_id" in body:
            body["access_id"] = payment["access_id"]


_keys = itertools.count()


def fresh_idempotency_key(case) -> None:
    """A valid generated idempotency key gets a suffix of its own: the same key with another
    body is rightly refused (400), a state no schema can tell."""
    key = (case.headers or {}).get("idempotent_key")
    if isinstance(key, str) and re.fullmatch(r"[!-~]{1,240}", key):
        case.headers["idempotent_key"] = f"{key}-{next(_keys)}"


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker) -> Iterator[Seeded]:
    """Seeded once per module (and xdist worker) in a transaction of its own, rolled back at the
    end; each test runs in a savepoint inside it (pytest-django's ``db``), as Django's
    ``setUpTestData`` does, so every test starts from the same seeded state."""
    with rows_for_module(django_db_blocker), providers_in_process():
        redis_reset()
        yield _seed()


@pytest.fixture
def in_process(seeded):
    """Per test: the simulators in-process, and the live rule set published to the (flushed) Redis."""
    from credit.services import deployment_publish

    deployment_publish()
    with providers_in_process():
        yield


def _seed() -> Seeded:
    shop = make_merchant(name="Fuzz Shop", approved=True)
    deploy(BASIC_RULES)  # a live credit rule set, as a running product has (else a check is a 503)
    api = ApiClient(shop.test_secret)

    def ok(method: str, path: str, body: dict | None = None) -> dict:
        response = api.call(method, path, body)
        assert response.status_code == 200, (path, response.content)
        return response.json()

    for customer_id in ("cust-fuzz", "cust-gone"):
        ok("POST", "/v1/customers", {"id": customer_id, "name": "山田 太郎", "email": "taro@example.com"})
    cards = [ok("POST", "/v1/customers/cust-fuzz/cards", {"token": token(api), "default_flag": "1"})["id"]]
    cards.append(
        ok("POST", "/v1/customers/cust-fuzz/cards", {"token": token(api), "default_flag": "0"})["id"]
    )
    payments = [register(api), register(api)]
    assert execute(api, payments[1], token(api)).json()["status"] == "AUTHORIZED"
    payments += [flows.register(api, pay_type) for pay_type in ("Paypay", "Konbini", "Virtualaccount")]
    payments.append(ok("POST", "/v1/payments", {"pay_type": "Bnpl", "job_code": "AUTH", "amount": "3000"}))
    check = ok("POST", "/v1/credit/checks", {"amount": 5000, "buyer": BUYER})
    setting = ok(
        "POST",
        "/v1/webhook_settings",
        {"url": "https://shop.example.com/hook", "event": "payments.card.exec"},
    )
    plans = [
        ok("POST", "/v1/plans", {"plan_name": name, "amount": "1000"})["id"] for name in ("kept", "gone")
    ]
    start = timezone.localdate().strftime("%Y/%m/%d")
    subscriptions = [
        ok(
            "POST",
            "/v1/subscriptions",
            {"pay_type": "Card", "plan_id": plans[0], "customer_id": "cust-fuzz", "start_date": start},
        )["id"]
        for _ in range(2)
    ]
    plan_day = timezone.localdate().strftime("%Y/%m/%d")
    bulks = [
        api.post(
            f"/v1/payments/bulk?pay_type=Card&process_plan_date={plan_day}",
            {
                "file": SimpleUploadedFile(
                    f"{name}.csv", f"id,amount,customer_id\n{name},100,cust-fuzz\n".encode()
                )
            },
            format="multipart",
        ).json()["id"]
        for name in ("bulk-kept", "bulk-gone")
    ]
    lines = [{"name": "Fuzz", "unit_price": 1000, "quantity": 1, "tax_rate": 10}]
    invoices = [
        ok("POST", "/v1/invoices", {"customer_id": "cust-fuzz", "lines": lines})["id"] for _ in range(3)
    ]
    ok("PUT", f"/v1/invoices/{invoices[1]}/open", {})
    return Seeded(
        shop=shop,
        kept={
            "customer_id": ["cust-fuzz"],
            "card_id": cards[:1],
            "access_id": [p["access_id"] for p in payments[:2]],
            "check_id": [check["id"]],
            "setting_id": [setting["id"]],
            "plan_id": plans[:1],
            "subscription_id": subscriptions[:1],
            "id": [bulks[0], *invoices[:2]],
        },
        doomed={
            "customer_id": ["cust-gone"],
            "card_id": cards[1:],
            "setting_id": [setting["id"]],
            "plan_id": plans[1:],
            "subscription_id": subscriptions[1:],
            "id": [bulks[1], invoices[2]],
        },
        payments={
            pay_type: [p for p in payments if p["pay_type"] == pay_type]
            for pay_type in {p["pay_type"] for p in payments}
        },
    )


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_openapi_schema_tells_the_truth(case, fuzz_headers, wsgi_app, seeded, in_process):
    seeded.aim(case)
    fresh_idempotency_key(case)
    excluded = [positive_data_acceptance] if case.operation.label in SEMANTIC_RULES else []
    case.call_and_validate(headers=fuzz_headers, checks=CHECKS, excluded_checks=excluded, app=wsgi_app)


def test_every_operation_documents_its_4xx_in_fincodes_error_shape(client):
    body = client.get("/v1/openapi.json").json()
    schemas = body["components"]["schemas"]
    assert schemas["FincodeErrorResponse"]["required"] == ["errors"]
    assert schemas["FincodeError"]["required"] == ["error_code", "error_message"]
    missing = []
    for path, item in body["paths"].items():
        for method, operation in item.items():
            errors = {
                code: response for code, response in operation["responses"].items() if code.startswith("4")
            }
            refs = {
                code: response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
                for code, response in errors.items()
            }
            if not {"400", "401"} <= set(errors) or any(ref != ERROR_REF for ref in refs.values()):
                missing.append(f"{method.upper()} {path}: {refs}")
    assert missing == []


def test_every_delete_answers_200_with_the_deleted_id_and_delete_flag(client):
    body = client.get("/v1/openapi.json").json()
    schemas = body["components"]["schemas"]
    deletes = {path: item["delete"] for path, item in body["paths"].items() if "delete" in item}
    # Unsubscribing answers the subscription, CANCELED (fincode's Subscription.Unsubscribing.Response).
    unsubscribe = deletes.pop("/v1/subscriptions/{subscription_id}")
    assert unsubscribe["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/SubscriptionResponse"
    )
    assert sorted(deletes) == [
        "/v1/customers/{customer_id}",
        "/v1/customers/{customer_id}/cards/{card_id}",
        "/v1/customers/{customer_id}/payment_methods/{payment_method_id}",
        "/v1/invoices/{id}",
        "/v1/payments/bulk/{id}",
        "/v1/plans/{plan_id}",
        "/v1/webhook_settings/{setting_id}",
    ]
    for path, operation in deletes.items():
        assert "204" not in operation["responses"], path
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        answer = schemas[ref.rsplit("/", 1)[-1]]
        assert {"id", "delete_flag"} <= set(answer["required"]), path
        assert answer["properties"]["delete_flag"]["enum"] == ["1", "0"], path


def test_payment_list_items_have_one_schema_per_pay_type(client):
    body = client.get("/v1/openapi.json").json()
    schemas = body["components"]["schemas"]
    answer = body["paths"]["/v1/payments"]["get"]["responses"]["200"]["content"]["application/json"]
    listed = schemas[answer["schema"]["$ref"].rsplit("/", 1)[-1]]["properties"]["list"]["items"]
    by_pay_type = schemas[listed["$ref"].rsplit("/", 1)[-1]]
    mapping = by_pay_type["discriminator"]["mapping"]
    assert by_pay_type["discriminator"]["propertyName"] == "pay_type"
    assert sorted(mapping) == sorted(METHODS)  # every pay type of the registry, no other
    for pay_type, ref in mapping.items():
        variant = schemas[ref.rsplit("/", 1)[-1]]
        assert variant["properties"]["pay_type"]["enum"] == [pay_type]

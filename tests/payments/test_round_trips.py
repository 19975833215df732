"""The hot paths' round trips to PostgreSQL, pinned.

Each hot path has one writer (no second implementation for another database); what it costs
is counted here, against a real PostgreSQL and in autocommit mode as a web request runs (the
simulators' own statements, in-process here, are not the gateway's and are left out).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.payments.helpers import action, execute, register, token

pytestmark = pytest.mark.django_db(transaction=True)


def gateway_statements(captured: CaptureQueriesContext) -> list[str]:
    """The gateway's statements: without the simulators' (their rows, their savepoints, and a
    transaction left empty once those are taken out)."""
    kept: list[str] = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if "simulat" in sql.lower() or sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):
            continue
        if sql == "COMMIT" and kept and kept[-1] == "BEGIN":
            kept.pop()
            continue
        kept.append(sql)
    return kept


@pytest.fixture
def warm(api, public_api):
    """Caches a running server has filled (the key, the contract's terms) filled once."""
    payment = register(api)
    execute(api, payment, token(public_api))


def kinds(statements: list[str]) -> list[str]:
    """Each statement by what it does: ``SELECT payment``, ``UPDATE payment``, ``WITH``…"""
    named = []
    for sql in statements:
        words = sql.split()
        table = next((w.strip('"') for w in words if w.startswith('"payments_')), "")
        named.append(f"{words[0]} {table.removeprefix('payments_')}".strip())
    return named


def test_register_is_one_statement(api, warm):
    with CaptureQueriesContext(connection) as captured:
        register(api)
    # The payment row, its history row and (when subscribed) its webhook event: one CTE.
    assert kinds(gateway_statements(captured)) == ["WITH payment"]


def test_a_registration_names_only_the_columns_it_sets(api, warm):
    """A short statement: PostgreSQL prepares it once per connection, psycopg caches it."""
    with CaptureQueriesContext(connection) as captured:
        register(api)
    (sql,) = gateway_statements(captured)
    insert = sql[: sql.index(" VALUES ")]
    assert insert.count(",") < 25 and '"card_no"' not in insert and '"konbini_code"' not in insert


def test_execute_with_a_token(api, public_api, warm):
    payment = register(api)
    tok = token(public_api)
    with CaptureQueriesContext(connection) as captured:
        assert execute(api, payment, tok).status_code == 200
    assert kinds(gateway_statements(captured)) == [
        "SELECT payment",  # the payment as the request reads it
        "BEGIN",
        "WITH cardtoken",  # the token, used up, with its card secret deleted
        "UPDATE payment",  # the pending operation begun (conditional on the row as read)
        "COMMIT",  # durable before the acquirer is called
        "WITH payment",  # the outcome: status, history row, webhook event
    ]


@pytest.mark.parametrize("operation", ["capture", "cancel"])
def test_an_operation(api, public_api, warm, operation):
    payment = register(api)
    execute(api, payment, token(public_api))
    with CaptureQueriesContext(connection) as captured:
        assert action(api, payment, operation).status_code == 200
    assert kinds(gateway_statements(captured)) == [
        "SELECT payment",
        "BEGIN",
        "UPDATE payment",
        "COMMIT",
        "WITH payment",
    ]

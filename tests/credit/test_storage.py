"""How a check is stored: matching rules as a bitmap, and the two-statement transaction."""

from __future__ import annotations

import pytest
from django.db import connection

from credit import engine, services
from credit.models import Buyer, CreditCheck
from tests.credit.conftest import BASIC_RULES, deploy
from tests.credit.test_velocity_and_replay import _input
from tests.support import make_merchant


@pytest.mark.django_db
def test_matching_rules_are_a_bitmap_and_read_back_as_ids(merchant, live_rules):
    result = services.credit_check_run(
        merchant=merchant.merchant, mode="test", application=_input(shipping=None)
    )
    assert result.matched_rules == ["S2", "S3"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT matched_rules, matched_bits FROM credit_creditcheck WHERE id = %s", [result.check.pk]
        )
        stored, bits = cursor.fetchone()
    assert stored in ([], "[]") and bytes(bits) == bytes([0b110000])  # rules 4 and 5 of 6
    engine.cache_clear()  # read by a process that never compiled the version
    assert CreditCheck.objects.get(pk=result.check.pk).matched_rules == ["S2", "S3"]


@pytest.mark.django_db
def test_rows_without_a_bitmap_keep_their_list(merchant, live_rules):
    check = services.credit_check_run(merchant=merchant.merchant, mode="test", application=_input()).check
    CreditCheck.objects.filter(pk=check.pk).update(matched_rules_stored=["OLD"], matched_bits=None)
    assert CreditCheck.objects.get(pk=check.pk).matched_rules == ["OLD"]


@pytest.mark.django_db(transaction=True)
def test_a_failure_between_the_statements_rolls_everything_back(trained, model_settings, monkeypatch):
    deploy(BASIC_RULES)
    shop = make_merchant(name="Failing Shop")

    def boom(*args, **kwargs):
        raise RuntimeError("engine failed")

    monkeypatch.setattr(engine.CompiledVersion, "decide", boom)
    with pytest.raises(RuntimeError):
        services.credit_check_run(merchant=shop.merchant, mode="test", application=_input())
    assert connection.connection.info.transaction_status == 0  # idle: nothing left open
    assert (Buyer.objects.count(), CreditCheck.objects.count()) == (0, 0)
    monkeypatch.undo()
    body = services.credit_check_run(merchant=shop.merchant, mode="test", application=_input())
    assert body.decision == "approved" and Buyer.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_check_is_two_round_trips_in_one_transaction(trained, model_settings):
    """BEGIN travels with the first statement and COMMIT with the second (psycopg pipelines)."""
    from django.test.utils import CaptureQueriesContext

    deploy(BASIC_RULES)
    shop = make_merchant(name="Counted Shop")
    services.credit_check_run(merchant=shop.merchant, mode="test", application=_input())  # warm caches
    with CaptureQueriesContext(connection) as captured:
        services.credit_check_run(merchant=shop.merchant, mode="test", application=_input())
    statements = [q["sql"].split()[0] for q in captured.captured_queries]
    assert statements == ["BEGIN", "SELECT", "WITH", "COMMIT"]
    assert "credit_buyer_lock_history" in captured.captured_queries[1]["sql"]
    assert connection.connection.info.transaction_status == 0  # committed, idle
    assert CreditCheck.objects.count() == 2

"""Invoices feed later checks; lists, bureau cache and similarity feed features."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from credit import services
from credit.models import BureauReport, Exposure, ListEntry
from credit.similarity import UsearchNgramIndex
from portal.errors import PortalError
from tests.credit.conftest import application

pytestmark = pytest.mark.django_db


def _check(api, **changes) -> dict:
    response = api.call("POST", "/v1/credit/checks", application(**changes))
    assert response.status_code == 200, response.content
    return response.json()


def test_invoices_feed_unpaid_overdue_and_exposure(api, live_rules):
    from credit.models import CreditCheck

    first = _check(api, amount=10_000)
    check = CreditCheck.objects.get(public_id=first["id"])
    issued = timezone.now() - timedelta(days=20)
    invoice = services.bnpl_invoice_create(check=check, amount=8_000, issued_at=issued)
    assert (invoice.status, invoice.amount) == ("invoiced", 8_000)
    assert invoice.due_date == timezone.localdate(issued) + timedelta(days=14)
    second = _check(api, amount=5_000)
    features = second["features"]
    assert (features["unpaid_amount"], features["overdue_count"], features["open_invoice_count"]) == (
        8_000,
        1,
        1,
    )
    assert features["open_exposure"] == 8_000
    third = _check(api, amount=1_000)
    assert third["features"]["open_exposure"] == 13_000  # the invoice and the second check's authorization
    assert third["decision"] == "review"  # third application within the hour: no authorization held
    services.bnpl_invoice_mark_paid(invoice=invoice)
    services.credit_authorization_release(check=CreditCheck.objects.get(public_id=second["id"]))
    after = _check(api, amount=1_000)["features"]
    assert (after["unpaid_amount"], after["overdue_count"], after["paid_invoice_count"]) == (0, 0, 1)
    assert after["open_exposure"] == 0
    with pytest.raises(PortalError) as caught:
        services.bnpl_invoice_mark_paid(invoice=invoice)
    assert caught.value.code == "E2000000009"


def test_reminders_are_sent_once_per_day(api, live_rules):
    from credit.models import CreditCheck

    check = CreditCheck.objects.get(public_id=_check(api)["id"])
    invoice = services.bnpl_invoice_create(check=check, issued_at=timezone.now() - timedelta(days=20))
    today = timezone.localdate()
    assert services.bnpl_invoices_remind(today=today) == 1
    assert services.bnpl_invoices_remind(today=today) == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["taro@example.jp"]
    assert f"¥{invoice.amount:,}" in mail.outbox[0].body
    invoice.refresh_from_db()
    assert (invoice.reminder_count, invoice.last_reminded_on) == (1, today)


def test_blocklist_is_a_redis_set_fetched_with_the_counters(
    api, live_rules, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entry = services.list_entry_add(
            mode="test",
            list_name="block",
            kind="phone",
            value="090 1234 5678",
            note="chargebacks",
            actor=None,
        )
    assert entry.masked == "090****5678" and "1234" not in entry.digest
    body = _check(api)
    assert body["features"]["in_blocklist"] is True
    assert (body["decision"], body["reason_codes"][0]) == ("declined", "BLOCKLISTED")
    with django_capture_on_commit_callbacks(execute=True):
        services.list_entry_remove(entry=entry, actor=None)
    assert _check(api)["features"]["in_blocklist"] is False
    assert ListEntry.objects.count() == 0


def test_lists_come_back_after_redis_loses_them(api, live_rules):
    from portal.redis import get_redis

    services.list_entry_add(
        mode="test", list_name="block", kind="email", value="Taro@Example.jp", note="", actor=None
    )
    get_redis().flushdb()  # on-commit never ran here, and Redis forgot everything anyway
    assert _check(api)["features"]["in_blocklist"] is True


def test_bureau_document_is_cached_with_its_age(api, live_rules, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _check(api)["features"]
    assert (first["bureau_score"], first["bureau_age_days"]) == (0, -1)
    report = BureauReport.objects.get()  # refreshed after the first check (eager task here)
    BureauReport.objects.filter(pk=report.pk).update(fetched_at=timezone.now() - timedelta(days=3))
    second = _check(api)["features"]
    assert second["bureau_score"] == report.payload["score"]
    assert second["bureau_defaults"] == report.payload["defaults"]
    assert second["bureau_age_days"] == 3


def test_similarity_index_finds_near_duplicates():
    index = UsearchNgramIndex()
    index.add([1, 2, 3], ["東京都新宿区西新宿2-8-1", "大阪府大阪市北区梅田3-1-1", "山田 花子"])
    (key, similarity), *_ = index.nearest("東京都新宿区西新宿２－８－１", 1)  # full-width digits
    assert (key, similarity) == (1, 1.0)
    (key, similarity), *_ = index.nearest("東京都新宿区西新宿2-8-5", 1)
    assert key == 1 and 0.85 < similarity < 1.0
    (_, unrelated), *_ = index.nearest("北海道札幌市中央区", 1)
    assert unrelated < 0.5


def test_fraud_similarity_feature(api, live_rules, django_capture_on_commit_callbacks):
    assert _check(api)["features"]["fraud_similarity"] == 0.0
    with django_capture_on_commit_callbacks(execute=True):
        services.known_fraud_add(kind="address", text="東京都千代田区千代田1-1", actor=None)
    assert _check(api)["features"]["fraud_similarity"] == 1.0
    assert _check(api, buyer__address="東京都千代田区千代田1-2")["features"]["fraud_similarity"] > 0.85
    assert Exposure.objects.count() >= 1

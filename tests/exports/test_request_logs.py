"""Request logs: buffered by the middleware, written with COPY, exported hourly, pruned."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pyarrow.parquet as pq
import pytest
from django.db import connections
from django.utils import timezone

from exports import services
from exports.models import ExportedHour, RequestLog
from exports.request_logs import (
    request_log_append,
    request_log_dropped,
    request_log_flush,
    request_log_pending,
    request_log_stop,
)
from exports.services import hour_floor

PAN = "4111111111111111"
SECRET_QUERY = f"?card={PAN}&token=s3cret-token"


@pytest.fixture
def request_log(settings, db):
    """Request logging on, without the writer thread: rows wait for request_log_flush()."""
    settings.REQUEST_LOG_ENABLED = True
    settings.REQUEST_LOG_FLUSH_SECONDS = 0
    settings.REQUEST_LOG_WARN_SECONDS = 0  # every warning logged (else one a minute: maybe another test's)
    assert request_log_pending() == 0
    yield
    request_log_flush()  # leftovers go into this test's transaction, rolled back


@pytest.fixture
def export_dir(settings, tmp_path):
    settings.EXPORT_URL = (tmp_path / "exports").as_uri()
    return tmp_path / "exports"


def _fields(log: RequestLog) -> dict:
    return {
        "method": log.method, "path": log.path, "status_code": log.status_code,
        "merchant_id": log.merchant_id, "key_mode": log.key_mode, "client_address": log.client_address,
    }  # fmt: skip


def test_api_requests_are_logged_without_query_string_or_card_number(request_log, api, merchant):
    before = timezone.now()
    created = api.call("POST", "/v1/payments" + SECRET_QUERY, {"pay_type": "Konbini", "amount": "1500"})
    missing = api.call(
        "GET", f"/v1/payments/{PAN}{SECRET_QUERY}", headers={"User-Agent": "shop/1 " + "x" * 300}
    )
    assert RequestLog.objects.count() == 0  # nothing written on the request's path
    assert request_log_pending() == 2

    assert request_log_flush() == 2
    assert request_log_pending() == 0
    first, second = RequestLog.objects.order_by("occurred_at", "id")
    public_id = merchant.merchant.public_id
    assert _fields(first) == {
        "method": "POST", "path": "/v1/payments", "status_code": created.status_code,
        "merchant_id": public_id, "key_mode": "test", "client_address": "127.0.0.1",
    }  # fmt: skip
    assert _fields(second) == {
        "method": "GET", "path": "/v1/payments/************1111", "status_code": missing.status_code,
        "merchant_id": public_id, "key_mode": "test", "client_address": "127.0.0.1",
    }  # fmt: skip
    assert first.request_id == created["X-Request-ID"] and second.request_id == missing["X-Request-ID"]
    assert before <= first.occurred_at <= second.occurred_at <= timezone.now()
    assert first.duration_us > 0 and first.response_bytes == len(created.content)
    assert second.user_agent == ("shop/1 " + "x" * 300)[:256]
    assert (first.route, second.route) == ("v1/payments", "v1/payments/<str:order_id>")
    stored = " ".join(str(v) for v in RequestLog.objects.values_list())
    assert PAN not in stored and "s3cret" not in stored and "?" not in stored


def test_anonymous_requests_and_refusals_are_logged_without_merchant(request_log, client):
    response = client.get("/v1/payments", HTTP_AUTHORIZATION="Bearer sk_test_nope")
    request_log_flush()
    log = RequestLog.objects.get()
    assert (log.path, log.status_code, log.merchant_id, log.key_mode) == (
        "/v1/payments",
        response.status_code,
        None,
        None,
    )
    assert response.status_code in (401, 403)


def test_a_merchant_page_is_logged_with_its_merchant(request_log, client, merchant):
    client.force_login(merchant.owner)
    response = client.get(f"/m/{merchant.merchant.public_id}/team/?q={PAN}")
    assert response.status_code == 200
    request_log_flush()
    log = RequestLog.objects.get()
    assert (log.path, log.route, log.merchant_id, log.key_mode) == (
        f"/m/{merchant.merchant.public_id}/team/",
        "m/<str:merchant_id>/team/",
        merchant.merchant.public_id,
        None,
    )


def test_a_nul_in_the_url_is_logged_without_it(request_log, client):
    response = client.get("/v1/pay%00ments?q=%00")
    assert response.status_code == 400
    assert request_log_flush() == 1
    assert RequestLog.objects.values_list("path", "status_code").get() == ("/v1/payments", 400)


def test_a_failed_write_loses_its_batch_counted_and_logged(request_log, caplog):
    dropped = request_log_dropped()
    good = (time.time_ns(), 1000, "rid-good", "GET", "/", None, 200, None, None, None, None, 0)
    bad = (time.time_ns(), 1000, "rid-bad", "GET", "/", None, -1, None, None, None, None, 0)  # status < 0
    assert request_log_append(good) and request_log_append(bad)
    with caplog.at_level(logging.ERROR, logger="exports.request_logs"):
        assert request_log_flush() == 0
    assert (request_log_pending(), request_log_dropped() - dropped, RequestLog.objects.count()) == (0, 2, 0)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and errors[0].startswith("request log: a write failed, 2 rows lost")


def test_nothing_is_queued_when_disabled(settings, api):
    settings.REQUEST_LOG_ENABLED = False
    api.call("GET", "/v1/payments")
    assert request_log_pending() == 0 and request_log_flush() == 0
    assert RequestLog.objects.count() == 0


def test_a_full_buffer_drops_and_counts_instead_of_blocking(request_log, settings, api, caplog):
    settings.REQUEST_LOG_BUFFER_ROWS = 2
    dropped = request_log_dropped()
    statuses = [api.call("GET", "/v1/payments").status_code for _ in range(3)]
    assert statuses == [400, 400, 400]  # pay_type missing: answered all the same
    assert (request_log_pending(), request_log_dropped() - dropped) == (2, 1)
    with caplog.at_level(logging.WARNING, logger="exports.request_logs"):
        assert request_log_flush() == 2
    assert RequestLog.objects.count() == 2
    assert any("rows dropped" in r.getMessage() for r in caplog.records)


def test_an_hour_of_request_logs_is_exported_byte_identically(request_log, api, export_dir):
    for _ in range(3):
        api.call("GET", f"/v1/payments/{PAN}{SECRET_QUERY}")
    request_log_flush()
    hour = hour_floor(timezone.now()) - timedelta(hours=2)
    for minute, pk in enumerate(RequestLog.objects.order_by("-id").values_list("pk", flat=True)):
        RequestLog.objects.filter(pk=pk).update(occurred_at=hour + timedelta(minutes=minute))

    record = services.hour_export(kind="request_logs", hour=hour)
    path = export_dir / f"kind=request_logs/date={hour:%Y-%m-%d}/hour={hour:%H}/part-0.parquet"
    first = path.read_bytes()
    table = pq.read_table(path)
    assert record.rows == 3 and table.schema.metadata[b"schema_version"] == b"1"
    expected = list(RequestLog.objects.order_by("occurred_at", "id").values_list("id", flat=True))
    assert table["request_log_id"].to_pylist() == expected
    assert set(table["path"].to_pylist()) == {"/v1/payments/************1111"}
    assert set(table["key_mode"].to_pylist()) == {"test"}
    assert PAN not in first.decode("latin-1") and "s3cret" not in first.decode("latin-1")

    again = services.hour_export(kind="request_logs", hour=hour + timedelta(minutes=30))
    assert path.read_bytes() == first and again.sha256 == record.sha256


def _log(at) -> RequestLog:
    return RequestLog.objects.create(
        occurred_at=at, request_id="r", method="GET", path="/", status_code=200, duration_us=1
    )


def test_retention_deletes_only_old_exported_rows(settings, db):
    settings.REQUEST_LOG_RETENTION_HOURS = 48
    now = timezone.now()
    old_exported, old_pending, young = (
        _log(now - timedelta(hours=60)),
        _log(now - timedelta(hours=50)),
        _log(now),
    )
    assert services.request_logs_prune(now=now) == 0  # nothing exported yet
    ExportedHour.objects.create(
        kind="request_logs",
        hour=hour_floor(old_exported.occurred_at),
        rows=1,
        path="p",
        sha256="0",
        exported_at=now,
    )
    assert services.request_logs_prune(now=now) == 1
    assert set(RequestLog.objects.values_list("pk", flat=True)) == {old_pending.pk, young.pk}
    ExportedHour.objects.create(
        kind="request_logs",
        hour=hour_floor(now) - timedelta(hours=2),
        rows=0,
        path="p",
        sha256="0",
        exported_at=now,
    )
    assert services.request_logs_prune(now=now) == 1
    assert set(RequestLog.objects.values_list("pk", flat=True)) == {young.pk}


def _on_own_connection(work) -> None:
    """Run ``work`` in a thread of its own (Django connections are per thread), committed."""

    def run() -> None:
        try:
            work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


def test_the_writer_thread_copies_on_its_own_connection(settings, db):
    settings.REQUEST_LOG_ENABLED = True
    settings.REQUEST_LOG_FLUSH_SECONDS = 0.05
    at_ns = int(timezone.now().timestamp() * 1e9)
    row = (at_ns, 1500, "rid-thread", "GET", f"/x/{PAN}", None, 204, None, None, "203.0.113.9", None, 0)
    assert request_log_append(row)
    request_log_stop()  # joins the thread after its last flush
    try:
        log = RequestLog.objects.get(request_id="rid-thread")  # committed by the writer's connection
        assert (log.path, log.duration_us, log.status_code) == ("/x/************1111", 1, 204)
    finally:
        _on_own_connection(lambda: RequestLog.objects.filter(request_id="rid-thread").delete())

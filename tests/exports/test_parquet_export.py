"""Hourly Parquet export: files read back with pyarrow, Hive partitions, idempotence, no card numbers."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import fsspec
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from django.utils import timezone

from exports import services
from exports.models import ExportedHour
from exports.services import hour_floor
from payments.models import Payment, PaymentEvent
from payments.state import payment_event_record
from portal.models import AuditEvent
from security.models import SecurityEvent
from tests.payments.flows import register

pytestmark = pytest.mark.django_db
PAN = "4111111111111111"
DIGIT_RUNS = re.compile(r"\d{13,19}")


@pytest.fixture
def export_dir(settings, tmp_path) -> Path:
    settings.EXPORT_URL = (tmp_path / "exports").as_uri()
    return tmp_path / "exports"


@pytest.fixture
def hours():
    """Three closed hours, the first four hours ago, and a `now` that closes exactly these."""
    base = hour_floor(timezone.now()) - timedelta(hours=4)
    return base, hour_floor(timezone.now()) - timedelta(minutes=30)


@pytest.fixture
def events(api, merchant, hours):
    """Payment events in the first two hours (one carrying a card number in its detail), audit
    events in the first hour; the third hour is empty."""
    base, _ = hours
    first, second = register(api, "Paypay"), register(api, "Konbini")
    payment = Payment.objects.get(order_id=first["id"])
    payment_event_record(payment, "note", "system", remark=f"card {PAN} typed in a memo")
    placed = {PaymentEvent.objects.get(payment=payment, action="note").pk: base + timedelta(minutes=10)}
    for event in PaymentEvent.objects.filter(payment=payment).exclude(action="note"):
        placed[event.pk] = base + timedelta(minutes=5)
    for event in PaymentEvent.objects.filter(payment__order_id=second["id"]):
        placed[event.pk] = base + timedelta(hours=1, minutes=7)
    for pk, at in placed.items():
        PaymentEvent.objects.filter(pk=pk).update(created_at=at)
    AuditEvent.objects.create(
        created_at=base + timedelta(minutes=20), actor_label="ops@example.com", merchant=merchant.merchant,
        action="contract.updated", object_type="portal.contract", object_id="42",
        before={"memo": ""}, after={"memo": f"customer read out {PAN}"},
    )  # fmt: skip
    SecurityEvent.objects.create(
        occurred_at=base + timedelta(minutes=30), kind="login.failed", severity="info",
        source_ip="203.0.113.9", actor_label="someone@shop.example",
        summary=f"Failed sign-in as {PAN}", detail={"typed": PAN},
    )  # fmt: skip
    return placed


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.parquet"))


def test_closed_hours_are_written_as_hive_partitions(export_dir, events, hours, merchant):
    base, now = hours
    assert services.exports_run(now=now) == {
        "payment_events": 3,
        "audit_events": 3,
        "security_events": 3,
        "request_logs": 0,
    }
    day = lambda h: f"date={(base + timedelta(hours=h)):%Y-%m-%d}/hour={(base + timedelta(hours=h)):%H}"  # noqa: E731
    assert _files(export_dir) == sorted(
        f"kind={kind}/{day(h)}/part-0.parquet"
        for kind in ("payment_events", "audit_events", "security_events")
        for h in range(3)
    )

    first = pq.read_table(export_dir / f"kind=payment_events/{day(0)}/part-0.parquet")
    expected = list(
        PaymentEvent.objects.filter(created_at__gte=base, created_at__lt=base + timedelta(hours=1))
        .order_by("created_at", "id")
        .values_list("id", "action")
    )
    assert len(expected) >= 2
    assert list(zip(first["event_id"].to_pylist(), first["action"].to_pylist(), strict=True)) == expected
    assert set(first["merchant_id"].to_pylist()) == {merchant.merchant.public_id}
    assert set(first["mode"].to_pylist()) == {"test"}
    assert first.schema.metadata[b"kind"] == b"payment_events"
    second = pq.read_table(export_dir / f"kind=payment_events/{day(1)}/part-0.parquet")
    assert second.num_rows == PaymentEvent.objects.filter(created_at__gte=base + timedelta(hours=1)).count()
    assert set(second["pay_type"].to_pylist()) == {"Konbini"}
    empty = pq.read_table(export_dir / f"kind=payment_events/{day(2)}/part-0.parquet")
    assert empty.num_rows == 0 and empty.schema.names == first.schema.names

    # The whole tree as one dataset: the partitions are columns.
    dataset = ds.dataset(export_dir, format="parquet", partitioning="hive")
    table = dataset.to_table(filter=pc.field("kind") == "payment_events")
    assert table.num_rows == PaymentEvent.objects.count()
    audit = dataset.to_table(filter=pc.field("kind") == "audit_events")
    assert audit.num_rows == 1
    assert audit["action"].to_pylist() == ["contract.updated"]
    assert audit["hour"].to_pylist() == [int(f"{base:%H}")]
    # Each kind has its own schema: read one kind's directory as its own dataset.
    security = ds.dataset(
        export_dir / "kind=security_events", format="parquet", partitioning="hive"
    ).to_table()
    assert security["source_ip"].to_pylist() == ["203.0.113.9"]
    assert security["summary"].to_pylist() == ["Failed sign-in as ************1111"]
    assert PAN not in security["detail"].to_pylist()[0] and security["event_kind"].to_pylist() == [
        "login.failed"
    ]
    assert {r.kind: r.rows for r in ExportedHour.objects.filter(hour=base)} == {
        "payment_events": len(expected), "audit_events": 1, "security_events": 1,
    }  # fmt: skip


def test_no_card_number_in_clear_in_any_column(export_dir, events, hours):
    services.exports_run(now=hours[1])
    dataset = ds.dataset(export_dir, format="parquet", partitioning="hive")
    table = dataset.to_table()
    values = [str(v) for column in table.columns for v in column.to_pylist() if v is not None]
    assert not [v for v in values if PAN in v or DIGIT_RUNS.search(v)]
    assert any("************1111" in v for v in values if "memo" in v)  # the payment event's detail
    assert any("customer read out ************1111" in v for v in values)  # the audit event's after


def test_exporting_an_hour_again_writes_the_same_file(export_dir, events, hours):
    base, now = hours
    services.exports_run(now=now)
    path = export_dir / f"kind=payment_events/date={base:%Y-%m-%d}/hour={base:%H}/part-0.parquet"
    before, record = path.read_bytes(), ExportedHour.objects.get(kind="payment_events", hour=base)

    assert services.exports_run(now=now) == {
        "payment_events": 0,
        "audit_events": 0,
        "security_events": 0,
        "request_logs": 0,
    }
    again = services.hour_export(kind="payment_events", hour=base + timedelta(minutes=59))
    assert path.read_bytes() == before
    assert (again.pk, again.sha256, again.rows) == (record.pk, record.sha256, record.rows)
    assert ExportedHour.objects.count() == 9
    assert not list(export_dir.rglob("*.tmp"))

    # A late row (committed after the export) is picked up by exporting the hour again.
    late = PaymentEvent.objects.filter(created_at__gte=base + timedelta(hours=1)).first()
    PaymentEvent.objects.filter(pk=late.pk).update(created_at=base + timedelta(minutes=30))
    redone = services.hour_export(kind="payment_events", hour=base)
    assert redone.rows == record.rows + 1 and redone.sha256 != record.sha256
    assert late.pk in pq.read_table(path)["event_id"].to_pylist()


def test_open_hours_and_unknown_kinds_are_refused(export_dir, db):
    with pytest.raises(ValueError, match="not closed"):
        services.hour_export(kind="payment_events", hour=timezone.now())
    with pytest.raises(ValueError, match="unknown export kind"):
        services.hour_export(kind="http_logs", hour=timezone.now() - timedelta(hours=3))
    assert ExportedHour.objects.count() == 0 and not export_dir.exists()


def test_any_fsspec_url(events, hours):
    base, _ = hours
    services.hour_export(kind="audit_events", hour=base, base_url="memory://portal-exports")
    fs = fsspec.filesystem("memory")
    path = f"/portal-exports/kind=audit_events/date={base:%Y-%m-%d}/hour={base:%H}/part-0.parquet"
    with fs.open(path, "rb") as f:
        assert pq.read_table(f)["object_type"].to_pylist() == ["portal.contract"]
    fs.rm("/portal-exports", recursive=True)


def test_nothing_to_export_writes_nothing(export_dir, db):
    assert (PaymentEvent.objects.count(), AuditEvent.objects.count()) == (0, 0)
    assert services.exports_run() == {
        "payment_events": 0,
        "audit_events": 0,
        "security_events": 0,
        "request_logs": 0,
    }
    assert ExportedHour.objects.count() == 0 and not export_dir.exists()

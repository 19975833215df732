"""Cost import: the official sample, every FOCUS version's columns, CUR 2.0, Parquet, bad files, re-imports."""

from __future__ import annotations

import csv
import gzip
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from budgets.models import BillingPeriod, CostDaily, CostImport, CostStage
from budgets.scenarios import FOCUS_COLUMNS, day_line, write_cur, write_focus, write_parquet
from tests.budgets.conftest import lines, make_project, run_import

pytestmark = pytest.mark.django_db

SEPT = [date(2024, 9, 1) + timedelta(days=i) for i in range(30)]


def total(**filters) -> Decimal:
    return CostDaily.objects.filter(**filters).aggregate(s=Sum("cost"))["s"]


def test_official_sample_is_read_as_published(sample_path):
    result = run_import(sample_path)
    assert result.status == "done", result.error
    assert (result.rows_read, result.rows_rejected) == (1000, 0)
    assert result.detected_format == "FOCUS (csv)"
    # Sum of BilledCost over the 1,000 rows, to the last decimal.
    assert total() == Decimal("20.520226728990")
    assert CostDaily.objects.aggregate(n=Sum("row_count"))["n"] == 1000
    assert CostDaily.objects.values("sub_account_id").distinct().count() == 73
    # 'NULL' is an empty value, Tags a JSON object; the non-standard Id column is ignored.
    row = CostDaily.objects.get(
        resource_id__endswith="tungsten-lonbmuenle-amf/l365455f461l4e4a", charge_date=date(2024, 9, 30)
    )
    assert row.tags == {"application": "BrightLensMatrix", "environment": "dev", "business_unit": "ViennaAI"}
    assert row.region == "us-west-2"
    assert row.charge_date == date(2024, 9, 30)
    assert row.hours_mask == 1 << 22  # 2024-09-30 22:00 → 23:00
    assert not CostDaily.objects.filter(resource_id="NULL").exists()
    assert CostStage.objects.count() == 0


def test_reimporting_a_period_replaces_it(tmp_path):
    path = tmp_path / "sept.csv"
    write_focus(path, lines(SEPT, "10.5"))
    first = run_import(path)
    assert (first.status, first.rows_read, first.rows_stored) == ("done", 30, 30)
    assert total() == Decimal("315.0")
    # The same period again, corrected: replaced, not added.
    write_focus(path, lines(SEPT, "11"))
    second = run_import(path)
    assert second.status == "done"
    assert total() == Decimal("330")
    assert CostDaily.objects.count() == 30
    period = BillingPeriod.objects.get()
    assert (period.period_start, period.imports, period.last_import_id) == (date(2024, 9, 1), 2, second.pk)


def test_a_period_of_another_account_is_kept(tmp_path):
    write_focus(tmp_path / "a.csv", lines(SEPT, "1", account="A"))
    write_focus(tmp_path / "b.csv", lines(SEPT, "2", account="B"))
    run_import(tmp_path / "a.csv")
    run_import(tmp_path / "b.csv")
    run_import(tmp_path / "a.csv")
    assert total(billing_account_id="A") == Decimal(30)
    assert total(billing_account_id="B") == Decimal(60)


def test_hourly_rows_aggregate_per_day_and_resource(tmp_path):
    from datetime import UTC, datetime

    from budgets.scenarios import CostLine

    rows = [
        CostLine(
            start=datetime(2024, 9, 3, h, tzinfo=UTC),
            end=datetime(2024, 9, 3, h, tzinfo=UTC) + timedelta(hours=1),
            cost=Decimal("0.000000000123"),
            service="Amazon EC2",
            sub_account="1",
            resource="i-9",
        )
        for h in (0, 1, 5, 23)
    ]
    write_focus(tmp_path / "h.csv", rows)
    assert run_import(tmp_path / "h.csv").rows_stored == 1
    row = CostDaily.objects.get()
    assert row.cost == Decimal("0.000000000492")
    assert row.row_count == 4
    assert row.hours_mask == (1 << 0) | (1 << 1) | (1 << 5) | (1 << 23)


@pytest.mark.parametrize("version", sorted(FOCUS_COLUMNS))
def test_every_focus_version_column_names(tmp_path, version):
    path = tmp_path / f"focus-{version}.csv"
    write_focus(path, lines(SEPT[:3], "2.25", region="eu-west-1", tags={"project": "x"}), version=version)
    with path.open() as handle:
        header = next(csv.reader(handle))
    if version in ("0.5", "1.0-preview"):
        assert "Region" in header and "RegionId" not in header
    if version == "1.3":
        assert "ServiceProviderName" in header and "ProviderName" not in header
    result = run_import(path)
    assert (result.status, result.rows_read, result.rows_rejected) == ("done", 3, 0), result.error
    assert total() == Decimal("6.75")
    assert [(r.region, r.tags) for r in CostDaily.objects.all()] == [("eu-west-1", {"project": "x"})] * 3


def test_rfc3339_timestamps_and_gzip(tmp_path):
    path = tmp_path / "focus.csv.gz"
    write_focus(path, lines(SEPT[:2], "1.5"), style="rfc3339", compress=True)
    result = run_import(path)
    assert result.detected_format == "FOCUS (csv.gz)"
    assert total() == Decimal("3.0")
    assert set(CostDaily.objects.values_list("charge_date", flat=True)) == {
        date(2024, 9, 1),
        date(2024, 9, 2),
    }


def test_focus_parquet(tmp_path):
    path = tmp_path / "focus.parquet"
    write_parquet(path, lines(SEPT[:4], "0.123456789012", tags={"team": "a"}))
    result = run_import(path)
    assert (result.status, result.detected_format, result.rows_read) == ("done", "FOCUS (parquet)", 4), (
        result.error
    )
    assert total() == Decimal("0.493827156048")
    assert CostDaily.objects.first().tags == {"team": "a"}


@pytest.mark.parametrize("parquet", [False, True])
def test_aws_cur_2(tmp_path, parquet):
    path = tmp_path / ("cur.parquet" if parquet else "cur.csv")
    data = lines(SEPT[:3], "4.5", sub_account="222222222222", tags={"project": "pay"})
    (write_parquet(path, data, cur=True) if parquet else write_cur(path, data))
    make_project("Pay", sub_accounts=("999",), tags=(("project", "pay"),))
    result = run_import(path, "aws-cur")
    assert (result.status, result.rows_read, result.rows_rejected) == ("done", 3, 0), result.error
    assert result.detected_format.startswith("AWS CUR 2.0")
    row = CostDaily.objects.first()
    assert (row.sub_account_id, row.service_name, row.tags) == (
        "222222222222",
        "Amazon EC2",
        {"project": "pay"},
    )
    assert total(project__name="Pay") == Decimal("13.5")


def test_wrong_columns_are_refused_and_nothing_is_written(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("Date,Amount,Account\n2024-09-01,10,1\n")
    result = run_import(path)
    assert result.status == "failed"
    assert "unknown cost file format" in result.error
    assert CostDaily.objects.count() == 0 and CostStage.objects.count() == 0


def test_missing_column_for_a_forced_format_is_named(tmp_path):
    path = tmp_path / "nocost.csv"
    columns = dict(FOCUS_COLUMNS["1.0"])
    columns.pop("BilledCost")
    from budgets.scenarios import write_csv

    write_csv(path, lines(SEPT[:1], "1"), columns=columns)
    result = run_import(path, "focus")
    assert result.status == "failed"
    assert "missing column(s) billedcost" in result.error
    assert CostDaily.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "the file is empty"), (b"BilledCost,BillingCurrency\n", "no data rows"), (b"\n\n", "empty")],
)
def test_empty_files(tmp_path, content, message):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    result = run_import(path)
    assert result.status == "failed"
    assert message in result.error or "unknown cost file format" in result.error
    assert CostDaily.objects.count() == 0


def test_header_only_focus_file_has_no_data_rows(tmp_path):
    path = tmp_path / "header.csv"
    write_focus(path, [])
    result = run_import(path)
    assert (result.status, result.error) == ("failed", "the file has no data rows")


def test_garbage_values_are_counted_with_line_numbers(tmp_path):
    path = tmp_path / "garbage.csv"
    write_focus(path, lines(SEPT[:5], "3"))
    rows = path.read_text().splitlines()
    header = rows[0].split(",")
    cost, start, currency = (
        header.index("BilledCost"),
        header.index("ChargePeriodStart"),
        header.index("BillingCurrency"),
    )

    def broken(line: str, index: int, value: str) -> str:
        cells = next(csv.reader([line]))
        cells[index] = value
        return ",".join(f'"{c}"' for c in cells)

    rows[2] = broken(rows[2], cost, "abc")  # line 3
    rows[3] = broken(rows[3], start, "yesterday")  # line 4
    rows[4] = broken(rows[4], currency, "dollars")  # line 5
    rows.append("1,2,3")  # line 7: too few fields
    path.write_text("\n".join(rows) + "\n")
    refused = run_import(path)  # rejected rows fail the run by default: nothing is written
    assert refused.status == "failed"
    assert "4 of 6 rows were rejected" in refused.error
    assert [r["line"] for r in refused.rejects] == [3, 4, 5, 7]
    assert CostDaily.objects.count() == 0
    result = run_import(path, max_rejected=4)
    assert result.status == "done"
    assert (result.rows_read, result.rows_rejected) == (6, 4)
    assert [r["line"] for r in result.rejects] == [3, 4, 5, 7]
    assert result.rejects[0]["reason"] == "BilledCost: 'abc' is not valid"
    assert result.rejects[1]["reason"] == "ChargePeriodStart: 'yesterday' is not valid"
    assert "not a currency code" in result.rejects[2]["reason"]
    assert "the row has 3 fields" in result.rejects[3]["reason"]
    assert total() == Decimal("6")  # the two good rows only


def test_binary_garbage_is_a_clear_failure(tmp_path):
    path = tmp_path / "garbage.csv.gz"
    path.write_bytes(b"\x1f\x8b" + b"\x00garbage" * 10)
    result = run_import(path)
    assert result.status == "failed"
    assert "cannot be read" in result.error or "unreadable" in result.error
    assert CostDaily.objects.count() == 0


def test_broken_parquet_is_a_clear_failure(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 20)
    result = run_import(path)
    assert result.status == "failed"
    assert "cannot be read as Parquet" in result.error


def test_every_row_rejected_replaces_nothing(tmp_path):
    path = tmp_path / "sept.csv"
    write_focus(path, lines(SEPT[:2], "5"))
    run_import(path)
    bad = tmp_path / "bad.csv"
    write_focus(bad, lines(SEPT[:2], "5", currency="X1"))
    result = run_import(bad)
    assert result.status == "failed"
    assert result.rows_rejected == 2
    assert total() == Decimal("10")


def test_an_import_runs_once(tmp_path):
    path = tmp_path / "sept.csv"
    write_focus(path, lines(SEPT[:2], "5"))
    result = run_import(path)
    from budgets.importing import cost_import_run

    again = cost_import_run(import_id=result.pk)
    assert again.status == "done"
    assert CostDaily.objects.count() == 2 and BillingPeriod.objects.get().imports == 1


def test_allocation_precedence_and_unallocated(tmp_path):
    # Tag rules come first: a shared account's rows tagged project=checkout go to Checkout.
    shared = make_project("Platform", sub_accounts=("333",), budget=None)
    checkout = make_project("Checkout", sub_accounts=("444",), tags=(("project", "checkout"),), budget=None)
    data = (
        lines(SEPT[:1], "1", sub_account="333", resource="a")
        + lines(SEPT[:1], "2", sub_account="333", resource="b", tags={"project": "checkout"})
        + lines(SEPT[:1], "4", sub_account="444", resource="c")
        + lines(SEPT[:1], "8", sub_account="555", resource="d")
    )
    write_focus(tmp_path / "x.csv", data)
    run_import(tmp_path / "x.csv")
    assert total(project=shared) == Decimal(1)
    assert total(project=checkout) == Decimal(6)
    assert total(project__isnull=True) == Decimal(8)  # unallocated: kept and shown
    from budgets.importing import allocation_reapply
    from budgets.models import AllocationRule

    # An explicit order: the Platform account rule moved before the tag rule takes the tagged row.
    rule = AllocationRule.objects.get(project=shared)
    rule.priority = 1
    rule.save(update_fields=["priority"])
    assert allocation_reapply() == 1
    assert total(project=shared) == Decimal(3)
    assert total(project=checkout) == Decimal(4)


def test_gzip_stream_is_read_without_loading_the_file(tmp_path):
    path = tmp_path / "big.csv.gz"
    days = [date(2024, 9, 1) + timedelta(days=i % 30) for i in range(3000)]
    data = [
        day_line(d, Decimal("0.01"), service="S", sub_account="1", resource=f"r{i}")
        for i, d in enumerate(days)
    ]
    write_focus(path, data, compress=True)
    with gzip.open(path, "rt") as handle:
        assert sum(1 for _ in handle) == 3001
    result = run_import(path)
    assert (result.rows_read, result.rows_stored) == (3000, 3000)
    assert total() == Decimal("30.00")
    assert result.bytes_read == result.bytes_total and result.progress_percent == 100
    assert CostImport.objects.get(pk=result.pk).status == "done"

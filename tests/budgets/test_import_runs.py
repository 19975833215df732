"""Import runs: several parts of one month, directories, CUR 2.0 manifests, refusals that change nothing,
charge types and effective cost."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from budgets.models import CostDaily, CostImport
from budgets.scenarios import day_line, write_cur, write_focus
from tests.budgets.conftest import lines, run_import

pytestmark = pytest.mark.django_db

SEPT = [date(2024, 9, 1) + timedelta(days=i) for i in range(30)]


def total(**filters) -> Decimal | None:
    return CostDaily.objects.filter(**filters).aggregate(s=Sum("cost"))["s"]


def test_parts_of_one_month_together_replace_it_once(tmp_path):
    write_focus(tmp_path / "part-1.csv", lines(SEPT[:15], "10"))
    write_focus(tmp_path / "part-2.csv", lines(SEPT[15:], "20", resource="i-2"))
    result = run_import([tmp_path / "part-1.csv", tmp_path / "part-2.csv"])
    assert result.status == "done", result.error
    assert total() == Decimal("450")  # 15 × 10 + 15 × 20: both parts, not the last one only
    # The same run again replaces the month: still 450.
    again = run_import([tmp_path / "part-1.csv", tmp_path / "part-2.csv"])
    assert again.status == "done"
    assert total() == Decimal("450")


def test_a_directory_is_one_run(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    write_focus(folder / "a.csv", lines(SEPT[:10], "1"))
    write_focus(folder / "b.csv.gz", lines(SEPT[10:], "2", resource="i-2"), compress=True)
    (folder / "notes.txt").write_text("not a cost file")
    result = run_import(folder)
    assert result.status == "done", result.error
    assert len(result.paths) == 2
    assert total() == Decimal("50")


def test_cur2_manifest_lists_the_parts(tmp_path):
    data = tmp_path / "export" / "data" / "BILLING_PERIOD=2024-09"
    data.mkdir(parents=True)
    write_cur(data / "export-00001.csv.gz", lines(SEPT[:15], "10"), compress=True)
    write_cur(data / "export-00002.csv.gz", lines(SEPT[15:], "20", resource="i-2"), compress=True)
    meta = tmp_path / "export" / "metadata" / "BILLING_PERIOD=2024-09"
    meta.mkdir(parents=True)
    manifest = meta / "export-Manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "dataFiles": [
                    "s3://bucket/prefix/export/data/BILLING_PERIOD=2024-09/export-00001.csv.gz",
                    "s3://bucket/prefix/export/data/BILLING_PERIOD=2024-09/export-00002.csv.gz",
                ],
                "billingPeriod": {"start": "2024-09-01T00:00:00.000Z", "end": "2024-10-01T00:00:00.000Z"},
            }
        )
    )
    result = run_import(manifest)
    assert result.status == "done", result.error
    assert total() == Decimal("450")


def test_manifest_with_a_missing_part_is_refused(tmp_path):
    manifest = tmp_path / "x-Manifest.json"
    manifest.write_text(json.dumps({"dataFiles": ["s3://b/p/data/missing.csv.gz"]}))
    with pytest.raises(CommandError, match=r"missing\.csv\.gz"):
        call_command("import_costs", str(manifest))
    assert not CostImport.objects.exists()


def test_one_bad_row_fails_the_run_and_keeps_the_previous_month(tmp_path, capsys):
    good = tmp_path / "good.csv"
    write_focus(good, lines(SEPT, "10"))
    assert run_import(good).status == "done"
    bad = tmp_path / "bad.csv"
    rows = lines(SEPT, "11")
    write_focus(bad, rows)
    text = bad.read_text().splitlines()
    text[5] = "eleven" + text[5].removeprefix("11")  # BilledCost is the first column
    bad.write_text("\n".join(text) + "\n")
    with pytest.raises(CommandError, match="1 of 30 rows were rejected"):
        call_command("import_costs", str(bad))
    out = capsys.readouterr().out
    assert "line 6: BilledCost: 'eleven' is not valid" in out
    assert total() == Decimal("300")  # the month as it was
    call_command("import_costs", str(bad), "--max-rejected", "1")
    assert total() == Decimal("319")  # 29 × 11: the operator accepted losing one row


def test_mixed_currencies_in_a_period_are_refused(tmp_path):
    path = tmp_path / "mixed.csv"
    write_focus(path, lines(SEPT[:3], "10") + lines(SEPT[3:6], "1000", currency="JPY", resource="i-2"))
    result = run_import(path)
    assert result.status == "failed"
    assert "mixes currencies JPY, USD" in result.error
    assert not CostDaily.objects.exists()


def test_negative_usage_is_refused_but_credits_are_not(tmp_path):
    path = tmp_path / "negative.csv"
    write_focus(path, lines(SEPT[:5], "-10"))
    result = run_import(path)
    assert result.status == "failed"
    assert "negative usage is refused" in result.error
    assert not CostDaily.objects.exists()
    credit = tmp_path / "credit.csv"
    write_focus(
        credit,
        [*lines(SEPT[:5], "10"), day_line(SEPT[0], Decimal("-30"), service="Credits",
                                          sub_account="111111111111", charge="Credit", frequency="One-Time")],
    )  # fmt: skip
    assert run_import(credit).status == "done"
    assert total(charge_category="credit") == Decimal("-30")
    assert total(charge_category="usage") == Decimal("50")


def test_cur_line_item_types_are_stored_with_effective_cost(tmp_path):
    first = SEPT[0]
    kinds = [
        ("Usage", "10"),
        ("Tax", "2"),
        ("Credit", "-3"),
        ("Refund", "-1"),
        ("Fee", "5"),
        ("SavingsPlanRecurringFee", "7"),
        ("SavingsPlanCoveredUsage", "4"),
        ("SavingsPlanNegation", "-4"),
        ("EdpDiscount", "-0.5"),
        ("SomethingNew", "0.25"),
    ]
    rows = [
        day_line(
            first, Decimal(cost), service="AmazonEC2", sub_account="1", resource=f"r-{i}", line_type=kind
        )
        for i, (kind, cost) in enumerate(kinds)
    ]
    path = tmp_path / "cur.csv"
    write_cur(path, rows)
    result = run_import(path)
    assert result.status == "done", result.error
    by = {
        r["charge_category"]: r["s"]
        for r in CostDaily.objects.values("charge_category").annotate(s=Sum("cost")).order_by()
    }
    assert by == {
        "usage": Decimal("10"),  # 10 + 4 − 4
        "tax": Decimal("2"),
        "credit": Decimal("-3.5"),
        "refund": Decimal("-1"),
        "fee": Decimal("5"),
        "purchase": Decimal("7"),
        "adjustment": Decimal("0.25"),
    }
    negation = CostDaily.objects.get(resource_id="r-7")
    assert negation.effective_cost == 0  # amortized view: the plan's fee is in the covered usage


def test_focus_sample_charge_types(sample_path):
    result = run_import(sample_path)
    assert result.status == "done", result.error
    cats = set(CostDaily.objects.values_list("charge_category", flat=True))
    assert cats == {"usage", "adjustment", "credit"}

"""Gaps found going through issue 18's "Deliver" list by hand, as a FinOps user and as an attacker would:
a JPY project's cost tables and actuals (USD costs), amounts rounded to the currency everywhere, costs
with or without tax and credits, drill-down links, spreadsheet formulas in CSV exports, negative usage
hidden behind another sub-account, and an approver editing someone else's request in the admin."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from budgets import services
from budgets.models import BudgetRequest, CostDaily
from budgets.scenarios import day_line, write_focus
from tests.budgets.conftest import lines, make_project, run_import
from tests.budgets.test_api_and_pages import basic
from tests.support import make_user

pytestmark = pytest.mark.django_db

DAYS = [date(2025, 1, 1) + timedelta(days=i) for i in range(59)]  # January and February
LONG_DECIMAL = re.compile(r"\d\.\d{3,}")


@pytest.fixture
def finance(db):
    user = make_user("fin@example.com")
    user.groups.add(Group.objects.get(name="finance"))
    return user


def month_rows(days, cost, **fields):
    return [
        day_line(d, Decimal(cost), service=fields.pop("service", "EC2"), sub_account="111111111111",
                 resource="i-1", **fields)
        for d in days
    ]  # fmt: skip


def jpy_project_with_usd_costs(tmp_path):
    """A JPY budget, USD costs of 10.123 a day plus a 1st-of-month tax and credit, rates for January only."""
    project = make_project(budget="12000000", currency="JPY", months=12)
    rows = [day_line(d, Decimal("10.123"), service="EC2", sub_account="111111111111", resource="i-1",
                     tags={"team": "web"}) for d in DAYS]  # fmt: skip
    rows += [
        day_line(DAYS[0], Decimal("5"), service="Tax", sub_account="111111111111", charge="Tax",
                 frequency="Recurring"),
        day_line(DAYS[0], Decimal("-2"), service="Credits", sub_account="111111111111", charge="Credit",
                 frequency="One-Time"),
    ]  # fmt: skip
    write_focus(tmp_path / "usd.csv", rows)
    assert run_import(tmp_path / "usd.csv").status == "done"
    rates = tmp_path / "rates.csv"
    rates.write_text("month,from,to,rate\n2025-01,USD,JPY,150.5\n")
    call_command("import_rates", str(rates))
    return project


def test_a_jpy_project_with_usd_costs_has_its_actuals_and_cost_tables_in_yen(tmp_path, finance):
    project = jpy_project_with_usd_costs(tmp_path)
    api = basic(finance)
    base = f"/v1/budgets/projects/{project.public_id}"
    # January: (31 × 10.123 + 5 − 2) × 150.5 = 47,679.5 → 47,680 yen; February (no rate of its own, the
    # January rate within two months): 28 × 10.123 × 150.5 = 42,658.32 → 42,658.
    counted = {"unconverted": [], "warning": None}  # every cost has a rate
    assert api.get(f"{base}/actuals").json() == [
        {"period": "2025-01-01", "cost": "47680", **counted},
        {"period": "2025-02-01", "cost": "42658", **counted},
    ]
    assert api.get(f"{base}/costs?group_by=month").json() == [
        {"key": "2025-01-01", "cost": "47680", "effective_cost": "47680", **counted},
        {"key": "2025-02-01", "cost": "42658", "effective_cost": "42658", **counted},
    ]
    by_service = api.get(f"{base}/costs?group_by=service&month=2025-01").json()
    assert by_service[0] == {
        "key": "EC2",
        "cost": "47229",
        "effective_cost": "47229",
        **counted,
    }  # 313.813 × 150.5
    assert api.get(f"{base}/actuals?granularity=day&from=2025-02-01&to=2025-02-01").json() == [
        {"period": "2025-02-01", "cost": "1524", **counted}  # 10.123 × 150.5 = 1,523.51
    ]
    # The page's cost table shows yen, never "No costs", and no cents.
    client = basic(finance)
    client.force_login(finance)
    page = client.get(f"/budgets/p/{project.public_id}/", {"group_by": "month", "from": "2025-01-01"})
    text = page.content.decode()
    assert "No costs for these filters" not in text
    assert ">47,680<" in text and ">42,658<" in text
    csv_text = client.get(
        f"/budgets/p/{project.public_id}/", {"group_by": "service", "month": "2025-01", "export": "breakdown"}
    ).content.decode()
    assert csv_text.splitlines()[1] == "EC2,47229,47229,"


def test_no_long_decimals_anywhere_in_the_api_or_the_report(tmp_path, finance):
    project = jpy_project_with_usd_costs(tmp_path)
    usd = make_project("Web", sub_accounts=("222222222222",), budget="1000.50", months=12)
    write_focus(tmp_path / "web.csv", [day_line(d, Decimal("3.14159265"), service="S3", sub_account="222222222222",
                                                 account="200000000002") for d in DAYS])  # fmt: skip
    assert run_import(tmp_path / "web.csv").status == "done"
    api = basic(finance)
    for pid in (project.public_id, usd.public_id):
        for path in ("", "/plan", "/actuals", "/actuals?granularity=day", "/forecast", "/costs",
                     "/costs?group_by=day", "/requests", "/anomalies"):  # fmt: skip
            response = api.get(f"/v1/budgets/projects/{pid}{path}")
            assert response.status_code == 200, path
            body = json.dumps(response.json())
            body = re.sub(r'"(created_at|decided_at|answered_at)": "[^"]*"', "", body)
            if pid == project.public_id:
                assert not re.search(r'"-?\d+\.\d+"', body), (path, body[:300])  # yen: whole numbers
            assert not LONG_DECIMAL.search(body), (path, body[:300])
    report = json.loads(call_command_output("budget_report", "--json"))
    tokyo = next(item for item in report if item["currency"] == "JPY")
    assert tokyo["actual_to_date"] == 90339  # 47,679.5 + 42,658.32 → rounded to the yen
    web = next(item for item in report if item["name"] == "Web")
    assert web["actual_to_date"] == 185.35  # 59 × 3.14159265 = 185.354 → cents


def call_command_output(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_costs_with_or_without_tax_and_credits(tmp_path, finance):
    project = make_project(budget="120000", months=12)
    rows = month_rows(DAYS[:31], "10")
    rows += [
        day_line(DAYS[0], Decimal("31"), service="Tax", sub_account="111111111111", charge="Tax",
                 frequency="Recurring"),
        day_line(DAYS[0], Decimal("-20"), service="Credits", sub_account="111111111111", charge="Credit",
                 frequency="One-Time"),
        day_line(DAYS[0], Decimal("100"), service="Support", sub_account="111111111111", charge="Fee",
                 frequency="One-Time"),
    ]  # fmt: skip
    write_focus(tmp_path / "c.csv", rows)
    assert run_import(tmp_path / "c.csv").status == "done"
    api = basic(finance)
    base = f"/v1/budgets/projects/{project.public_id}/costs?group_by=month"

    def january(query: str = "") -> str:
        return api.get(base + query).json()[0]["cost"]

    assert january() == "421.00"  # 310 + 31 − 20 + 100: everything billed
    assert january("&exclude_category=tax") == "390.00"
    assert january("&exclude_category=tax,credit,refund") == "410.00"
    assert january("&charge_category=usage") == "310.00"
    assert january("&charge_category=usage,fee") == "410.00"
    bad = api.get(base + "&exclude_category=tax,vat")
    assert bad.status_code == 400
    assert "'vat' is not a charge category" in bad.json()["errors"][0]["error_message"]
    # The page offers the same choice, and keeps it in the drill-down links.
    client = basic(finance)
    client.force_login(finance)
    page = client.get(
        f"/budgets/p/{project.public_id}/", {"from": "2025-01-01", "exclude_category": "tax,credit,refund"}
    ).content.decode()
    assert '<option value="tax,credit,refund" selected>without tax and credits</option>' in page
    assert "exclude_category=tax%2Ccredit%2Crefund&amp;group_by=resource&amp;service=EC2#breakdown" in page
    assert ">Tax</a>" not in page and ">Credits</a>" not in page and ">EC2</a>" in page


def test_the_cost_table_drills_down_from_month_to_services_to_resources(tmp_path, finance):
    project = make_project(budget="120000", months=12)
    write_focus(tmp_path / "c.csv", month_rows(DAYS, "10"))
    assert run_import(tmp_path / "c.csv").status == "done"
    client = basic(finance)
    client.force_login(finance)
    url = f"/budgets/p/{project.public_id}/"
    months = client.get(url, {"group_by": "month", "from": "2025-01-01"}).content.decode()
    assert 'href="?group_by=service&amp;month=2025-02#breakdown"' in months
    services_page = client.get(url, {"group_by": "service", "month": "2025-02"}).content.decode()
    assert 'href="?month=2025-02&amp;group_by=resource&amp;service=EC2#breakdown"' in services_page
    resources = client.get(
        url, {"group_by": "resource", "month": "2025-02", "service": "EC2"}
    ).content.decode()
    assert "<td>i-1</td>" in resources and "280.00" in resources
    # The chart's bars open a month's services.
    assert 'href="?month=2025-02#breakdown"' in client.get(url).content.decode()


def test_csv_exports_defuse_spreadsheet_formulas(tmp_path, finance):
    project = make_project(budget="120000", months=12)
    rows = [day_line(d, Decimal("10"), service="=HYPERLINK(\"http://evil\",\"x\")", sub_account="111111111111",
                     resource="@SUM(A1)") for d in DAYS[:3]]  # fmt: skip
    write_focus(tmp_path / "c.csv", rows)
    assert run_import(tmp_path / "c.csv").status == "done"
    requester = make_user("lead@example.com")
    requester.groups.add(Group.objects.get(name="budget_approver"))
    services.budget_request_create(project=project, amount="10.50", currency="USD", start_month="2025-03",
                                   months=1, purpose="=cmd|' /C calc'!A0", actor=requester)  # fmt: skip
    client = basic(finance)
    client.force_login(finance)
    url = f"/budgets/p/{project.public_id}/"
    breakdown = client.get(url, {"from": "2025-01-01", "export": "breakdown"}).content.decode().splitlines()
    assert breakdown[1].startswith("\"'=HYPERLINK(")
    resources = client.get(url, {"from": "2025-01-01", "group_by": "resource", "export": "breakdown"})
    assert resources.content.decode().splitlines()[1] == "'@SUM(A1),30.00,30.00,"
    requests = client.get(url, {"export": "requests"}).content.decode()
    assert ",10.50,USD,2025-03,1,'=cmd|' /C calc'!A0," in requests  # amount rounded, formula defused
    assert ",120000.00,USD," in requests


def test_negative_usage_of_one_sub_account_is_refused_though_the_period_total_is_positive(tmp_path):
    make_project(sub_accounts=("111111111111", "222222222222"))
    path = tmp_path / "mixed-accounts.csv"
    write_focus(
        path, lines(DAYS[:5], "100") + lines(DAYS[:5], "-10", sub_account="222222222222", resource="i-2")
    )
    result = run_import(path)
    assert result.status == "failed"
    assert "usage of sub-account 222222222222 totals -50 USD" in result.error
    assert "negative usage is refused" in result.error
    assert not CostDaily.objects.exists()


def test_a_mixed_currency_period_is_reported_once_not_as_negative_usage_too(tmp_path):
    path = tmp_path / "mixed.csv"
    write_focus(path, lines(DAYS[:3], "10") + lines(DAYS[3:4], "-1", currency="JPY", resource="i-2"))
    result = run_import(path)
    assert result.status == "failed"
    assert "mixes currencies JPY, USD" in result.error
    assert "negative usage" not in result.error


def test_an_approver_cannot_edit_someone_elses_request_in_the_admin_then_approve_it(client):
    project = make_project(budget="1000", months=12)
    lead = make_user("lead@example.com")
    lead.groups.add(Group.objects.get(name="budget_requester"))
    project.memberships.create(user=lead, role="member")
    request = services.budget_request_create(project=project, amount="500", currency="USD",
                                             start_month="2025-03", months=3, purpose="more", actor=lead)  # fmt: skip
    boss = make_user("boss@example.com")
    boss.groups.add(Group.objects.get(name="budget_approver"))
    boss.is_staff = True
    boss.save()
    client.force_login(boss)
    url = f"/admin/budgets/budgetrequest/{request.pk}/change/"
    form = client.get(url).content.decode()
    assert 'name="amount"' not in form and 'name="purpose"' not in form  # read-only, even while requested
    client.post(url, {"amount": "500000", "purpose": "mine now", "months": 1,
                      "documents-TOTAL_FORMS": 0, "documents-INITIAL_FORMS": 0})  # fmt: skip
    request.refresh_from_db()
    assert (request.amount, request.purpose, request.months) == (Decimal("500"), "more", 3)
    # Nor can the requester approve it by any door: the admin action refuses it too.
    lead.groups.add(Group.objects.get(name="budget_approver"))
    lead.is_staff = True
    lead.save()
    client.force_login(lead)
    client.post("/admin/budgets/budgetrequest/", {"action": "approve", "_selected_action": [request.pk]})
    request.refresh_from_db()
    assert request.status == BudgetRequest.Status.REQUESTED


def test_digest_and_alerts_write_amounts_in_the_currency(mailoutbox, tmp_path):
    from budgets.models import Anomaly
    from budgets.notifications import _message

    project = make_project(budget="12000000", currency="JPY", months=12)
    anomaly = Anomaly.objects.create(
        project=project, type="scaled_up_left", scope="i-1", start_date=DAYS[0], detected_on=DAYS[1],
        service_name="EC2", resource_id="i-1", expected=Decimal("1234.5678"), actual=Decimal("4000.4"),
        monthly_impact=Decimal("82974.9966"), explanation="x",
    )  # fmt: skip
    _, text, payload = _message("anomaly", anomaly)
    assert "expected 1,235 JPY/day, actual 4,000; estimated monthly impact 82,975 JPY" in text
    assert (payload["expected"], payload["actual"], payload["monthly_impact"]) == ("1235", "4000", "82975")


def test_a_failed_import_says_nothing_changed_instead_of_a_stuck_progress_bar(client, tmp_path, finance):
    path = tmp_path / "negative.csv"
    write_focus(path, lines(DAYS[:3], "-10"))
    failed = run_import(path)
    assert failed.status == "failed"
    client.force_login(finance)
    page = client.get(f"/budgets/imports/{failed.public_id}/").content.decode()
    assert "Failed</strong> — nothing was changed" in page and "<progress" not in page


def test_a_wrong_request_in_the_admins_add_form_is_a_form_error_not_a_500(client):
    project = make_project(budget="1000", months=12)
    boss = make_user("admin@example.com")
    boss.is_staff = boss.is_superuser = True
    boss.save()
    client.force_login(boss)
    before = BudgetRequest.objects.count()
    body = {"project": project.pk, "kind": "additional", "amount": "500", "currency": "JPY", "start_month": "2025-03-01",
            "months": 3, "purpose": "more", "documents-TOTAL_FORMS": 0, "documents-INITIAL_FORMS": 0}  # fmt: skip
    wrong = client.post("/admin/budgets/budgetrequest/add/", body)
    assert wrong.status_code == 200 and "the project is budgeted in USD" in wrong.content.decode()
    assert BudgetRequest.objects.count() == before
    right = client.post("/admin/budgets/budgetrequest/add/", {**body, "currency": "USD"})
    assert right.status_code == 302
    assert BudgetRequest.objects.latest("pk").requested_by == boss

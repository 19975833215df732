"""What a finance user ran into clicking through the pages (hands-on pass of issue 18, Deliver 3 and 8):
every table exports as CSV (the portfolio and the unallocated costs too), the requester sees why
their request has no buttons, a bad filter keeps the page and says what is wrong, a date range the
wrong way round is a 400, and the imports on the portfolio link to their progress."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from budgets import services
from budgets.models import BudgetRequest
from budgets.scenarios import day_line, write_focus
from tests.budgets.conftest import run_import
from tests.budgets.test_api_and_pages import approver, at_risk, basic, finance  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def test_the_portfolio_and_its_unallocated_costs_export_as_csv(client, at_risk, finance, tmp_path):  # noqa: F811
    write_focus(tmp_path / "u.csv", [day_line(date(2025, 1, 1), Decimal("1234.5"), service="S", sub_account="555",
                                              resource="r", currency="JPY", account="2")])  # fmt: skip
    run_import(tmp_path / "u.csv")
    client.force_login(finance)
    page = client.get("/budgets/").content.decode()
    assert 'href="?export=portfolio"' in page and 'href="?export=unallocated"' in page
    rows = client.get("/budgets/", {"export": "portfolio"}).content.decode().splitlines()
    assert rows[0] == (
        "id,project,currency,status,plan_total,actual_to_date,forecast_total,forecast_p10,forecast_p90,"
        "exhausted_month,open_anomalies,outlook"
    )
    assert rows[1].startswith(f"{at_risk.public_id},Pay,USD,at_risk,120000.00,")
    assert ",2025-08,1," in rows[1]
    assert client.get("/budgets/", {"export": "unallocated"}).content.decode().splitlines() == [
        "month,sub_account_id,currency,cost",
        "2025-01,555,JPY,1235",  # rounded to the yen
    ]
    assert client.get("/budgets/", {"export": "everything"}).status_code == 400
    assert client.get("/budgets/", {"colour": "red"}).status_code == 400


def test_the_portfolio_links_each_import_to_its_progress(client, at_risk, finance):  # noqa: F811
    from budgets.models import CostImport

    client.force_login(finance)
    page = client.get("/budgets/").content.decode()
    assert f'href="/budgets/imports/{CostImport.objects.get().public_id}/"' in page


def test_the_requests_table_exports_and_tells_the_requester_why_there_are_no_buttons(
    client,
    at_risk,  # noqa: F811
    finance,  # noqa: F811
    approver,  # noqa: F811
):
    request = services.extra_budget_request_start(project=at_risk, actor=approver)
    # The purpose reads as amounts do elsewhere: separators, the currency's unit.
    assert "the approved 120,000.00 USD is exhausted in 2025-08; forecast total " in request.purpose
    client.force_login(approver)
    url = f"/budgets/p/{at_risk.public_id}/"
    page = client.get(url).content.decode()
    assert 'href="?export=requests"' in page
    assert "you requested it: another approver decides (four eyes)" in page
    assert f'action="/budgets/requests/{request.public_id}/decide/"' not in page
    client.force_login(finance)  # no approver: told it waits for one
    assert "waiting for an approver" in client.get(url).content.decode()
    rows = client.get(url, {"export": "requests"}).content.decode().splitlines()
    assert rows[0] == "id,kind,status,amount,currency,start_month,months,purpose,requested_by,decided_by"
    assert rows[1].startswith(f"{request.public_id},additional,requested,{request.amount},USD,")
    assert BudgetRequest.objects.filter(status="requested").count() == 1


def test_a_bad_filter_keeps_the_page_and_says_what_is_wrong(client, at_risk, finance):  # noqa: F811
    client.force_login(finance)
    url = f"/budgets/p/{at_risk.public_id}/"
    for params, message in (
        ({"tag": "team"}, "tag: must be key=value"),
        ({"from": "2025-02-10", "to": "2025-02-01"}, "to: 2025-02-01 is before from (2025-02-10)"),
        ({"group_by": "colour"}, "group_by: must be one of"),
        ({"status": "maybe"}, "status: one of all, open, answered, suppressed"),
    ):
        response = client.get(url, params)
        page = response.content.decode()
        assert response.status_code == 400, params
        assert 'id="page-problems"' in page and message in page, params
        assert '<svg class="chart"' in page and 'id="breakdown"' in page  # the page is still there
    # A CSV client gets the plain reason.
    response = client.get(url, {"tag": "team", "export": "breakdown"})
    assert (response.status_code, response["Content-Type"]) == (400, "text/plain; charset=utf-8")


def test_api_date_ranges_the_wrong_way_round_are_a_400(at_risk, finance):  # noqa: F811
    api = basic(finance)
    base = f"/v1/budgets/projects/{at_risk.public_id}"
    for path in ("/actuals?from=2025-02-10&to=2025-02-01", "/costs?from=2025-02-10&to=2025-02-01"):
        response = api.get(base + path)
        assert response.status_code == 400, path
        assert response.json()["errors"][0]["error_message"] == "to: 2025-02-01 is before from (2025-02-10)"
    assert api.get(base + "/actuals?from=2025-02-01&to=2025-02-01").status_code == 200
    assert [
        d["period"] for d in api.get(base + "/actuals?granularity=day&from=2025-02-01&to=2025-02-01").json()
    ] == ["2025-02-01"]

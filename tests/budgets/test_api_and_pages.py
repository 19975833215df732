"""The budgets API (/v1/budgets/…, in the OpenAPI schema) and the dashboards, through HTTP."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from budgets.models import Anomaly, BudgetRequest, PlanVersion
from budgets.money import round_up
from budgets.scanning import projects_scan
from budgets.scenarios import ProjectSpec, ResourceSpec, Scenario, day_line, write_focus
from budgets.selectors import project_forecast
from tests.budgets.conftest import make_project, run_import
from tests.support import error_codes, make_user

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@pytest.fixture
def finance():
    user = make_user("finance@example.com")
    user.groups.add(Group.objects.get(name="finance"))
    return user


@pytest.fixture
def approver():
    user = make_user("approver@example.com")
    user.groups.add(Group.objects.get(name="budget_approver"))
    return user


def basic(user) -> APIClient:
    client = APIClient()
    token = base64.b64encode(f"{user.email}:{PASSWORD}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    return client


@pytest.fixture
def at_risk(tmp_path):
    """Pay: 120,000 USD over 2025, spending 500 a day (exhausted 2025-08), with a scaled-up resource."""
    project = make_project("Pay", budget="120000", months=12)
    resources = [ResourceSpec("i-web", "EC2", 300.0, 0.0), ResourceSpec("db", "RDS", 150.0, 0.0),
                 ResourceSpec("s3", "S3", 50.0, 0.0)]  # fmt: skip
    resources[0].factor_from.append((55, 1.5, 1.0))
    spec = ProjectSpec("Pay", "111111111111", resources, growth=0.0)
    write_focus(tmp_path / "c.csv", Scenario(date(2025, 1, 1), 59, [spec], []).lines())
    run_import(tmp_path / "c.csv")
    projects_scan(project_ids=[project.pk])
    return project


def test_api_requires_a_signed_in_staff_user(at_risk):
    response = APIClient().get("/v1/budgets/projects")
    assert response.status_code == 401
    assert error_codes(response) == ["E3000000009"]
    response = basic(make_user("nobody@example.com")).get("/v1/budgets/projects")
    assert (response.status_code, error_codes(response)) == (403, ["E3000000010"])


def test_api_projects_forecast_plan_actuals_anomalies(at_risk, finance):
    api = basic(finance)
    [project] = api.get("/v1/budgets/projects").json()
    assert project["name"] == "Pay"
    assert (project["status"], project["exhausted_month"], project["plan_total"]) == (
        "at_risk",
        "2025-08",
        "120000.00",  # rounded to the currency
    )
    assert project["sub_accounts"] == ["111111111111"]
    pid = project["id"]
    forecast = api.get(f"/v1/budgets/projects/{pid}/forecast").json()
    assert forecast["as_of"] == "2025-02-28"
    assert forecast["months"][0] == {
        "month": "2025-01", "plan": "10000.00", "actual": "15500.00", "forecast": None,
        "cumulative_plan": "10000.00", "cumulative_actual": "15500.00", "cumulative_forecast": None,
        "cumulative_p10": None, "cumulative_p90": None,
    }  # fmt: skip
    # The forecast total has an 80 % band around it, every amount rounded to the cent.
    p10, total, p90 = (Decimal(forecast[k]) for k in ("forecast_p10", "forecast_total", "forecast_p90"))
    assert p10 < total < p90
    assert all(Decimal(forecast[k]).as_tuple().exponent == -2 for k in ("forecast_total", "forecast_p10"))
    actuals = api.get(f"/v1/budgets/projects/{pid}/actuals?granularity=month").json()
    assert actuals == [
        {"period": "2025-01-01", "cost": "15500.00", "unconverted": [], "warning": None},
        {"period": "2025-02-01", "cost": "14600.00", "unconverted": [], "warning": None},
    ]
    daily = api.get(f"/v1/budgets/projects/{pid}/actuals?granularity=day&from=2025-02-27").json()
    assert [(d["period"], d["cost"]) for d in daily] == [("2025-02-27", "650.00"), ("2025-02-28", "650.00")]
    [version] = api.get(f"/v1/budgets/projects/{pid}/plan").json()
    assert (version["number"], version["total"], len(version["months"])) == (1, "120000.00", 12)
    [anomaly] = api.get(f"/v1/budgets/projects/{pid}/anomalies").json()
    assert (anomaly["type"], anomaly["start"], anomaly["resource_id"]) == (
        "scaled_up_left",
        "2025-02-25",
        "i-web",
    )
    answered = api.post(
        f"/v1/budgets/projects/{pid}/anomalies/{anomaly['id']}/answer",
        {"answer": "planned", "note": "x"},
        format="json",
    )
    assert (answered.status_code, answered.json()["status"], answered.json()["answer"]) == (
        200,
        "answered",
        "planned",
    )


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/v1/budgets/projects/bp_nope", "E3000000001"),
        ("/v1/budgets/projects/{pid}/actuals?granularity=week", "E3000140006"),
        ("/v1/budgets/projects/{pid}/actuals?from=yesterday", "E3000150002"),
    ],
)
def test_api_bad_input_is_a_clear_4xx(at_risk, finance, path, code):
    response = basic(finance).get(path.format(pid=at_risk.public_id))
    assert response.status_code in (400, 404)
    assert error_codes(response) == [code]


def test_api_answer_validation_writes_nothing(at_risk, finance):
    anomaly = Anomaly.objects.get()
    url = f"/v1/budgets/projects/{at_risk.public_id}/anomalies/{anomaly.public_id}/answer"
    response = basic(finance).post(url, {"answer": "maybe"}, format="json")
    assert (response.status_code, error_codes(response)) == (400, ["E3000080006"])
    response = basic(finance).post(url, "[1,2", content_type="application/json")
    assert response.status_code == 400
    anomaly.refresh_from_db()
    assert (anomaly.status, anomaly.answer) == ("open", "")


def test_api_budget_request_then_decision(at_risk, finance, approver):
    url = f"/v1/budgets/projects/{at_risk.public_id}/requests"
    bad = basic(finance).post(url, {"amount": "-1", "currency": "USD", "start_month": "2025-03", "months": 3,
                                    "purpose": "more"}, format="json")  # fmt: skip
    assert (bad.status_code, error_codes(bad)) == (400, ["E3000030005"])
    created = basic(finance).post(url, {"amount": "30000", "currency": "USD", "start_month": "2025-03",
                                        "months": 10, "purpose": "growth"}, format="json")  # fmt: skip
    assert created.status_code == 201
    rid = created.json()["id"]
    denied = basic(finance).post(
        f"/v1/budgets/requests/{rid}/decision", {"decision": "approve"}, format="json"
    )
    assert (denied.status_code, error_codes(denied)) == (403, ["E3000000007"])
    assert PlanVersion.objects.count() == 1
    ok = basic(approver).post(f"/v1/budgets/requests/{rid}/decision", {"decision": "approve"}, format="json")
    assert (ok.status_code, ok.json()["status"]) == (200, "approved")
    assert PlanVersion.objects.get(number=2).total == Decimal("150000")
    again = basic(approver).post(
        f"/v1/budgets/requests/{rid}/decision", {"decision": "reject"}, format="json"
    )
    assert (again.status_code, error_codes(again)) == (409, ["E3000000004"])


def test_openapi_schema_lists_the_budgets_api(client):
    schema = client.get("/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/v1/budgets/projects",
        "/v1/budgets/projects/{project_id}/forecast",
        "/v1/budgets/projects/{project_id}/plan",
        "/v1/budgets/projects/{project_id}/actuals",
        "/v1/budgets/projects/{project_id}/anomalies",
        "/v1/budgets/projects/{project_id}/anomalies/{anomaly_id}/answer",
        "/v1/budgets/requests/{request_id}/decision",
    ):
        assert path in paths, path


def test_pages_need_sign_in(client, at_risk):
    response = client.get("/budgets/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_portfolio_and_project_pages(client, at_risk, finance):
    make_project("Calm", sub_accounts=("999",), budget="1000000", months=12)
    client.force_login(finance)
    page = client.get("/budgets/").content.decode()
    assert page.index("Pay") < page.index("Calm")  # riskiest first
    assert "At this pace the budget is exhausted in 6 months (month 2025-08)." in page
    page = client.get(f"/budgets/p/{at_risk.public_id}/").content.decode()
    assert (
        '<svg class="chart"' in page
        and 'class="line-forecast"' in page
        and 'class="marker marker-anomaly"' in page
    )
    assert "Scaled up and left" in page
    assert "style=" not in page.split("<main>")[1]  # CSP: no inline styles


def test_answer_and_extra_budget_from_the_page(client, at_risk, finance, approver):
    client.force_login(finance)
    anomaly = Anomaly.objects.get()
    client.post(f"/budgets/p/{at_risk.public_id}/anomalies/{anomaly.public_id}/answer/", {"answer": "fixed"})
    anomaly.refresh_from_db()
    assert (anomaly.answer, anomaly.answered_by) == ("fixed", finance)
    shortfall = project_forecast(at_risk).shortfall
    response = client.post(f"/budgets/p/{at_risk.public_id}/extra-budget/")
    assert response.status_code == 302
    request = BudgetRequest.objects.get(kind="additional")
    assert (request.status, request.amount, request.start_month) == (
        "requested",
        round_up(shortfall, "USD"),
        date(2025, 2, 1),
    )
    assert request.amount == Decimal("88784.74")
    client.force_login(approver)
    client.post(f"/budgets/requests/{request.public_id}/decide/", {"decision": "approve"})
    request.refresh_from_db()
    assert request.status == "approved"
    page = client.get(f"/budgets/p/{at_risk.public_id}/").content.decode()
    assert "Within budget through the period end." in page
    assert 'class="marker marker-approval"' in page


def test_unallocated_costs_are_shown(client, finance, tmp_path):
    write_focus(tmp_path / "u.csv", [day_line(date(2025, 1, 1) + timedelta(days=i), Decimal("2.5"), service="S",
                                              sub_account="555", resource="r") for i in range(2)])  # fmt: skip
    run_import(tmp_path / "u.csv")
    client.force_login(finance)
    page = client.get("/budgets/").content.decode()
    assert 'id="unallocated"' in page and "555" in page and "5.00 USD" in page


def test_admin_links_the_dashboards_and_shows_import_progress(client, at_risk):
    from budgets.models import CostImport

    admin = make_user("ops@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get("/admin/budgets/project/").content.decode()
    assert 'href="/budgets/"' in page and f'href="/budgets/p/{at_risk.public_id}/"' in page
    page = client.get("/admin/budgets/costimport/").content.decode()
    assert '<progress max="100" value="100"></progress> 100%' in page
    assert CostImport.objects.get().status == "done"


def test_admin_upload_queues_the_import_task(client, tmp_path, settings, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from budgets.models import CostDaily, CostImport

    settings.MEDIA_ROOT = str(tmp_path / "media")
    admin = make_user("ops@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin)
    write_focus(
        tmp_path / "u.csv",
        [day_line(date(2025, 1, 1), Decimal("7.25"), service="S", sub_account="1", resource="r")],
    )
    upload = SimpleUploadedFile("costs.csv", (tmp_path / "u.csv").read_bytes(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            "/admin/budgets/costimport/add/", {"format": "focus", "files": upload, "max_rejected": "0"}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(callbacks) == 1  # the task is sent once the row is committed
    done = CostImport.objects.get()
    assert (done.status, done.original_name, done.rows_read, done.created_by) == (
        "done",
        "costs.csv",
        1,
        admin,
    )
    assert CostDaily.objects.get().cost == Decimal("7.25")

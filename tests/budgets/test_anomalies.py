"""Each anomaly type is detected on a generated scenario — and not raised on its planned or normal twin.

The scenarios go the real way: FOCUS files written, imported, then the scan
that runs after every import (``projects_scan``) reads the stored costs.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from budgets import services
from budgets.models import Anomaly, Project
from budgets.scanning import projects_scan
from budgets.scenarios import ProjectSpec, ResourceSpec, Scenario, write_focus
from tests.budgets.conftest import run_import

pytestmark = pytest.mark.django_db
START = date(2025, 1, 1)
EC2, RDS, S3 = (
    "Amazon Elastic Compute Cloud",
    "Amazon Relational Database Service",
    "Amazon Simple Storage Service",
)


def day(index: int) -> date:
    return START + timedelta(days=index)


def base_resources() -> list[ResourceSpec]:
    return [
        ResourceSpec("i-web", EC2, 100.0, 0.0),
        ResourceSpec("db-main", RDS, 80.0, 0.0),
        ResourceSpec("bucket", S3, 40.0, 0.0),
        ResourceSpec("i-api", EC2, 60.0, 0.0),
    ]


def scan(tmp_path, resources: list[ResourceSpec], days: int, **spec) -> Project:
    """Import the scenario for one project ("svc", sub-account 700) and run the scan."""
    project_spec = ProjectSpec("svc", "700", resources, growth=0.0, **spec)
    scenario = Scenario(start=START, days=days, projects=[project_spec], events=[])
    project, _ = services.project_upsert(name="svc", currency="USD", sub_accounts=["700"], tags=[])
    write_focus(tmp_path / "costs.csv", scenario.lines())
    assert run_import(tmp_path / "costs.csv").status == "done"
    projects_scan(project_ids=[project.pk])
    return project


def found(project: Project) -> list[tuple]:
    return list(
        Anomaly.objects.filter(project=project)
        .order_by("start_date", "type")
        .values_list("type", "start_date", "resource_id", "service_name")
    )


def test_scaled_up_and_left(tmp_path):
    resources = base_resources()
    resources[0].factor_from.append((45, 2.0, 1.0))  # i-web doubles from day 45, for good
    project = scan(tmp_path, resources, days=48)
    assert found(project) == [("scaled_up_left", day(45), "i-web", EC2)]
    anomaly = Anomaly.objects.get()
    assert (anomaly.expected, anomaly.actual, anomaly.monthly_impact) == (
        Decimal(100),
        Decimal(200),
        Decimal(3000),
    )
    assert (anomaly.detected_on, anomaly.sub_account_id, anomaly.scope) == (day(46), "700", "resource:i-web")


def test_planned_scale_up_is_not_raised(tmp_path):
    resources = base_resources()
    resources[0].factor_from.append((45, 2.0, 1.0))
    resources[0].tags = {"planned": "true"}
    assert found(scan(tmp_path, resources, days=48)) == []


def test_normal_costs_raise_nothing(tmp_path):
    resources = base_resources()
    for r in resources:
        r.noise = 0.05
    assert found(scan(tmp_path, resources, days=60)) == []


def test_not_stopped_after_its_usual_hours(tmp_path):
    dev = ResourceSpec("i-dev", EC2, 50.0, 0.0, hours=(9, 19), weekdays_only=True, around_clock_from=44)
    project = scan(tmp_path, [*base_resources(), dev], days=47)  # day 44: Friday 2025-02-14
    assert found(project) == [("not_stopped", day(44), "i-dev", EC2)]


def test_part_time_resource_keeping_its_hours_is_normal(tmp_path):
    dev = ResourceSpec("i-dev", EC2, 50.0, 0.0, hours=(9, 19), weekdays_only=True)
    assert found(scan(tmp_path, [*base_resources(), dev], days=47)) == []


def test_not_stopped_after_its_tagged_expiry(tmp_path):
    batch = ResourceSpec("i-batch", EC2, 30.0, 0.0, tags={"expires": day(44).isoformat()}, first=40)
    project = scan(tmp_path, [*base_resources(), batch], days=47)
    assert found(project) == [("not_stopped", day(45), "i-batch", EC2)]


def test_stopped_at_its_tagged_expiry_is_normal(tmp_path):
    batch = ResourceSpec("i-batch", EC2, 30.0, 0.0, tags={"expires": day(44).isoformat()}, first=40, last=44)
    assert found(scan(tmp_path, [*base_resources(), batch], days=47)) == []


def perf_env(last: int | None) -> list[ResourceSpec]:
    tags = {"env": "perf", "test_id": "lt-1", "ttl": "2d"}
    return [
        ResourceSpec("perf-app", EC2, 70.0, 0.0, tags=tags, first=43, last=last),
        ResourceSpec("perf-db", RDS, 40.0, 0.0, tags=tags, first=43, last=last),
    ]


def test_perf_environment_left_running(tmp_path):
    project = scan(tmp_path, [*base_resources(), *perf_env(last=None)], days=47)
    assert found(project) == [("perf_env_left", day(45), "perf-app", EC2)]
    anomaly = Anomaly.objects.get()
    assert (anomaly.scope, anomaly.expected, anomaly.actual) == ("env:perf:lt-1", Decimal(0), Decimal(110))


def test_perf_environment_stopped_after_the_test_is_normal(tmp_path):
    assert found(scan(tmp_path, [*base_resources(), *perf_env(last=44)], days=47)) == []


def test_month_over_month_increase(tmp_path):
    project = scan(tmp_path, base_resources(), days=35, broad=[(31, 1.5)])  # from 2025-02-01
    assert found(project) == [("mom_increase", date(2025, 2, 1), "", EC2)]
    anomaly = Anomaly.objects.get()
    assert (anomaly.expected, anomaly.actual) == (Decimal(280), Decimal(420))


def test_planned_month_over_month_increase_is_not_raised(tmp_path):
    project, _ = services.project_upsert(name="svc", currency="USD", sub_accounts=["700"], tags=[])
    request = services.budget_request_create(
        project=project, amount="26040", currency="USD", start_month="2025-01", months=2,
        schedule=["8680", "17360"], purpose="launch doubles the traffic in February",
    )  # fmt: skip
    services.budget_request_decide(request=request, approve=True, actor=None)
    assert found(scan(tmp_path, base_resources(), days=35, broad=[(31, 1.5)])) == []


def test_spike_in_one_service(tmp_path):
    # i-web carries 62% of the jump: reported once it has fallen back the next day (else: a step).
    project = scan(tmp_path, base_resources(), days=48, spikes=[(46, EC2, 5.0)])
    assert found(project) == [("service_spike", day(46), "i-web", EC2)]
    anomaly = Anomaly.objects.get()
    assert (anomaly.expected, anomaly.actual, anomaly.detected_on) == (Decimal(160), Decimal(800), day(47))


def test_spike_spread_over_a_service_is_reported_the_same_day(tmp_path):
    resources = [*base_resources(), ResourceSpec("i-worker", EC2, 100.0, 0.0)]
    project = scan(tmp_path, resources, days=47, spikes=[(46, EC2, 4.0)])
    assert found(project) == [("service_spike", day(46), "", EC2)]
    assert Anomaly.objects.get().detected_on == day(46)


def test_report_lists_anomalies_and_answers_suppress_repeats(tmp_path):
    resources = base_resources()
    resources[0].factor_from.append((45, 2.0, 1.0))
    project = scan(tmp_path, resources, days=48)
    out = StringIO()
    call_command("budget_report", "--json", stdout=out)
    [item] = json.loads(out.getvalue())
    assert item["anomalies"] == [
        {
            "type": "scaled_up_left",
            "start": "2025-02-15",
            "service": EC2,
            "resource_id": "i-web",
            "sub_account_id": "700",
            "expected": 100,
            "actual": 200,
            "monthly_impact": 3000,
            "status": "open",
            "answer": None,
            "suppressed_by": None,
        }
    ]
    anomaly = Anomaly.objects.get()
    services.anomaly_answer(anomaly=anomaly, answer="expected", note="bigger instance on purpose", actor=None)
    anomaly.refresh_from_db()
    assert (anomaly.status, anomaly.answer) == ("answered", "expected")
    # The same cause later (here: re-created by a scan) is stored suppressed, not notified or reported.
    Anomaly.objects.filter(pk=anomaly.pk).update(start_date=day(20))
    projects_scan(project_ids=[project.pk])
    repeat = Anomaly.objects.get(start_date=day(45))
    assert (repeat.status, repeat.notified_at, repeat.suppressed_by) == ("suppressed", None, anomaly)
    # Still visible: in the report (with its status) and filterable.
    out = StringIO()
    call_command("budget_report", "--json", "--status", "suppressed", stdout=out)
    [item] = json.loads(out.getvalue())
    assert [(a["start"], a["status"], a["suppressed_by"]) for a in item["anomalies"]] == [
        (day(45).isoformat(), "suppressed", anomaly.public_id)
    ]


def test_an_answer_covers_its_cause_only_up_to_its_size_and_expires():
    from budgets.anomalies import Finding
    from budgets.scanning import suppressed_by

    answered = Anomaly(type="scaled_up_left", scope="resource:i-web", start_date=day(10), expected=Decimal(100),
                       actual=Decimal(200), monthly_impact=Decimal(3000))  # fmt: skip

    def finding(
        start: int, actual: str, scope: str = "resource:i-web", kind: str = "scaled_up_left"
    ) -> Finding:
        return Finding(type=kind, scope=scope, start=day(start), detected_on=day(start + 1),
                       expected=Decimal(100), actual=Decimal(actual))  # fmt: skip

    assert suppressed_by(finding(40, "210"), [answered]) is answered  # same cause, same size
    assert suppressed_by(finding(40, "2000"), [answered]) is None  # a 20× cause raises again
    assert suppressed_by(finding(40, "210", scope="resource:i-db"), [answered]) is None  # another resource
    assert suppressed_by(finding(40, "210", kind="service_spike"), [answered]) is None  # another type
    assert suppressed_by(finding(10 + 91, "210"), [answered]) is None  # the answer expired (90 days)


def test_a_corrected_reimport_withdraws_an_open_anomaly(tmp_path):
    resources = base_resources()
    resources[0].factor_from.append((45, 2.0, 1.0))
    project = scan(tmp_path, resources, days=48)
    assert Anomaly.objects.count() == 1
    # A late correction of the same billing period: the step was a billing error.
    resources[0].factor_from.clear()
    corrected = Scenario(START, 48, [ProjectSpec("svc", "700", resources, growth=0.0)], [])
    write_focus(tmp_path / "costs.csv", corrected.lines())
    run_import(tmp_path / "costs.csv")
    projects_scan(project_ids=[project.pk])
    assert Anomaly.objects.count() == 0


def test_an_import_of_a_long_history_is_scanned_from_its_first_period(
    tmp_path, django_capture_on_commit_callbacks
):
    """The scan after an import looks at every day of the imported periods, not only the last week."""
    resources = base_resources()
    resources[0].factor_from.append((45, 2.0, 1.0))
    project_spec = ProjectSpec("svc", "700", resources, growth=0.0, spikes=[(70, S3, 6.0)])
    write_focus(tmp_path / "costs.csv", Scenario(START, 120, [project_spec], []).lines())
    project, _ = services.project_upsert(name="svc", currency="USD", sub_accounts=["700"], tags=[])

    from budgets.importing import cost_import_create, cost_import_run

    # The import queues its scan on commit (eager here: no broker).
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        cost_import_run(import_id=cost_import_create(path=str(tmp_path / "costs.csv"), queue=False).pk)
    assert len(callbacks) >= 1
    assert found(project) == [
        ("scaled_up_left", day(45), "i-web", EC2),
        ("service_spike", day(70), "bucket", S3),
    ]


def test_a_project_created_after_the_import_is_scanned_by_budget_project(tmp_path):
    resources = base_resources()
    resources[0].factor_from.append((45, 2.0, 1.0))
    write_focus(
        tmp_path / "costs.csv", Scenario(START, 90, [ProjectSpec("svc", "700", resources, 0.0)], []).lines()
    )
    run_import(tmp_path / "costs.csv")
    call_command(
        "budget_project", "svc", "--sub-accounts", "700", "--budget", "100000", "--currency", "USD",
        "--start", "2025-01", "--months", "12", stdout=StringIO(),
    )  # fmt: skip
    assert found(Project.objects.get(name="svc")) == [("scaled_up_left", day(45), "i-web", EC2)]


def test_not_stopped_job_that_used_to_run_a_few_days_a_week(tmp_path):
    job = ResourceSpec("emr-1", "Amazon EMR", 40.0, 0.0, first=3, cycle=(7, 3), around_clock_from=45)
    project = scan(tmp_path, [*base_resources(), job], days=51)
    # It ran 3 days every week; from day 45 it keeps running: day 48 is the first day beyond its usual run,
    # reported once it runs 3 days beyond it (day 50: a run a day or two longer than the longest is chance).
    assert found(project) == [("not_stopped", day(48), "emr-1", "Amazon EMR")]


def test_a_job_keeping_its_weekly_rhythm_is_normal(tmp_path):
    job = ResourceSpec("emr-1", "Amazon EMR", 40.0, 0.0, first=3, cycle=(7, 3))
    assert found(scan(tmp_path, [*base_resources(), job], days=50)) == []


def test_spike_in_a_young_project(tmp_path):
    """Three weeks of history are enough for a spike (the baseline starts at the service's first day)."""
    resources = [*base_resources(), ResourceSpec("i-worker", EC2, 100.0, 0.0)]
    project = scan(tmp_path, resources, days=22, spikes=[(20, EC2, 4.0)])
    assert found(project) == [("service_spike", day(20), "", EC2)]

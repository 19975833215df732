"""Finance users import cost files from the budgets pages: several parts as one run, refusals shown."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db.models import Sum

from budgets.models import CostDaily, CostImport
from budgets.scenarios import write_focus
from tests.budgets.conftest import lines
from tests.support import make_user

pytestmark = pytest.mark.django_db

SEPT = [date(2024, 9, 1) + timedelta(days=i) for i in range(30)]


@pytest.fixture
def finance_client(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    user = make_user("fin@example.com")
    user.groups.add(Group.objects.get(name="finance"))
    client.force_login(user)
    return client


def test_finance_user_imports_two_parts_from_the_page(
    finance_client, tmp_path, django_capture_on_commit_callbacks
):
    assert 'id="import-link"' in finance_client.get("/budgets/").content.decode()
    write_focus(tmp_path / "p1.csv", lines(SEPT[:15], "10"))
    write_focus(tmp_path / "p2.csv", lines(SEPT[15:], "20", resource="i-2"))
    with (
        django_capture_on_commit_callbacks(execute=True),
        (tmp_path / "p1.csv").open("rb") as one,
        (tmp_path / "p2.csv").open("rb") as two,
    ):
        response = finance_client.post(
            "/budgets/imports/", {"files": [one, two], "format": "auto", "max_rejected": "0"}
        )
    cost_import = CostImport.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/budgets/imports/{cost_import.public_id}/"
    )
    assert cost_import.status == "done" and len(cost_import.paths) == 2
    assert CostDaily.objects.aggregate(s=Sum("cost"))["s"] == Decimal("450")
    page = finance_client.get(response["Location"]).content.decode()
    assert "Done" in page and "100%" in page


def test_a_refused_import_shows_why_and_changes_nothing(
    finance_client, tmp_path, django_capture_on_commit_callbacks
):
    write_focus(tmp_path / "bad.csv", lines(SEPT[:3], "-5"))
    with django_capture_on_commit_callbacks(execute=True), (tmp_path / "bad.csv").open("rb") as bad:
        response = finance_client.post("/budgets/imports/", {"files": [bad], "max_rejected": "0"})
    page = finance_client.get(response["Location"]).content.decode()
    assert "negative usage is refused" in page
    assert not CostDaily.objects.exists()


def test_members_without_the_permission_cannot_import(client):
    client.force_login(make_user("dev@example.com"))
    assert client.get("/budgets/imports/").status_code == 403


def _upload(path, name=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="text/csv")


@pytest.fixture
def operator_client(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    operator = make_user("ops@example.com", is_staff=True, is_superuser=True)
    client.force_login(operator)
    return client


def test_the_admin_add_form_takes_several_files_and_the_rejected_rows_tolerated(operator_client):
    page = operator_client.get("/admin/budgets/costimport/add/").content.decode()
    assert 'type="file" name="files"' in page and " multiple" in page
    assert 'name="max_rejected"' in page and 'name="format"' in page


def test_the_admin_imports_the_parts_of_a_month_as_one_run(
    operator_client, tmp_path, django_capture_on_commit_callbacks
):
    write_focus(tmp_path / "p1.csv", lines(SEPT[:15], "10"))
    write_focus(tmp_path / "p2.csv", lines(SEPT[15:], "20", resource="i-2"))
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            "/admin/budgets/costimport/add/",
            {"files": [_upload(tmp_path / "p1.csv"), _upload(tmp_path / "p2.csv")], "format": "auto",
             "max_rejected": "0"},
        )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    run = CostImport.objects.get()
    assert (run.status, len(run.paths), run.original_name, run.max_rejected) == (
        "done",
        2,
        "p1.csv, p2.csv",
        0,
    )
    assert CostDaily.objects.aggregate(s=Sum("cost"))["s"] == Decimal("450")  # both parts, not the last one
    # A second run of one part replaces the month with that part alone (what the docs warn about).
    with django_capture_on_commit_callbacks(execute=True):
        operator_client.post(
            "/admin/budgets/costimport/add/", {"files": [_upload(tmp_path / "p2.csv")], "max_rejected": "0"}
        )
    assert CostDaily.objects.aggregate(s=Sum("cost"))["s"] == Decimal("300")


def _with_one_bad_row(tmp_path):
    write_focus(tmp_path / "ok.csv", lines(SEPT[:10], "10"))
    rows = (tmp_path / "ok.csv").read_text().splitlines()
    header = rows[0].split(",")
    bad = rows[1].split(",")
    bad[header.index("BilledCost")] = "ten"
    (tmp_path / "bad.csv").write_text("\n".join([*rows, ",".join(bad)]) + "\n")
    return tmp_path / "bad.csv"


@pytest.mark.parametrize(
    ("tolerated", "status", "stored"), [("0", "failed", None), ("1", "done", Decimal("100"))]
)
def test_the_admin_fails_the_run_on_a_rejected_row_unless_tolerated(
    operator_client, tmp_path, django_capture_on_commit_callbacks, tolerated, status, stored
):
    bad = _with_one_bad_row(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        operator_client.post(
            "/admin/budgets/costimport/add/", {"files": [_upload(bad)], "max_rejected": tolerated}
        )
    run = CostImport.objects.get()
    assert (run.status, run.rows_rejected, run.max_rejected) == (status, 1, int(tolerated))
    assert CostDaily.objects.aggregate(s=Sum("cost"))["s"] == stored
    if status == "failed":
        assert "1 of 11 rows were rejected (tolerated: 0" in run.error
        detail = operator_client.get(f"/admin/budgets/costimport/{run.pk}/change/").content.decode()
        assert "ten" in detail or "BilledCost" in detail  # the rejected line and its reason


@pytest.mark.parametrize(
    "form",
    [{"max_rejected": "0"}, {"max_rejected": "-1"}, {"max_rejected": "many"}, {"max_rejected": "99999999999"},
     {"format": "excel", "max_rejected": "0"}],
)  # fmt: skip
def test_bad_admin_input_is_a_form_error_and_nothing_is_imported(operator_client, tmp_path, form):
    write_focus(tmp_path / "p1.csv", lines(SEPT[:3], "10"))
    data = dict(form)
    if data != {"max_rejected": "0"}:
        data["files"] = [_upload(tmp_path / "p1.csv")]
    response = operator_client.post("/admin/budgets/costimport/add/", data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not CostImport.objects.exists()


@pytest.mark.parametrize("tolerated", ["many", "-1", "99999999999", ""])
def test_bad_page_input_is_a_400_that_says_why_and_imports_nothing(finance_client, tmp_path, tolerated):
    write_focus(tmp_path / "p1.csv", lines(SEPT[:3], "10"))
    response = finance_client.post(
        "/budgets/imports/", {"files": [_upload(tmp_path / "p1.csv")], "max_rejected": tolerated}
    )
    assert response.status_code == 400
    assert "Rejected rows tolerated:" in response.content.decode()
    assert not CostImport.objects.exists()


def test_the_page_import_without_files_says_so(finance_client):
    response = finance_client.post("/budgets/imports/", {"max_rejected": "0"})
    assert response.status_code == 400 and "Files: This field is required." in response.content.decode()
    assert not CostImport.objects.exists()

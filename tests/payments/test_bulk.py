"""Bulk payments through the API: files checked on upload (bad lines reported per line, the
file stored whole or not at all), re-upload idempotency, and the charge on the process plan
date as the Celery task runs it (in-process here; ``test_bulk_workers.py`` starts real workers)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from payments.bulk.models import PaymentBulk, PaymentBulkDetail, PaymentBulkLineError
from payments.bulk.services import processing
from payments.bulk.tasks import process, run_due
from payments.models import Payment
from payments.webhooks.models import WebhookEvent
from simulators.models import SimulatedAcquirerTransaction
from tests import processes
from tests.payments.helpers import DECLINED, VISA, token
from tests.processes import http_client
from tests.support import ApiClient, error_codes

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PLAN = (TODAY + timedelta(days=1)).strftime("%Y/%m/%d")


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def customer_with_card(api: ApiClient, customer_id: str, card_no: str = VISA) -> str:
    ok(api.call("POST", "/v1/customers", {"id": customer_id, "name": "山田 太郎"}))
    card = ok(
        api.call(
            "POST", f"/v1/customers/{customer_id}/cards", {"token": token(api, card_no), "default_flag": "1"}
        )
    )
    return card["id"]


def upload(api: ApiClient, content: bytes, name: str = "bulk.csv", plan: str = PLAN, pay_type: str = "Card"):
    return api.post(
        f"/v1/payments/bulk?pay_type={pay_type}&process_plan_date={plan}",
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
        format="multipart",
    )


def csv_file(*lines: str) -> bytes:
    return ("id,amount,tax,customer_id,card_id,client_field_1\n" + "\n".join(lines) + "\n").encode()


def captures() -> int:
    return SimulatedAcquirerTransaction.objects.filter(operation="authorize", outcome="captured").count()


def run(day: date) -> list[str]:
    return [processing.bulk_process(bulk_pk=pk, today=day) for pk in processing.due_bulks(today=day)]


@pytest.fixture
def cards(api) -> dict[str, str]:
    return {"cus-1": customer_with_card(api, "cus-1"), "cus-2": customer_with_card(api, "cus-2", DECLINED)}


def test_upload_checks_the_file_and_answers_fincodes_bulk(api, merchant, cards):
    content = csv_file(f"ord-1,1000,100,cus-1,{cards['cus-1']},first", "ord-2,2000,,cus-1,,")
    bulk = ok(upload(api, content))
    assert bulk == {
        **bulk,
        "shop_id": merchant.merchant.public_id, "pay_type": "Card", "status": "CHECKED", "process_plan_date": PLAN,
        "file_name": "bulk.csv", "process_start_date": None, "process_end_date": None, "total_count": 2,
        "process_success_count": 0, "process_failure_count": 0, "error_code": None, "delete_flag": "0",
    }  # fmt: skip
    assert bulk["id"].startswith("bp_") and len(bulk["id"]) == 25
    details = ok(api.call("GET", f"/v1/payments/bulk/{bulk['id']}?pay_type=Card"))
    assert details["total_count"] == 2 and details["error_detail"] == [] and details["error_code"] is None
    assert [(d["order_id"], d["status"], d["total_amount"], d["card_id"]) for d in details["list"]] == [
        ("ord-1", "CHECKED", 1100, cards["cus-1"]),
        ("ord-2", "CHECKED", 2000, None),
    ]
    assert details["list"][0]["client_field_1"] == "first" and details["list"][0]["access_id"] is None
    listed = ok(api.call("GET", "/v1/payments/bulk?pay_type=Card&status=CHECKED,RUNNING"))
    assert [b["id"] for b in listed["list"]] == [bulk["id"]]
    assert not Payment.objects.exists()  # nothing charged before the process plan date


def test_fincodes_json_file_is_taken_too(api, cards):
    content = json.dumps(
        {
            "data": [
                {
                    "id": "j-1",
                    "amount": "500",
                    "tax": "50",
                    "customer_id": "cus-1",
                    "card_id": cards["cus-1"],
                },
                {"id": "j-2", "amount": 700, "customer_id": "cus-1"},
            ]
        }
    ).encode()
    bulk = ok(upload(api, content, name="bulk.json"))
    assert bulk["status"] == "CHECKED" and bulk["total_count"] == 2
    assert list(PaymentBulkDetail.objects.values_list("order_id", "amount", "tax")) == [
        ("j-1", 500, 50),
        ("j-2", 700, 0),
    ]


def test_bad_lines_are_reported_per_line_and_nothing_is_charged(api, cards):
    ok(api.call("POST", "/v1/customers", {"id": "no-card", "name": "x"}))
    content = csv_file(
        f"ok-1,1000,,cus-1,{cards['cus-1']},",
        ",1000,,cus-1,,",  # 2: no order id
        "bad-amt,abc,,cus-1,,",  # 3: amount not a number
        "ghost,1000,,nobody,,",  # 4: no such customer
        "ok-1,1000,,cus-1,,",  # 5: order id twice
        "nocard,1000,,no-card,,",  # 6: no default card
        "wrongcard,1000,,cus-1,cs_nope,",  # 7: not the customer's card
    )
    bulk = ok(upload(api, content))
    assert bulk["status"] == "ERROR" and bulk["total_count"] == 7
    details = ok(api.call("GET", f"/v1/payments/bulk/{bulk['id']}?pay_type=Card"))
    assert details["list"] == []
    assert [
        (e["number"], e["order_id"], [x["error_code"] for x in e["errors"]]) for e in details["error_detail"]
    ] == [
        ("2", None, ["E2100040001"]),
        ("3", "bad-amt", ["E2100050002"]),
        ("4", "ghost", ["E1200000001"]),
        ("5", "ok-1", ["E2100000007"]),
        ("6", "nocard", ["E1100000003"]),
        ("7", "wrongcard", ["E1100000002"]),
    ]
    assert "customer" in details["error_detail"][2]["errors"][0]["error_message"].lower()
    assert details["error_code"] == bulk["error_code"] is not None
    # an ERROR bulk is never charged, and cannot be deleted (fincode: only CHECKED ones)
    assert run(TODAY + timedelta(days=1)) == []
    assert not Payment.objects.exists() and not PaymentBulkDetail.objects.exists()
    assert upload(api, content).json()["id"] == bulk["id"]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "E2100000003"),
        (b"\xff\xfe garbage", "E2100000003"),
        (b"id,amount,customer_id\n", "E2100000004"),
        (b"id,amount,customer_id,colour\nx,1,c,red\n", "E2100000009"),
        (b'{"data": "nope"}', "E2100000003"),
        (b'{"data": []}', "E2100000004"),
        (b"{not json", "E2100000003"),
    ],
)
def test_unreadable_files_are_refused_whole(api, content, code):
    response = upload(api, content)
    assert response.status_code == 400 and error_codes(response) == [code]
    assert not PaymentBulk.objects.exists()


def test_bad_query_and_missing_file_are_400s(api, cards):
    content = csv_file("x-1,1000,,cus-1,,")
    past = (TODAY - timedelta(days=1)).strftime("%Y/%m/%d")
    assert error_codes(upload(api, content, plan=past)) == ["E2100000006"]
    assert upload(api, content, plan="2027-13-45").status_code == 400
    assert upload(api, content, pay_type="Konbini").status_code == 400
    response = api.post(f"/v1/payments/bulk?pay_type=Card&process_plan_date={PLAN}", {}, format="multipart")
    assert response.status_code == 400 and error_codes(response) == ["E2100010001"]
    assert not PaymentBulk.objects.exists()


def test_the_same_file_again_is_the_same_bulk_and_is_charged_once(api, cards):
    content = csv_file(f"r-1,1000,,cus-1,{cards['cus-1']},", "r-2,1500,,cus-1,,")
    first = ok(upload(api, content))
    again = ok(upload(api, content, name="renamed.csv"))
    assert again["id"] == first["id"] and PaymentBulk.objects.count() == 1
    day = TODAY + timedelta(days=1)
    assert run(TODAY) == []  # not before its day
    assert run(day) == ["COMPLETED"]
    assert run(day) == []
    assert ok(upload(api, content))["id"] == first["id"]
    assert process(bulk_pk=PaymentBulk.objects.get().pk, today=day.isoformat()) == "nothing to do"
    assert captures() == 2 and Payment.objects.count() == 2


def test_order_ids_of_other_bulks_and_payments_are_taken(api, cards):
    ok(upload(api, csv_file("taken-1,1000,,cus-1,,")))
    ok(
        api.call(
            "POST",
            "/v1/payments",
            {"pay_type": "Card", "job_code": "CAPTURE", "amount": "10", "id": "taken-2"},
        )
    )
    bulk = ok(upload(api, csv_file("taken-1,1000,,cus-1,,", "taken-2,1000,,cus-1,,", "fresh,1,,cus-1,,")))
    assert bulk["status"] == "ERROR"
    codes = PaymentBulkLineError.objects.filter(bulk__bulk_id=bulk["id"]).values_list("line", "errors")
    assert [(line, [e["error_code"] for e in errs]) for line, errs in codes] == [
        (1, ["E2100000008"]),
        (2, ["E2100000008"]),
    ]


def test_processing_charges_each_line_and_reports_results_and_webhooks(api, merchant, cards):
    for event in ("payments.bulk.card.regist", "payments.bulk.card.batch"):
        ok(api.call("POST", "/v1/webhook_settings", {"url": "http://127.0.0.1:9/hook", "event": event}))
    content = csv_file(f"p-1,1000,100,cus-1,{cards['cus-1']},", "p-2,2000,,cus-2,,", "p-3,300,,cus-1,,")
    bulk = ok(upload(api, content))
    day = TODAY + timedelta(days=1)
    run_due(today=day.isoformat())  # eager: queues and runs ``bulk.process``
    done = ok(api.call("GET", "/v1/payments/bulk?pay_type=Card"))["list"][0]
    assert done == {
        **done, "status": "COMPLETED", "total_count": 3, "process_success_count": 2, "process_failure_count": 1,
    }  # fmt: skip
    assert done["process_start_date"] and done["process_end_date"] and done["error_code"]
    details = ok(api.call("GET", f"/v1/payments/bulk/{bulk['id']}?pay_type=Card"))["list"]
    assert [(d["order_id"], d["status"]) for d in details] == [
        ("p-1", "SUCCEEDED"),
        ("p-2", "FAILED"),
        ("p-3", "SUCCEEDED"),
    ]
    assert details[0]["access_id"] and details[0]["job_code"] == "CAPTURE" and details[0]["approve"]
    assert details[1]["error_code"] == done["error_code"]
    failed = ok(api.call("GET", f"/v1/payments/bulk/{bulk['id']}?pay_type=Card&status=FAILED"))["list"]
    assert [d["order_id"] for d in failed] == ["p-2"]
    statuses = dict(Payment.objects.values_list("order_id", "status"))
    assert (statuses["p-1"], statuses["p-3"]) == ("CAPTURED", "CAPTURED") and statuses["p-2"] != "CAPTURED"
    assert captures() == 2
    events = {e.event: e.payload for e in WebhookEvent.objects.filter(event__startswith="payments.bulk")}
    assert events["payments.bulk.card.regist"]["regist_total_count"] == "3"
    assert events["payments.bulk.card.regist"]["error_total_count"] == "0"
    assert events["payments.bulk.card.regist"]["bulk_search_url"].endswith(
        f"/v1/payments/bulk/{bulk['id']}?pay_type=Card"
    )
    assert {k: events["payments.bulk.card.batch"][k] for k in ("succeeded_count", "failed_count", "total_count", "status")} == {
        "succeeded_count": "2", "failed_count": "1", "total_count": "3", "status": "COMPLETED",
    }  # fmt: skip


def test_delete_only_before_processing(api, cards):
    bulk = ok(upload(api, csv_file("d-1,1000,,cus-1,,")))
    deleted = ok(api.call("DELETE", f"/v1/payments/bulk/{bulk['id']}"))
    assert deleted == {"id": bulk["id"], "delete_flag": "1"}
    assert run(TODAY + timedelta(days=1)) == []
    assert not Payment.objects.exists()
    assert error_codes(api.call("DELETE", f"/v1/payments/bulk/{bulk['id']}")) == ["E2100000002"]
    listed = ok(api.call("GET", "/v1/payments/bulk?delete_flag=1"))
    assert [b["id"] for b in listed["list"]] == [bulk["id"]]
    # the same file after its bulk was deleted: a new bulk
    again = ok(upload(api, csv_file("d-1,1000,,cus-1,,")))
    assert again["id"] != bulk["id"]
    run(TODAY + timedelta(days=1))
    assert error_codes(api.call("DELETE", f"/v1/payments/bulk/{again['id']}")) == ["E2100000002"]
    assert captures() == 1


def test_another_merchants_bulk_is_not_found(api, other_merchant, cards):
    bulk = ok(upload(api, csv_file("m-1,1000,,cus-1,,")))
    other = ApiClient(other_merchant.test_secret)
    for method in ("GET", "DELETE"):
        response = other.call(method, f"/v1/payments/bulk/{bulk['id']}?pay_type=Card")
        assert response.status_code == 404 and error_codes(response) == ["E2100000001"]
    assert ok(other.call("GET", "/v1/payments/bulk"))["list"] == []
    assert PaymentBulk.objects.get().deleted_at is None


def test_bulk_route_is_not_taken_for_a_payment(api):
    response = api.call("GET", "/v1/payments/bulk")
    assert response.status_code == 200 and response.json()["list"] == []


# --- Real workers ------------------------------------------------------------------------
# As in production: gunicorn (API and the acquirer simulator), Celery workers on Redis — two
# beat ticks queue every bulk twice, and a worker is killed while the acquirer answers.


def _until(check, timeout: float = 90.0, what: str = "condition", every=None):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if every:
            every()
        time.sleep(0.2)
    state = list(PaymentBulkDetail.objects.values_list("order_id", "status", "payment__status"))
    raise AssertionError(
        f"timed out waiting for {what}: {list(PaymentBulk.objects.values_list('status'))} {state}"
    )


@pytest.fixture
def stack(transactional_db, merchant, tmp_path):
    from portal.celery import app

    processes.purge_broker()
    env = {
        "CELERY_BROKER_URL": processes.test_broker_url(),
        "BULK_LEASE_SECONDS": "3",
        "PAYMENTS_RECONCILE_AFTER_SECONDS": "1",
        "PAYMENTS_RECONCILE_FIRST_DELAY": "1",
    }
    procs = processes.Stack(tmp_path, env)

    def start_workers(*concurrencies: int, latency: str = "1", standby: int = 0) -> list[processes.Proc]:
        return procs.start_workers(*concurrencies, latency=latency, standby=standby)

    client = http_client(
        base_url=procs.url, headers={"Authorization": f"Bearer {merchant.test_secret}"}, timeout=30
    )
    try:
        yield {"api": client, "start_workers": start_workers}
    finally:
        client.close()
        procs.kill()
        processes.use_broker(app, None)
        processes.purge_broker()


def _http_customers(client, count: int) -> list[str]:
    ids = []
    for n in range(count):
        customer = client.post("/v1/customers", json={"name": f"Buyer {n}"}).json()
        card_token = client.post(
            "/v1/tokens/cards",
            json={"card_no": VISA, "expire": "3012", "holder_name": "TARO", "security_code": "123"},
        ).json()["token"]
        client.post(f"/v1/customers/{customer['id']}/cards", json={"token": card_token, "default_flag": "1"})
        ids.append(customer["id"])
    return ids


def _http_upload(client, content: bytes, day: date) -> dict:
    response = client.post(
        "/v1/payments/bulk",
        params={"pay_type": "Card", "process_plan_date": day.strftime("%Y/%m/%d")},
        files={"file": ("bulk.csv", content, "text/csv")},
    )
    assert response.status_code == 200, response.text
    return response.json()


def _completed() -> bool:
    return PaymentBulk.objects.filter(status="COMPLETED").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
@pytest.mark.worker
def test_workers_charge_each_line_once_with_two_beats_and_a_reupload(stack):
    # the acquirer answers in 0.3 s a line: the duplicate process tasks come while the first charges
    workers = stack["start_workers"](2, 2, latency="0.3")
    client = stack["api"]
    customers = _http_customers(client, 6)
    content = csv_file(*(f"w-{n},{1000 + n},,{c},," for n, c in enumerate(customers)))
    day = TODAY
    bulk = _http_upload(client, content, day)
    processes.wait_ready(*workers)
    for _beat in range(2):  # two beat processes: every tick queued twice
        run_due.apply_async(kwargs={"today": day.isoformat()})
    process.apply_async(kwargs={"bulk_pk": PaymentBulk.objects.get().pk, "today": day.isoformat()})
    _until(_completed, what="the bulk completed")
    assert _http_upload(client, content, day)["id"] == bulk["id"]  # the same file: the same bulk
    run_due.apply_async(kwargs={"today": day.isoformat()})
    done = client.get(f"/v1/payments/bulk/{bulk['id']}", params={"pay_type": "Card"}).json()
    assert sorted((d["order_id"], d["status"]) for d in done["list"]) == [
        (f"w-{n}", "SUCCEEDED") for n in range(6)
    ]
    assert Payment.objects.filter(order_id__startswith="w-", status="CAPTURED").count() == 6
    assert captures() == 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
@pytest.mark.worker
def test_a_worker_killed_mid_bulk_leaves_no_line_charged_twice_or_skipped(stack):
    import time

    from payments.tasks import sweep_pending_payments

    worker, standby = stack["start_workers"](2, standby=2)
    client = stack["api"]
    customers = _http_customers(client, 6)
    day = TODAY
    _http_upload(client, csv_file(*(f"k-{n},500,,{c},," for n, c in enumerate(customers))), day)
    processes.wait_ready(worker, standby)
    run_due.apply_async(kwargs={"today": day.isoformat()})
    _until(
        lambda: Payment.objects.filter(order_id__startswith="k-", pending_operation__isnull=False).exists(),
        what="a line in flight at the acquirer",
    )
    worker.kill()  # SIGKILL while the acquirer is answering
    processes.take_over(standby)  # another worker comes: it takes the tasks from now on

    def tick():  # beat goes on: the bulk sweep and the payments' reconciliation
        if int(time.monotonic() * 5) % 5 == 0:  # each second
            run_due.apply_async(kwargs={"today": day.isoformat()})
            sweep_pending_payments.apply_async()

    _until(_completed, timeout=120, what="the bulk completed after the crash", every=tick)
    assert sorted(PaymentBulkDetail.objects.values_list("order_id", "status")) == [
        (f"k-{n}", "SUCCEEDED") for n in range(6)
    ]
    assert Payment.objects.filter(order_id__startswith="k-").count() == 6
    assert captures() == 6


def test_merchant_pages_list_bulks_and_show_each_line(api, merchant, other_merchant, cards, client):
    bulk = ok(upload(api, csv_file(f"ord-1,1000,100,cus-1,{cards['cus-1']},", "ord-2,2000,,cus-2,,")))
    bad = ok(upload(api, csv_file("ord-3,abc,,cus-1,,"), name="bad.csv"))
    run(date.fromisoformat(PLAN.replace("/", "-")))
    client.force_login(merchant.owner)
    base = f"/m/{merchant.merchant.public_id}/bulk/"
    listed = client.get(base).content.decode()
    assert bulk["id"] in listed and bad["id"] in listed and "bad.csv" in listed
    page = client.get(f"{base}test/{bulk['id']}/").content.decode()
    assert "ord-1" in page and "SUCCEEDED" in page and "FAILED" in page and "E1000000004" in page
    refused = client.get(f"{base}test/{bad['id']}/").content.decode()
    assert "Lines refused in the file" in refused and "ord-3" in refused
    client.force_login(other_merchant.owner)
    assert client.get(f"{base}test/{bulk['id']}/").status_code == 404

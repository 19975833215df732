"""Against the production-style server (gunicorn), with the acquirer simulator in its own process."""

import concurrent.futures
import subprocess
import time

import pytest

from payments.models import Payment, PaymentEvent
from simulators.models import SimulatedAcquirerTransaction
from tests import processes
from tests.payments.helpers import TIMEOUT, VISA
from tests.processes import http_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

TEST_PANS = [VISA, "5555555555554444", "4000000000000002", "4000000000003220", TIMEOUT]


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker, tmp_path_factory):
    """The acquirer simulator and the product, each in its gunicorn, started once for the module
    (seconds each): they keep nothing of a test's between requests but what is in the database."""
    tmp_path = tmp_path_factory.mktemp("concurrency")
    with django_db_blocker.unblock():
        # The acquirer answers a "timeout" card after 5 s (its default: 8), the product gives up
        # after 1.5 s and reconciles 4 s later, when the acquirer has decided.
        acquirer = processes.launch_server(tmp_path, threads=16, ACQUIRER_SIMULATOR_TIMEOUT_DELAY="5")
        env = {
            "CELERY_BROKER_URL": processes.test_broker_url(),
            "ACQUIRER_SIMULATOR_URL": f"{acquirer.url}/simulators/acquirer",
            "ACQUIRER_TIMEOUT": "1.5",
            "PAYMENTS_RECONCILE_FIRST_DELAY": "4",
            "PAYMENTS_RECONCILE_RETRY_SECONDS": "0.5",  # asked again soon if still processing
            "LOG_LEVEL": "DEBUG",
        }
        web = processes.launch_server(tmp_path, threads=16, **env)
        processes.wait_ready(acquirer, web)  # side by side: each takes seconds to start
    try:
        yield {"url": web.url, "env": env, "procs": [acquirer, web], "tmp_path": tmp_path}
    finally:
        for proc in (web, acquirer):
            proc.stop(graceful=False)


@pytest.fixture
def stack(servers, merchant):
    processes.purge_broker()
    worker = None

    def launch_worker():
        """A worker starting on the standby queue (it takes seconds): ``processes.take_over``."""
        nonlocal worker
        worker = processes.launch_worker(servers["tmp_path"], queues=processes.STANDBY, **servers["env"])
        return worker

    try:
        yield {**servers, "launch_worker": launch_worker, "merchant": merchant}
    finally:
        if worker is not None:
            worker.stop(graceful=False)
        from portal.celery import app

        processes.use_broker(app, None)
        processes.purge_broker()


def _client(stack, key):
    return http_client(base_url=stack["url"], headers={"Authorization": f"Bearer {key}"}, timeout=30)


def _authorized(stack) -> dict:
    api = _client(stack, stack["merchant"].test_secret)
    public = _client(stack, stack["merchant"].test_public)
    payment = api.post("/v1/payments", json={"pay_type": "Card", "job_code": "AUTH", "amount": "5000"}).json()
    tok = public.post(
        "/v1/tokens/cards", json={"card_no": VISA, "expire": "3012", "security_code": "123"}
    ).json()["token"]
    body = {"pay_type": "Card", "access_id": payment["access_id"], "token": tok}
    assert api.put(f"/v1/payments/{payment['id']}", json=body).json()["status"] == "AUTHORIZED"
    return payment


def _parallel(n, fn):
    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(fn, range(n)))


def test_twenty_parallel_captures_one_wins(stack):
    payment = _authorized(stack)
    api = _client(stack, stack["merchant"].test_secret)
    body = {"pay_type": "Card", "access_id": payment["access_id"]}
    responses = _parallel(20, lambda _: api.put(f"/v1/payments/{payment['id']}/capture", json=body))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) == 1, [r.text for r in responses]
    assert set(statuses) == {200, 409}
    for r in responses:
        if r.status_code == 409:
            assert r.json()["errors"][0]["error_code"] in ("E1000000002", "E1000000003")
    assert SimulatedAcquirerTransaction.objects.filter(operation="capture").count() == 1
    assert PaymentEvent.objects.filter(payment__order_id=payment["id"], action="capture").count() == 1


def test_twenty_parallel_changes_are_serialised(stack):
    payment = _authorized(stack)
    api = _client(stack, stack["merchant"].test_secret)

    def change(i):
        body = {
            "pay_type": "Card",
            "access_id": payment["access_id"],
            "job_code": "AUTH",
            "amount": str(1000 + i),
        }
        return api.put(f"/v1/payments/{payment['id']}/change", json=body)

    responses = _parallel(20, change)
    ok = [r for r in responses if r.status_code == 200]
    assert ok and all(r.status_code in (200, 409) for r in responses)
    events = PaymentEvent.objects.filter(payment__order_id=payment["id"], action="change")
    assert (
        events.count() == len(ok) == SimulatedAcquirerTransaction.objects.filter(operation="change").count()
    )
    final = Payment.objects.get(order_id=payment["id"])
    assert final.amount == events.order_by("id").last().detail["amount"]
    assert final.pending_operation is None


def test_fifty_parallel_registrations_with_one_key_make_one_payment(stack):
    api = _client(stack, stack["merchant"].test_secret)
    body = {"pay_type": "Card", "job_code": "AUTH", "amount": "700"}
    responses = _parallel(
        50, lambda _: api.post("/v1/payments", json=body, headers={"idempotent_key": "order-42"})
    )
    assert Payment.objects.count() == 1
    ok = [r for r in responses if r.status_code == 200]
    assert ok and all(r.status_code in (200, 409) for r in responses)
    assert len({r.content for r in ok}) == 1
    assert {r.json()["id"] for r in ok} == {Payment.objects.get().order_id}


def test_timeout_is_reconciled_exactly_once_by_the_worker(stack):
    worker = stack["launch_worker"]()  # starting meanwhile; it takes no task before it is told to
    api = _client(stack, stack["merchant"].test_secret)
    public = _client(stack, stack["merchant"].test_public)
    payment = api.post(
        "/v1/payments", json={"pay_type": "Card", "job_code": "CAPTURE", "amount": "1200"}
    ).json()
    tok = public.post(
        "/v1/tokens/cards", json={"card_no": TIMEOUT, "expire": "3012", "security_code": "123"}
    ).json()["token"]
    body = {"pay_type": "Card", "access_id": payment["access_id"], "token": tok}
    started = time.monotonic()
    timed_out = api.put(f"/v1/payments/{payment['id']}", json=body)
    assert time.monotonic() - started < 5  # the strict deadline, not the acquirer's delay
    assert timed_out.status_code == 504
    assert timed_out.json()["errors"][0]["error_code"] == "E1000000006"
    stored = Payment.objects.get(order_id=payment["id"])
    assert stored.status == "UNPROCESSED" and stored.pending_operation == "execute"
    busy = api.put(f"/v1/payments/{payment['id']}", json=body)
    assert busy.status_code == 409
    processes.wait_ready(worker)
    processes.take_over(worker)  # the reconciliation task was queued before a worker took any
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stored.refresh_from_db()
        if stored.pending_operation is None:
            break
        time.sleep(0.3)
    assert stored.status == "CAPTURED", worker.log()
    assert SimulatedAcquirerTransaction.objects.filter(operation="authorize").count() == 1
    assert PaymentEvent.objects.filter(payment=stored, to_status="CAPTURED").count() == 1
    assert PaymentEvent.objects.get(payment=stored, to_status="CAPTURED").actor == "reconciliation"
    # Nothing else happens however often reconciliation runs again.
    from payments.services.reconcile import payment_reconcile

    assert payment_reconcile(payment_id=stored.pk) == "none"


def test_no_card_number_in_the_database_or_logs(stack, client):
    api = _client(stack, stack["merchant"].test_secret)
    public = _client(stack, stack["merchant"].test_public)
    for i, pan in enumerate(TEST_PANS * 2):
        tds = {"tds_type": "2", "tds2_type": "3"} if i % 2 else {}
        payment = api.post(
            "/v1/payments", json={"pay_type": "Card", "job_code": "AUTH", "amount": "100", **tds}
        ).json()
        tok = public.post(
            "/v1/tokens/cards", json={"card_no": pan, "expire": "3012", "security_code": "987"}
        ).json()
        api.put(
            f"/v1/payments/{payment['id']}",
            json={
                "pay_type": "Card",
                "access_id": payment["access_id"],
                "token": tok["token"],
                "tds2_ret_url": "https://shop.example.com/cb",
            },
        )
        customer = api.post("/v1/customers", json={"name": "Scan"}).json()
        tok2 = public.post(
            "/v1/tokens/cards", json={"card_no": pan, "expire": "3012", "security_code": "987"}
        ).json()
        api.post(f"/v1/customers/{customer['id']}/cards", json={"token": tok2["token"], "default_flag": "1"})
    public.post(
        "/v1/tokens/cards", json={"card_no": "4111111111111112", "expire": "3012", "security_code": "987"}
    )
    dump = subprocess.run(
        ["pg_dump", "--data-only", "--no-owner", processes.test_database_url()],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "4111111111111111" not in dump.replace("-", "")
    for pan in TEST_PANS:
        assert pan not in dump, f"{pan} found in the database"
        assert pan[-4:] in dump  # masked numbers are there, so the scan did look at the right data
    logs = "".join(proc.log() for proc in stack["procs"])
    assert "simulators/acquirer/v1/authorizations" in logs  # debug logging of the card calls was on
    for pan in TEST_PANS:
        assert pan not in logs, f"{pan} found in the logs"

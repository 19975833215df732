"""Webhook benchmark: from a provider's "paid" notification to the merchant's webhook, with ONE worker.

The product runs as in production: gunicorn (API, simulators, notification endpoints), PostgreSQL,
Redis, and a single Celery worker process (``--concurrency 1``) on a Redis broker. A small HTTP
receiver in this process plays the merchant (answers ``{"receive":"0"}``); this process also plays
the konbini network, posting signed "paid" notifications to ``/notifications/konbini``.

(a) End-to-end latency: notifications sent one at a time at ``--rate`` per second (open loop); for
    each, the time from just before the notification is posted to the webhook's arrival at the
    receiver (same clock). Path: verify + store (web) → task ``payments.notifications.process``
    (status change + outbox, one transaction) → task ``payments.webhooks.deliver`` → receiver.
    Goal (issue 4): p50 ≤ 100 ms, p99 ≤ 500 ms.
(b) Webhook deliveries per second: ``--deliveries`` due deliveries queued at once; the worker
    posts them (claim, sign, POST, attempt log) as fast as it can.
(c) The whole pipeline's throughput: notifications posted as fast as the web server takes them;
    webhooks received per second.

    .venv/bin/python bench/webhooks.py [--payments 300] [--rate 10] [--deliveries 500]  (BENCH_POOL=solo, BENCH_REDIS_DBS=3,4)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    BIN,
    REDIS_BASE,
    ROOT,
    Client,
    bench_env,
    gunicorn,
    machine_line,
    percentile,
    prepare_database,
)

DB = "portal_bench_webhooks"
# Redis databases of their own (data, broker): flushed at start. Choose free ones with BENCH_REDIS_DBS.
REDIS_DB, BROKER_DB = (int(n) for n in os.environ.get("BENCH_REDIS_DBS", "3,4").split(","))
BROKER = f"{REDIS_BASE}/{BROKER_DB}"
POOL = os.environ.get("BENCH_POOL", "prefork")
DEVICE = {
    "device_name": "Bench",
    "win_width": "400",
    "win_height": "800",
    "pixel_ratio": "2",
    "win_size_type": "2",
}


def setup_django(env: dict[str, str]) -> None:
    os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "REDIS_URL", "PORTAL_ENV")})
    os.environ["CELERY_BROKER_URL"] = BROKER  # tasks queued from here go to the worker
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    args = [
        str(BIN / "celery"), "-A", "portal", "worker", "--loglevel", "INFO", "--pool", POOL,
        "--concurrency", "1", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--hostname", f"bench-{os.getpid()}@%h",
    ]  # fmt: skip
    handle = log.open("wb")
    process = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if " ready." in log.read_text(errors="replace"):
            return process
        time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"worker did not start; see {log}")


def stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def make_payments(url: str, key: str, count: int) -> list[dict]:
    """Konbini payments awaiting the buyer (the worker opens their slips at the simulator)."""
    client = Client(url, key)
    payments = []
    for _ in range(count):
        status, payment = client.call("POST", "/v1/payments", {"pay_type": "Konbini", "amount": "1000"})
        assert status == 200, payment
        body = {"pay_type": "Konbini", "access_id": payment["access_id"], **DEVICE}
        status, executed = client.call("PUT", f"/v1/payments/{payment['id']}", body)
        assert status == 200 and executed["status"] == "AWAITING_CUSTOMER_PAYMENT", executed
        payments.append(executed)
    return payments


class Notifier:
    """This process as the konbini network: signed "paid" notifications."""

    def __init__(self, url: str):
        from simulators.konbini import sign

        self.sign, self.client, self.n = sign, Client(url), 0

    def paid(self, payment: dict) -> float:
        self.n += 1
        raw = json.dumps({
            "event_id": f"bench-{os.getpid()}-{self.n}-{payment['access_id']}", "type": "paid",
            "reference": payment["access_id"], "amount": payment["total_amount"],
            "paid_at": "2026-01-05T10:00:00+09:00", "konbini_code": "00010", "store_code": "000001", "stub": False,
        }).encode()  # fmt: skip
        headers = {"Content-Type": "application/json", **self.sign(raw)}
        sent = time.time()
        self.client.conn.request("POST", "/notifications/konbini", body=raw, headers=headers)
        response = self.client.conn.getresponse()
        response.read()
        assert response.status == 200, response.status
        return sent


def latency(receiver, notifier: Notifier, payments: list[dict], rate: float) -> list[float]:
    sent: dict[str, float] = {}
    before = len(receiver.received)
    start = time.perf_counter()
    for i, payment in enumerate(payments):
        due = start + i / rate
        time.sleep(max(0.0, due - time.perf_counter()))
        sent[payment["id"]] = notifier.paid(payment)
    received = receiver.wait_for(before + len(payments), timeout=60)
    arrived = {r.json["order_id"]: r.at for r in received}
    missing = set(sent) - set(arrived)
    assert not missing, f"{len(missing)} webhooks never arrived"
    return [(arrived[order] - at) * 1000 for order, at in sent.items()]


def delivery_throughput(receiver, count: int) -> tuple[float, float]:
    """Queue ``count`` due deliveries at once; deliveries/s from the first queued to the last received."""
    from django.utils import timezone

    from payments.models import WebhookDelivery, WebhookEvent
    from payments.webhooks.tasks import deliver

    template = WebhookEvent.objects.order_by("-id").first()
    setting_id = WebhookDelivery.objects.filter(event=template).values_list("setting_id", flat=True).first()
    events = WebhookEvent.objects.bulk_create([
        WebhookEvent(merchant_id=template.merchant_id, mode=template.mode, payment_id=template.payment_id,
                     sequence=10_000 + i, event=template.event, payload={**template.payload, "bench": i})
        for i in range(count)
    ])  # fmt: skip
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(event=e, setting_id=setting_id, next_attempt_at=now) for e in events]
    )
    before = len(receiver.received)
    started = time.time()
    for d in deliveries:
        deliver.apply_async(kwargs={"delivery_id": d.pk})
    received = receiver.wait_for(before + count, timeout=300)
    assert len(received) >= before + count, f"only {len(received) - before} of {count} delivered"
    took = received[-1].at - started
    return count / took, took


def pipeline_throughput(receiver, url: str, payments: list[dict]) -> tuple[float, float]:
    before = len(receiver.received)
    chunks = [payments[i::4] for i in range(4)]
    started = time.time()

    def send(chunk):
        notifier = Notifier(url)
        for payment in chunk:
            notifier.paid(payment)

    threads = [threading.Thread(target=send, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    posted = time.time() - started
    received = receiver.wait_for(before + len(payments), timeout=300)
    took = received[-1].at - started
    return len(payments) / took, posted


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--payments", type=int, default=300, help="notifications timed for latency")
    parser.add_argument("--rate", type=float, default=10.0, help="notifications per second for (a)")
    parser.add_argument("--deliveries", type=int, default=500, help="deliveries queued at once for (b)")
    args = parser.parse_args()

    logs = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    env = bench_env(DB, redis_db=REDIS_DB, CELERY_BROKER_URL=BROKER, PAYMENTS_PROVIDER_WAIT_SECONDS="10")
    prepare_database(env)
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    setup_django(env)
    from payments.webhooks.services import webhook_setting_create
    from portal.models import ApiKey, Mode
    from tests.receiver import Receiver
    from tests.support import make_merchant

    shop = make_merchant(name="Bench Shop", approved=True, methods=["Konbini"])
    receiver = Receiver()
    webhook_setting_create(
        merchant=shop.merchant, mode="test", data={"url": receiver.url, "event": "payments.konbini.complete"}
    )
    server = gunicorn(env, workers=2, threads=8, log=logs / "server.log")
    try:
        worker = start_worker({**env, "PORTAL_BASE_URL": server.url}, logs / "worker.log")
    except Exception:
        server.stop()
        raise
    print(machine_line())
    print(
        f"server: gunicorn 2 workers × 8 threads; ONE Celery worker ({POOL} pool, concurrency 1) on Redis; "
        f"PostgreSQL; receiver and konbini network in this process; logs in {logs}\n"
        "note: the machine has 2 cores, shared with the load generator, the receiver and other sessions\n"
    )
    try:
        key = shop.keys[(Mode.TEST, ApiKey.Kind.SECRET)]
        total = args.payments + 20 + args.payments
        payments = make_payments(server.url, key, total)
        warm, timed, bulk = payments[:20], payments[20 : 20 + args.payments], payments[20 + args.payments :]
        latency(receiver, Notifier(server.url), warm, rate=args.rate)  # warm-up
        samples = latency(receiver, Notifier(server.url), timed, rate=args.rate)
        print(f"(a) notification → webhook received, {len(samples)} payments at {args.rate:.0f}/s:")
        print(
            f"    p50 {percentile(samples, 50):7.1f} ms   p90 {percentile(samples, 90):7.1f} ms   "
            f"p99 {percentile(samples, 99):7.1f} ms   max {max(samples):7.1f} ms   (goal p50 ≤ 100, p99 ≤ 500)"
        )
        rate, took = delivery_throughput(receiver, args.deliveries)
        print(
            f"(b) webhook deliveries, one worker: {rate:7.1f} deliveries/s ({args.deliveries} in {took:.1f} s)"
        )
        rate, posted = pipeline_throughput(receiver, server.url, bulk)
        print(
            f"(c) notifications → webhooks, one worker: {rate:7.1f} payments/s end to end "
            f"({len(bulk)} notifications posted in {posted:.1f} s by 4 senders)"
        )
        ok = percentile(samples, 50) <= 100 and percentile(samples, 99) <= 500
        print(f"\nLatency goals met: {'yes' if ok else 'no'}")
    finally:
        receiver.stop()
        server.stop()
        stop(worker)


if __name__ == "__main__":
    main()

"""One card payment traced: the API request, its SQL, and the webhook delivery in one trace.

In-process (eager tasks): spans go to the SDK's in-memory exporter through
``portal.telemetry.telemetry_configure``. Across processes: a real Celery worker exports by
OTLP/HTTP to a collector stub, and the merchant's receiver gets the web request's trace id in
the delivery's ``traceparent``.
"""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connections
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_trace_id

from portal import telemetry
from tests.payments.conftest import acquirer_in_process, public_api, receiver  # noqa: F401
from tests.payments.flows import subscribe
from tests.payments.helpers import VISA, register, token
from tests.payments.helpers import execute as card_execute
from tests.processes import http_client
from tests.receiver import serve_in_background

pytestmark = pytest.mark.django_db(transaction=True)

_exporter = InMemorySpanExporter()


@pytest.fixture
def spans():
    """Tracing on for this test (in-memory), off again after it."""
    telemetry.telemetry_configure(exporter=_exporter)
    connections.close_all()  # the next connections are opened by the instrumented psycopg
    _exporter.clear()
    try:
        yield _exporter
    finally:
        telemetry.telemetry_uninstrument()
        connections.close_all()
        _exporter.clear()


def _traceparent_trace_id(headers: dict[str, str]) -> str:
    value = {k.lower(): v for k, v in headers.items()}["traceparent"]
    version, trace_id, span_id, flags = value.split("-")
    assert version == "00" and len(span_id) == 16 and int(flags, 16) & 1  # sampled
    return trace_id


def test_a_card_payment_is_one_trace_from_the_api_to_the_webhook(spans, api, public_api, receiver):  # noqa: F811
    subscribe(api, receiver.url, "payments.card.exec")
    payment = register(api, amount="1200")
    card = token(public_api, VISA)
    spans.clear()
    response = card_execute(api, payment, card)
    assert response.status_code == 200, response.content
    delivered = receiver.wait_for(1)[0]

    finished = spans.get_finished_spans()
    servers = [s for s in finished if s.kind == SpanKind.SERVER and s.parent is None]
    assert len(servers) == 1, [(s.name, s.kind) for s in finished]
    server = servers[0]
    assert server.attributes.get("http.request.method", server.attributes.get("http.method")) == "PUT"
    trace_id = server.context.trace_id
    same_trace = [s for s in finished if s.context.trace_id == trace_id]
    # Everything but admission control's own Redis scripts outside the request (the release of
    # its slot once the response is closed; the lease renewer's thread, whose timing is its
    # own): the acquirer call, the task, the delivery.
    others = [(s.name, dict(s.attributes)) for s in finished if s.context.trace_id != trace_id]
    assert all(attributes["db.system"] == "redis" for _, attributes in others), others
    assert {name.split()[0] for name, _ in others} <= {"EVALSHA", "EVAL", "SCRIPT"}, others
    sql = [s for s in same_trace if s.attributes.get("db.system") == "postgresql"]
    assert len(sql) >= 3 and all(s.kind == SpanKind.CLIENT for s in sql)
    assert any(s.attributes.get("db.system") == "redis" for s in same_trace)  # admission, caches
    http_out = [
        s
        for s in same_trace
        if s.kind == SpanKind.CLIENT
        and str(s.attributes.get("url.full", s.attributes.get("http.url"))).endswith("/hook")
    ]
    assert (
        len(http_out) == 1
        and http_out[0].attributes.get(
            "http.response.status_code", http_out[0].attributes.get("http.status_code")
        )
        == 200
    )
    assert any(s.kind == SpanKind.CONSUMER for s in same_trace)  # the delivery task (eager)
    assert server.attributes["http.request.id"] == response["X-Request-ID"]
    # The merchant's receiver can correlate: the delivery carried this trace.
    assert _traceparent_trace_id(delivered.headers) == format_trace_id(trace_id)
    # No card number anywhere in what is exported.
    exported = repr([(s.name, dict(s.attributes), [dict(e.attributes) for e in s.events]) for s in finished])
    assert VISA not in exported and "411111" not in exported


def test_nothing_is_installed_without_configuration(monkeypatch):
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER"):
        monkeypatch.delenv(name, raising=False)
    assert telemetry.telemetry_wanted() is False
    assert telemetry.telemetry_configure() is telemetry.telemetry_enabled() is False
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    assert telemetry.telemetry_wanted() is False


# --- Across processes: a real worker, exporting by OTLP/HTTP ---------------------------------


class Collector:
    """An OTLP/HTTP collector stub: keeps the bodies POSTed to /v1/traces."""

    def __init__(self):
        self.bodies: list[bytes] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/v1/traces":
                    collector.bodies.append(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        serve_in_background(self.server)

    def spans(self) -> list[tuple[str, str, str]]:
        """(service.name, trace id hex, span name) of every span received."""
        found = []
        for body in list(self.bodies):
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            for resource_spans in request.resource_spans:
                service = next(
                    a.value.string_value
                    for a in resource_spans.resource.attributes
                    if a.key == "service.name"
                )
                for scope in resource_spans.scope_spans:
                    found += [(service, s.trace_id.hex(), s.name) for s in scope.spans]
        return found

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def traced_worker(tmp_path, spans):
    from portal.celery import app
    from tests import processes

    collector = Collector()
    processes.purge_broker()
    worker = processes.start_worker(
        tmp_path,
        OTEL_EXPORTER_OTLP_ENDPOINT=collector.url,
        OTEL_BSP_SCHEDULE_DELAY="100",
        OTEL_SERVICE_NAME="",
    )
    try:
        yield worker, collector
    finally:
        worker.stop(graceful=False)
        processes.use_broker(app, None)
        processes.purge_broker()
        collector.stop()


@pytest.mark.slow
@pytest.mark.worker
def test_the_trace_goes_on_in_the_worker_and_to_the_merchant(traced_worker, api, public_api, receiver):  # noqa: F811
    worker, collector = traced_worker
    subscribe(api, receiver.url, "payments.card.exec")
    payment = register(api, amount="900")
    card = token(public_api, VISA)
    _exporter.clear()
    assert card_execute(api, payment, card).status_code == 200
    delivered = receiver.wait_for(1, timeout=30)[0]

    server = next(s for s in _exporter.get_finished_spans() if s.kind == SpanKind.SERVER and s.parent is None)
    trace_id = format_trace_id(server.context.trace_id)
    assert _traceparent_trace_id(delivered.headers) == trace_id, worker.log()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        in_worker = [(svc, name) for svc, tid, name in collector.spans() if tid == trace_id]
        names = {name for _, name in in_worker}
        if "POST" in names and any(name.startswith("run/") for name in names):
            break
        time.sleep(0.2)
    services = {svc for svc, _ in in_worker}
    assert services == {telemetry.WORKER}, (in_worker, worker.log())
    names = {name for _, name in in_worker}
    assert "POST" in names  # the delivery's HTTP client span
    assert any(name.startswith("run/") for name in names), names  # the task, a child of the request


@pytest.fixture
def traced_stack(tmp_path):
    """gunicorn and a Celery worker, both exporting to one collector stub."""
    from portal.celery import app
    from tests import processes

    collector = Collector()
    processes.purge_broker()
    broker = processes.test_broker_url()
    otel = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "OTEL_SERVICE_NAME": "",
    }
    web = processes.launch_server(tmp_path, CELERY_BROKER_URL=broker, **otel)
    worker = processes.launch_worker(tmp_path, PORTAL_BASE_URL=web.url, **otel)
    processes.wait_ready(web, worker)  # side by side: each takes seconds to start
    try:
        yield web.url, collector, web, worker
    finally:
        for proc in (web, worker):
            proc.stop(graceful=False)
        processes.use_broker(app, None)
        processes.purge_broker()
        collector.stop()


@pytest.mark.slow
@pytest.mark.worker
def test_one_card_payment_across_gunicorn_the_worker_and_the_webhook(traced_stack, merchant, receiver):  # noqa: F811

    url, collector, web, worker = traced_stack
    secret = {"Authorization": f"Bearer {merchant.test_secret}"}
    with http_client(base_url=url, timeout=30) as http:
        assert (
            http.post(
                "/v1/webhook_settings",
                headers=secret,
                json={"url": receiver.url, "event": "payments.card.exec", "signature": "S"},
            ).status_code
            == 200
        )
        payment = http.post(
            "/v1/payments", headers=secret, json={"pay_type": "Card", "job_code": "AUTH", "amount": "700"}
        ).json()
        card = http.post(
            "/v1/tokens/cards",
            headers={"Authorization": f"Bearer {merchant.test_public}"},
            json={"card_no": VISA, "expire": "3012", "holder_name": "TARO YAMADA", "security_code": "123"},
        ).json()["token"]
        # The caller's own trace: the API continues it (W3C traceparent in, like a merchant's APM).
        trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
        executed = http.put(
            f"/v1/payments/{payment['id']}",
            headers={**secret, "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"},
            json={"pay_type": "Card", "access_id": payment["access_id"], "token": card, "method": "1"},
        )
    assert executed.status_code == 200, executed.text
    delivered = receiver.wait_for(1, timeout=30)
    assert delivered, worker.log()
    assert _traceparent_trace_id(delivered[0].headers) == trace_id
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = [(svc, name) for svc, tid, name in collector.spans() if tid == trace_id]
        # Each process exports in batches: wait for the API request's own span and the task's.
        web_seen = {name for svc, name in found if svc == telemetry.WEB}
        worker_seen = {name for svc, name in found if svc == telemetry.WORKER}
        if any(n.startswith("PUT") for n in web_seen) and any(n.startswith("run/") for n in worker_seen):
            break
        time.sleep(0.2)
    services = {svc for svc, _ in found}
    assert services == {telemetry.WEB, telemetry.WORKER}, (found, web.log()[-2000:])
    web_names = {name for svc, name in found if svc == telemetry.WEB}
    worker_names = {name for svc, name in found if svc == telemetry.WORKER}
    assert any(n.startswith("PUT") for n in web_names), web_names  # the API request
    assert any(n.startswith("apply_async/") for n in web_names), web_names  # the task sent
    assert any(n.startswith("run/") for n in worker_names) and "POST" in worker_names, worker_names
    assert {"SELECT", "INSERT", "UPDATE"} & web_names  # PostgreSQL
    raw = b"".join(collector.bodies)
    assert VISA.encode() not in raw

"""JSON logs in the Elastic Common Schema: trace ids, request id, merchant id, card numbers masked."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import subprocess
import sys

import pytest
from django.conf import settings
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_span_id, format_trace_id

from payments.providers import acquirer_http
from portal import telemetry
from portal.request_id import HEADER
from tests.payments.conftest import acquirer_in_process, public_api  # noqa: F401
from tests.payments.helpers import VISA, register, token
from tests.processes import ROOT

pytestmark = pytest.mark.django_db(transaction=True)

_exporter = InMemorySpanExporter()


@pytest.fixture
def ecs_lines():
    """The lines a handler configured as ``LOG_FORMAT=ecs`` configures it writes (from settings.LOGGING)."""
    config = logging.config.DictConfigurator(settings.LOGGING)
    formatter = config.configure_formatter(dict(settings.LOGGING["formatters"]["ecs"]))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    for name in ("redact_pan", "ecs_context"):  # in this order, as on the console handler
        handler.addFilter(config.configure_filter(dict(settings.LOGGING["filters"][name])))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


@pytest.fixture
def spans():
    from django.db import connections

    telemetry.telemetry_configure(exporter=_exporter)
    connections.close_all()
    _exporter.clear()
    try:
        yield _exporter
    finally:
        telemetry.telemetry_uninstrument()
        connections.close_all()
        _exporter.clear()


def test_a_log_line_inside_a_request_is_ecs_json_with_its_context(
    ecs_lines,
    spans,
    api,
    public_api,  # noqa: F811
    merchant,
    monkeypatch,
):
    payment = register(api, amount="1500")
    card = token(public_api, VISA)
    authorize = acquirer_http.HttpAcquirer.authorize

    def authorize_and_log(self, request):
        # A careless line: the card number in clear, as a bug would write it.
        logging.getLogger("payments.careless").warning("authorizing card %s", request.card.number)
        return authorize(self, request)

    monkeypatch.setattr(acquirer_http.HttpAcquirer, "authorize", authorize_and_log)
    response = api.call(
        "PUT",
        f"/v1/payments/{payment['id']}",
        {"pay_type": "Card", "access_id": payment["access_id"], "token": card, "method": "1"},
        headers={HEADER: "req-7f3a.1"},
    )
    assert response.status_code == 200, response.content
    assert response[HEADER] == "req-7f3a.1"

    lines = [line for line in ecs_lines() if line["log"]["logger"] == "payments.careless"]
    assert len(lines) == 1
    line = lines[0]
    assert {"@timestamp", "log.level", "message", "ecs.version"} <= set(line)
    assert line["log.level"] == "warning"
    assert line["message"] == "authorizing card ************1111"
    (server,) = [s for s in spans.get_finished_spans() if s.attributes.get("http.request.id") == "req-7f3a.1"]
    assert server.kind == SpanKind.SERVER and server.parent is None
    assert line["trace"]["id"] == format_trace_id(server.context.trace_id)
    assert line["span"]["id"] == format_span_id(server.context.span_id)  # the view runs in it
    assert line["http"]["request"]["id"] == "req-7f3a.1"
    assert line["labels"]["merchant_id"] == merchant.merchant.public_id
    assert VISA not in json.dumps(ecs_lines())


def test_request_ids_are_made_when_missing_or_unfit(client):
    made = client.get("/healthz")
    assert len(made[HEADER]) == 32 and int(made[HEADER], 16) >= 0
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")[HEADER] == "abc-123"
    unfit = client.get("/healthz", HTTP_X_REQUEST_ID="a b\tc" + "x" * 200)[HEADER]
    assert len(unfit) == 32 and " " not in unfit


def test_outside_a_request_and_a_span_no_context_fields(ecs_lines):
    logging.getLogger("portal.test").error("card 4111 1111 1111 1111 refused")
    (line,) = [line for line in ecs_lines() if line["log"]["logger"] == "portal.test"]
    assert line["message"] == "card ************1111 refused" and line["log.level"] == "error"
    assert "trace" not in line and "http" not in line and "labels" not in line


@pytest.mark.django_db(transaction=False)
def test_log_format_ecs_is_what_the_settings_install(tmp_path):
    """``LOG_FORMAT=ecs`` (the production default): the console handler writes ECS JSON, masked."""
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('payments.x').warning('card %s', '4111111111111111')"
    )
    from tests.processes import child_env

    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=child_env(LOG_FORMAT="ecs", DJANGO_SETTINGS_MODULE="portal.settings"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    (line,) = [json.loads(x) for x in done.stderr.splitlines() if '"payments.x"' in x]
    assert line["message"] == "card ************1111" and line["ecs.version"]
    assert "4111111111111111" not in done.stderr

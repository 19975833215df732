"""OpenTelemetry tracing: requests, Celery tasks, PostgreSQL, Redis and outbound HTTP.

Off unless configured by the standard environment variables: ``OTEL_EXPORTER_OTLP_ENDPOINT``
(or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) or ``OTEL_TRACES_EXPORTER`` (``otlp``, ``console``;
``none`` keeps it off). Unconfigured, nothing is installed: the API's no-op tracer costs
nothing on the request path. Configured, each process (a gunicorn worker: ``portal/wsgi.py``;
a Celery worker process: ``worker_process_init`` in ``portal/celery.py``) calls
``telemetry_configure`` once: the SDK with a BatchSpanProcessor and the OTLP/HTTP exporter
(which reads ``OTEL_EXPORTER_OTLP_*`` itself: endpoint, headers, timeout — New Relic,
Grafana, Jaeger, an OpenTelemetry Collector), and the instrumentations of Django, Celery,
psycopg, Redis and httpx. The trace context travels web → Celery task (in the task's
headers) → outbound HTTP (``traceparent`` on provider calls and webhook deliveries).

Nothing recorded carries card data: no request or response bodies, SQL without its
parameters, Redis commands without their arguments, Celery spans without task arguments.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from opentelemetry import trace

logger = logging.getLogger(__name__)

WEB = "merchant-portal-web"
WORKER = "merchant-portal-worker"
BEAT = "merchant-portal-beat"

# Probes and scrapes: no span (a span per health check every few seconds is noise).
EXCLUDED_URLS = "/healthz,/metrics,/static/"

_lock = threading.Lock()
_provider: Any = None  # the SDK's TracerProvider, once installed
_instrumentors: list[Any] = []


def telemetry_wanted() -> bool:
    """Whether the environment asks for traces to be exported."""
    exporter = os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter == "none" or os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return bool(
        exporter
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def telemetry_enabled() -> bool:
    """Whether this process records spans (the outbound client factory instruments its clients then)."""
    return bool(_instrumentors)


def _exporters_from_env() -> list[Any]:
    names = [n.strip().lower() for n in os.environ.get("OTEL_TRACES_EXPORTER", "otlp").split(",")]
    found: list[Any] = []
    for name in names:
        if name in ("", "otlp"):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            found.append(OTLPSpanExporter())
        elif name == "console":
            from opentelemetry.sdk.trace.export import ConsoleSpanExporter

            found.append(ConsoleSpanExporter())
        else:
            logger.warning("telemetry: unknown OTEL_TRACES_EXPORTER %r ignored", name)
    return found


def telemetry_configure(*, service_name: str = WEB, exporter: Any = None) -> bool:
    """Install tracing in this process when the environment asks for it (or ``exporter`` is given).

    ``service_name`` is the default for ``OTEL_SERVICE_NAME``. ``exporter`` (tests): a
    SpanExporter fed synchronously (SimpleSpanProcessor), e.g. the SDK's InMemorySpanExporter.
    Idempotent: a second call only adds ``exporter``. Returns whether tracing is on.
    """
    global _provider
    if exporter is None and not telemetry_wanted():
        return telemetry_enabled()
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    with _lock:
        if _provider is None:
            name = os.environ.get("OTEL_SERVICE_NAME") or service_name
            provider = TracerProvider(resource=Resource.create({"service.name": name}))
            if telemetry_wanted():
                for found in _exporters_from_env():
                    provider.add_span_processor(BatchSpanProcessor(found))
            trace.set_tracer_provider(provider)
            # The global one (set once per process); ours if nobody else set one before.
            _provider = trace.get_tracer_provider()
        if exporter is not None:
            _provider.add_span_processor(SimpleSpanProcessor(exporter))
        if not _instrumentors:
            _instrument()
    return True


def _instrument() -> None:
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    DjangoInstrumentor().instrument(excluded_urls=EXCLUDED_URLS)
    CeleryInstrumentor().instrument()
    PsycopgInstrumentor().instrument()
    RedisInstrumentor().instrument()
    # httpx's own transport (clients built outside portal.outbound); the factory wraps the
    # others (guarded webhook transport, test transports) itself.
    HTTPXClientInstrumentor().instrument()
    _instrumentors.extend(
        [
            DjangoInstrumentor(),
            CeleryInstrumentor(),
            PsycopgInstrumentor(),
            RedisInstrumentor(),
            HTTPXClientInstrumentor(),
        ]
    )


def telemetry_uninstrument() -> None:
    """Tests: remove the instrumentations again (the tracer provider stays: it is set once)."""
    with _lock:
        for instrumentor in _instrumentors:
            instrumentor.uninstrument()
        _instrumentors.clear()


def telemetry_flush(timeout_millis: int = 5000) -> None:
    """Export what is buffered (before a process exits; tests)."""
    if _provider is not None and hasattr(_provider, "force_flush"):
        _provider.force_flush(timeout_millis)


def current_trace_ids() -> tuple[str, str] | None:
    """The current span's (trace id, span id) as lower-case hex, or None outside a recorded span."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return trace.format_trace_id(context.trace_id), trace.format_span_id(context.span_id)

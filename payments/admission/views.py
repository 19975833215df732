"""``/metrics`` for Prometheus, and the operators' live view of admission windows."""

from __future__ import annotations

import logging
import os
import time

from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from payments.admission.selectors import window_rows
from portal.staff import staff_required

logger = logging.getLogger(__name__)


class LeasesCollector:
    """Leases in use vs cap, read live from Redis at scrape time (active windows only)."""

    def collect(self):
        in_use = GaugeMetricFamily(
            "admission_leases_in_use",
            "Live session leases per merchant and method.",
            labels=["merchant", "mode", "method"],
        )
        cap = GaugeMetricFamily(
            "admission_leases_cap",
            "Concurrency window per merchant and method.",
            labels=["merchant", "mode", "method"],
        )
        try:
            for row in window_rows(active_only=True):
                labels = [row["merchant"], row["mode"], row["method"]]
                in_use.add_metric(labels, row["in_use"])
                cap.add_metric(labels, row["cap"])
        except Exception:  # Redis down: the scrape still answers with the counters
            logger.warning("metrics: live windows unavailable", exc_info=True)
        yield in_use
        yield cap


@require_GET
def metrics_view(request):
    if settings.METRICS_TOKEN:
        supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not constant_time_compare(supplied, settings.METRICS_TOKEN):
            return HttpResponse("unauthorized\n", status=401, content_type="text/plain")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry
    live = CollectorRegistry()
    live.register(LeasesCollector())
    return HttpResponse(generate_latest(registry) + generate_latest(live), content_type=CONTENT_TYPE_LATEST)


@staff_required
@require_GET
def admission_page(request):
    # In the admin's frame: its header, sidebar and breadcrumbs (the site's own context).
    context = {**admin.site.each_context(request), "title": "Admission control — live windows"}
    return render(request, "admin/admission.html", context)


@staff_required
@require_GET
def admission_data(request):
    try:
        rows = window_rows()
        error = None
    except Exception as exc:
        rows, error = [], f"{type(exc).__name__}: {exc}"
    return JsonResponse({"at": time.time(), "rows": rows, "error": error})

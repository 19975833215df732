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

from payments.admission import controller
from portal.models import Contract, Mode
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


def window_rows(*, active_only: bool = False) -> list[dict]:
    """Every contracted window: merchant, mode, method, leases in use, cap, recent stats."""
    rows = []
    contracts = Contract.objects.select_related("merchant").order_by("merchant__name", "pay_type")
    by_merchant: dict = {}
    for contract in contracts:
        by_merchant.setdefault(contract.merchant, []).append(contract)
    for merchant, merchant_contracts in by_merchant.items():
        methods = [c.pay_type for c in merchant_contracts]
        for mode in (Mode.LIVE, Mode.TEST):
            counts = controller.usage(merchant=merchant.public_id, mode=mode, pay_types=methods)
            stats = controller.recent_stats(merchant=merchant.public_id, mode=mode, minutes=1)
            for contract in merchant_contracts:
                used = counts.get(contract.pay_type, 0)
                refused = sum(v for k, v in stats.items() if k.startswith(f"refused:{contract.pay_type}:"))
                admitted = stats.get(f"admitted:{contract.pay_type}", 0)
                if active_only and not (used or refused or admitted):
                    continue
                rows.append(
                    {
                        "merchant": merchant.public_id,
                        "merchant_name": merchant.name,
                        "mode": mode,
                        "method": contract.pay_type,
                        "in_use": used,
                        "cap": contract.concurrency_window,
                        "rate": contract.rate_per_second * contract.burst_factor,
                        "admitted_last_minute": admitted,
                        "refused_last_minute": refused,
                        "shadow": [
                            name
                            for name, on in (
                                ("window", contract.window_shadow),
                                ("rate", contract.rate_shadow),
                            )
                            if on
                        ],
                    }
                )
    return rows


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

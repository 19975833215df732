"""Prometheus metrics of admission control (multi-process safe under gunicorn)."""

from prometheus_client import Counter, Histogram

DECISIONS = Counter(
    "admission_decisions_total",
    "Admission decisions per merchant, method, decision and reason.",
    ["merchant", "method", "decision", "reason"],
)
SHADOW = Counter(
    "admission_shadow_rejections_total",
    "Requests a limit in shadow mode would have refused (they were admitted).",
    ["merchant", "method", "reason"],
)
FAILURES = Counter(
    "admission_redis_failures_total",
    "Checks decided without Redis (fail open to the local cap, or fail closed).",
    ["mode"],
)
CHECK_SECONDS = Histogram(
    "admission_check_seconds",
    "Time a request spent on its admission check (one Redis round trip, or none when held).",
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25),
)

_decision_children: dict[tuple[str, str, str, str], object] = {}


def decision_counter(merchant: str, method: str, decision: str, reason: str):
    """DECISIONS' child for these labels, looked up once per process (``labels()`` costs a
    lock and the labels' validation, on every payment session)."""
    key = (merchant, method, decision, reason)
    child = _decision_children.get(key)
    if child is None:
        child = _decision_children.setdefault(
            key, DECISIONS.labels(merchant=merchant, method=method, decision=decision, reason=reason)
        )
    return child

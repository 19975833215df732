"""The Celery application. Configuration comes from Django settings (CELERY_*)."""

import logging
import os

from celery import Celery
from celery.signals import beat_init, worker_process_init

logger = logging.getLogger(__name__)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect(weak=False)
def _telemetry_worker(**kwargs) -> None:
    # Each worker process (prefork children: after the fork; the solo pool too) traces its tasks
    # when OTEL_* asks for it; the trace context comes with each task from its publisher.
    from portal.telemetry import WORKER, telemetry_configure

    telemetry_configure(service_name=WORKER)


@beat_init.connect(weak=False)
def _telemetry_beat(**kwargs) -> None:
    from portal.telemetry import BEAT, telemetry_configure

    telemetry_configure(service_name=BEAT)


def producer_warm_up() -> bool:
    """Finalise the app and open the broker connection before a web process takes requests.

    The first task a process queues otherwise pays for it (~60 ms: task registry, result
    backend, broker connection) inside some request. Never fails: with no broker (eager
    tasks) or a broker that is down, the first ``delay()`` does it, as before.
    """
    if app.conf.task_always_eager:
        return False
    try:
        app.finalize(auto=True)
        app.backend  # noqa: B018 — resolved once per process
        with app.producer_or_acquire() as producer:
            producer.connection.ensure_connection(max_retries=0, timeout=2)
        return True
    except Exception:
        logger.warning("celery: producer warm-up skipped", exc_info=True)
        return False

"""gunicorn settings (``--config python:portal.gunicorn_conf``), overridable from the environment."""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None
# The access log keeps no query string, no Basic-auth user name (an API key) and no card number.
logger_class = "portal.gunicorn_logging.RedactingLogger"
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "0"))
max_requests_jitter = 100
# Headers with underscores are dropped (gunicorn's safe default, header_map="drop"): mapped
# to the same WSGI name as their dashed twin, a client's `X_Forwarded_For` would be read as
# `X-Forwarded-For`. fincode's `idempotent_key` is the one exception, taken from the trusted
# peers only (the reverse proxy; 127.0.0.1 for `make run`); `Idempotency-Key` works from anyone.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
forwarder_headers = "SCRIPT_NAME,PATH_INFO,IDEMPOTENT_KEY"


def post_fork(server, worker):
    # Connections must not be shared across forked workers.
    from portal.redis import reset_redis_client

    reset_redis_client()
    from payments.admission import controller

    controller.reset()
    # Short requests (e.g. refusals) should not wait 5 ms for the GIL behind long ones.
    import sys

    sys.setswitchinterval(float(os.environ.get("WEB_GIL_SWITCH_INTERVAL", "0.001")))


def post_worker_init(worker):
    # Django is loaded now: compile the live credit rules and load the models before the first
    # request rather than during it (the other threads of the process would wait meanwhile).
    from django.db import connections

    from credit.services import engine_warm_up
    from portal.celery import producer_warm_up

    engine_warm_up()
    producer_warm_up()
    connections.close_all()
    # What is loaded now lives as long as the process: keep it out of the garbage collector's
    # full passes (shorter pauses inside requests; copy-on-write pages stay shared).
    import gc

    gc.collect()
    gc.freeze()


def on_starting(server):
    # Prometheus metrics from every worker process, gathered at /metrics.
    import shutil
    from pathlib import Path

    directory = os.environ.setdefault(
        "PROMETHEUS_MULTIPROC_DIR",
        str(Path(__file__).resolve().parent.parent / "var" / f"prometheus-{os.getpid()}"),
    )
    shutil.rmtree(directory, ignore_errors=True)
    Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)

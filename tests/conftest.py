"""Test fixtures. The suite runs against real PostgreSQL and Redis (see scripts/test.sh)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import django_ratelimit.core
import pytest
from django.conf import settings

import portal.arrow  # noqa: F401  (SciPy before pyarrow, for the test modules that import pyarrow)
from tests.support import ApiClient, MerchantKeys, make_merchant, redis_reset


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if not engine.endswith("postgresql") and not os.environ.get("PORTAL_TEST_ALLOW_EMBEDDED"):
        raise pytest.UsageError(
            "The tests run against PostgreSQL and Redis: use `make test`, or set DATABASE_URL and REDIS_URL."
        )
    if not settings.REDIS_URL and not os.environ.get("PORTAL_TEST_ALLOW_EMBEDDED"):
        raise pytest.UsageError("REDIS_URL is not set: use `make test`.")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, whose commits do not wait for their WAL record to reach the disk
    (``synchronous_commit = off``, for every session on it: this process's and the servers' and
    workers' it starts). A commit is visible to the others at once all the same; only a crash of
    PostgreSQL itself could lose the last ones, and no test crashes PostgreSQL. The suite commits
    tens of thousands of times and waited for the disk on each.

    At the end, the sessions that processes the tests killed left behind are ended: PostgreSQL
    ends a killed client's session only once it notices, and until then the database cannot
    be dropped ("is being accessed by other users")."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        cursor.execute(f"ALTER DATABASE {name} SET synchronous_commit = off")
        cursor.execute("SET synchronous_commit = off")  # this session: the ALTER is for new ones
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _clean_redis():
    """Each test starts with an empty Redis database (the test database only, never db 0)."""
    redis_reset()
    yield


@pytest.fixture(autouse=True)
def _no_real_dns(monkeypatch):
    """No test asks a real DNS resolver: host names resolve only when numeric, or "localhost"
    (the outside world's names — a fuzzed webhook URL, say — fail as unknown names do)."""
    import socket

    real = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        if name and str(name).lower().rstrip(".") == "localhost":
            name = "127.0.0.1"
        return real(name, port, family, type, proto, flags | socket.AI_NUMERICHOST)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(params=["refusing", "silent"])
def redis_down(request, settings):
    """Redis refusing connections, or accepting them and never answering (for what follows in the
    test: request it after the fixtures that need a working Redis)."""
    import copy
    import socket

    from payments.admission import controller
    from portal.redis import reset_redis_client

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    if request.param == "silent":
        listener.listen(512)  # the kernel completes connections; nobody ever reads or answers
    else:
        listener.close()  # nothing listens: connections are refused
    url = f"redis://127.0.0.1:{port}/9"
    settings.REDIS_URL = url
    cache = copy.deepcopy(settings.CACHES["default"])  # the product's own options, another address
    cache["LOCATION"] = url
    settings.CACHES = {"default": cache}
    settings.REDIS_SOCKET_TIMEOUT = settings.REDIS_CONNECT_TIMEOUT = 0.2
    reset_redis_client()
    controller.reset()
    yield request.param
    listener.close()
    reset_redis_client()
    controller.reset()


@pytest.fixture
def still_ratelimit_clock(monkeypatch) -> None:
    """django-ratelimit counts in fixed windows of ``time.time()``: hold its clock still, so a
    burst of requests in a test is never split by a window's end on a slow machine."""
    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: now))


@pytest.fixture
def merchant(db) -> MerchantKeys:
    """An approved merchant (all methods) with test and live keys."""
    return make_merchant(name="Test Shop", approved=True)


@pytest.fixture
def other_merchant(db) -> MerchantKeys:
    return make_merchant(name="Other Shop", approved=True)


@pytest.fixture
def api(merchant) -> ApiClient:
    """API client authenticated with the merchant's test secret key."""
    return ApiClient(merchant.test_secret)


@pytest.fixture
def live_api(merchant) -> ApiClient:
    return ApiClient(merchant.live_secret)


@pytest.fixture(scope="session", autouse=True)
def _celery_test_broker():
    """Tasks of this test process run eagerly, or go to the test broker while a test has real
    workers (``processes.use_broker``): the app's one broker, set before any connection to it."""
    from portal.celery import app
    from tests import processes

    app.conf.update(broker_url=processes.test_broker_url(), task_always_eager=True)


@pytest.fixture(scope="session")
def _celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """The ``celery_worker`` of this test process: started by the first test that wants one (it
    takes seconds), again only if a test left it busy or dead. Between those tests it takes no
    task (on the standby queue only): other tests start workers of their own."""
    from tests import processes

    current: list = []

    def idle_worker():
        if current and current[0].process.poll() is None:
            return current[0]
        with django_db_blocker.unblock():
            processes.purge_broker()
            current[:] = [
                processes.launch_worker(tmp_path_factory.mktemp("celery_worker"), queues=processes.STANDBY)
            ]
            processes.wait_ready(current[0])
        return current[0]

    def retire():
        if current:
            current.pop().stop(graceful=False)

    try:
        yield idle_worker, retire
    finally:
        retire()


@pytest.fixture
def celery_worker(transactional_db, _celery_worker_process):
    """A real Celery worker process on the test database and a Redis broker.

    While it runs, tasks queued by the test process go to the broker instead of
    running eagerly. The process serves the tests of this test process one after another: each
    starts with an empty broker and sees its own part of the log; at its end the worker must
    have finished every task it took (else it is killed), so nothing runs on into the next test.
    """
    from portal.celery import app
    from tests import processes

    idle_worker, retire = _celery_worker_process
    processes.purge_messages()
    worker = idle_worker()
    processes.use_broker(app, worker.broker)
    try:
        processes.take_over(worker)
    except AssertionError:  # it does not answer: a new one
        retire()
        worker = idle_worker()
        processes.take_over(worker)
    view = processes.LogFrom.now(worker)
    try:
        yield view
    finally:
        try:
            processes.wait_idle(view, timeout=5)
            processes.stand_by(worker)
        except AssertionError:
            retire()
        processes.use_broker(app, None)
        processes.purge_messages()


@pytest.fixture
def server(transactional_db, tmp_path):
    """The product served by gunicorn (as in production) on the test database; yields its base URL."""
    from tests import processes

    proc, url = processes.start_server(tmp_path)
    try:
        yield url
    finally:
        proc.stop(graceful=False)


@pytest.fixture
def applicant(db) -> MerchantKeys:
    """A merchant still onboarding (draft application), with test keys only."""
    return make_merchant(name="Applicant Shop", approved=False)


@pytest.fixture
def applicant_api(applicant) -> ApiClient:
    return ApiClient(applicant.test_secret)


# --- A real headless Chromium (Debian's package) driven by Playwright, shared by the browser tests ---

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian's `chromium` package (.ci/run does)")
    # Playwright's sync API runs an event loop; the test body still uses the ORM.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

"""Real processes for tests: a Celery worker and a gunicorn server, on the test database.

Tests that use them need committed data: ``@pytest.mark.django_db(transaction=True)``.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

import httpx
from django.conf import settings
from django.db import connection

from portal.outbound import tls_context

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def http_client(**options) -> httpx.Client:
    """An httpx client for the servers and simulators tests start, on the process's one TLS
    context (``portal.outbound.tls_context``): httpx builds a context for each client it is
    not given one, ~30 ms of CPU reading every CA certificate, and the suite builds ~1,000."""
    return httpx.Client(verify=tls_context(), **options)


# One-off calls, as ``httpx.get``/``httpx.post`` make them (5 s timeout): each on a connection
# of its own, closed after it, so that no connection outlives a server a test stops.
http = http_client(timeout=5, limits=httpx.Limits(max_keepalive_connections=0))


def test_database_url() -> str:
    """A URL for the database the tests are using right now (test_…)."""
    db = connection.settings_dict
    auth = quote(db.get("USER") or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


def test_broker_url() -> str:
    """The Redis database after the tests' own (REDIS_URL …/9 → broker …/10)."""
    parsed = urlparse(settings.REDIS_URL)
    index = int((parsed.path or "/0").strip("/") or 0)
    return urlunparse(parsed._replace(path=f"/{index + 1}"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PORTAL_ENV="test",
        DATABASE_URL=test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        PYTHONUNBUFFERED="1",
        DB_CONN_MAX_AGE="0",
    )
    env.pop("CELERY_BROKER_URL", None)
    env.update(extra)
    return env


@dataclass
class Proc:
    process: subprocess.Popen
    log_path: Path
    url: str = ""  # a server's base URL
    broker: str = ""  # a worker's broker: tasks sent from the test go there once it is ready
    kind: str = "process"
    hostname: str = ""  # a worker's node name

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (prefork children included)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def stop(self, timeout: float = 10, *, graceful: bool = True) -> None:
        """SIGTERM and wait; ``graceful=False`` kills at once (a Celery worker takes ~2 s to notice
        a SIGTERM, gunicorn ~2.5 s to stop: a test's teardown has no use for their warm shutdown)."""
        if self.process.poll() is None and not graceful:
            import psutil

            descendants: list[psutil.Process] = []
            with contextlib.suppress(psutil.Error):  # children in sessions of their own (honcho's)
                descendants = psutil.Process(self.process.pid).children(recursive=True)
            for child in descendants:
                with contextlib.suppress(psutil.Error, ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
                with contextlib.suppress(psutil.Error):
                    child.kill()
            self.kill(signal.SIGKILL)
            self.process.wait(timeout)
            # Every one gone before the next test: a Celery pool process left alive keeps its dead
            # parent's broker connection open, and Redis hands that connection the next task.
            psutil.wait_procs(descendants, timeout=timeout)
        elif self.process.poll() is None:
            self.kill(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
                self.process.wait(5)

    def is_ready(self) -> bool:
        """Up and answering: a worker that logged " ready.", a server whose /healthz says 200."""
        if self.kind == "worker":
            return " ready." in self.log()
        if self.kind == "server":
            try:
                return http.get(self.url + "/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False
        return True


def spawn(args: list[str], env: dict[str, str], log_path: Path) -> Proc:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handle = log_path.open("wb")
    process = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    return Proc(process=process, log_path=log_path)


def wait_ready(*procs: Proc, timeout: float = 30) -> None:
    """Wait until every one of ``procs`` (started together, starting up side by side) is ready;
    then tasks sent by the test go to the workers' broker. One failing: all are killed."""
    waiting = list(procs)
    deadline = time.monotonic() + timeout
    try:
        while waiting:
            for proc in list(waiting):
                if proc.process.poll() is not None:
                    raise RuntimeError(f"{proc.kind} exited:\n{proc.log()}")
                if proc.is_ready():
                    waiting.remove(proc)
            if waiting and time.monotonic() > deadline:
                raise RuntimeError(f"{waiting[0].kind} did not start:\n{waiting[0].log()}")
            if waiting:
                time.sleep(0.05)
    except BaseException:
        for proc in procs:
            proc.stop(graceful=False)
        raise
    brokers = {proc.broker for proc in procs if proc.broker}
    if brokers:
        from portal.celery import app

        use_broker(app, brokers.pop())


@dataclass
class LogFrom(Proc):
    """A process seen from a point of its log on (a worker shared by tests: the current test's part)."""

    offset: int = 0

    def log(self) -> str:
        return super().log()[self.offset :]

    @classmethod
    def now(cls, proc: Proc) -> LogFrom:
        return cls(**{f.name: getattr(proc, f.name) for f in fields(Proc)}, offset=len(proc.log()))


def purge_messages() -> None:
    """Drop the messages in the test broker (queued, or taken and not acknowledged), keeping the
    queues' bindings a running worker declared."""
    import redis

    client = redis.Redis.from_url(test_broker_url())
    for key in client.scan_iter():
        if not key.startswith(b"_kombu.binding."):
            client.delete(key)


def launch_worker(
    tmp_path: Path, *, concurrency: int = 1, pool: str = "prefork", queues: str | None = None, **env: str
) -> Proc:
    """A Celery worker starting (``wait_ready`` waits for it); ``start_worker`` starts one and waits."""
    broker = env.pop("CELERY_BROKER_URL", None) or test_broker_url()
    hostname = f"test-{os.getpid()}-{free_port()}@{socket.gethostname()}"
    args = [
        str(BIN / "celery"), "-A", "portal", "worker", "--loglevel", "INFO", "--pool", pool,
        "--concurrency", str(concurrency), "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--hostname", hostname,
    ]  # fmt: skip
    if queues:
        args += ["--queues", queues]
    proc = spawn(
        args, child_env(**{"CELERY_BROKER_URL": broker, **env}), tmp_path / f"worker-{time.time_ns()}.log"
    )
    proc.kind, proc.broker, proc.hostname = "worker", broker, hostname
    return proc


STANDBY = "standby"  # a queue no task is sent to


def take_over(worker: Proc, queue: str | None = None) -> None:
    """Let a worker started on the ``STANDBY`` queue consume ``queue`` (the tasks' queue) from now
    on, as a worker started now would: one that replaces a killed one, without the seconds a
    worker takes to start."""
    from portal.celery import app

    queue = queue or settings.CELERY_TASK_DEFAULT_QUEUE
    replies = app.control.add_consumer(queue, destination=[worker.hostname], reply=True, timeout=10)
    assert any(worker.hostname in reply for reply in replies), (replies, worker.log()[-2000:])


def stand_by(worker: Proc, queue: str | None = None) -> None:
    """The other way: ``worker`` stops taking ``queue``'s tasks (back on the ``STANDBY`` queue only)."""
    from portal.celery import app

    queue = queue or settings.CELERY_TASK_DEFAULT_QUEUE
    replies = app.control.cancel_consumer(queue, destination=[worker.hostname], reply=True, timeout=10)
    assert any(worker.hostname in reply for reply in replies), (replies, worker.log()[-2000:])


def start_worker(
    tmp_path: Path, *, concurrency: int = 1, pool: str = "prefork", queues: str | None = None, **env: str
) -> Proc:
    proc = launch_worker(tmp_path, concurrency=concurrency, pool=pool, queues=queues, **env)
    wait_ready(proc)
    return proc


def use_broker(app, broker: str | None) -> None:
    """Send tasks from this (test) process to ``broker``, the test broker; None: run them eagerly
    again. Only Celery's eager switch changes, a setting read at each send: the app's broker is
    the test broker from the session's start (``tests/conftest.py``), so its connections and
    producers are never swapped for another broker's (Celery has no public way to drop them)."""
    if broker is not None and broker != app.conf.broker_url:
        raise ValueError(f"tasks go to the test broker ({app.conf.broker_url}), not {broker}")
    app.conf.task_always_eager = broker is None


def purge_broker() -> None:
    import redis

    redis.Redis.from_url(test_broker_url()).flushdb()


_RECEIVED = re.compile(r"Task [\w.]+\[([0-9a-f-]{36})\] received")
_FINISHED = re.compile(r"Task [\w.]+\[([0-9a-f-]{36})\] (?:succeeded|raised|retry|ignored|rejected|failed)")


def tasks_in_hand(*workers: Proc) -> list[str]:
    """The ids of tasks ``workers`` received and have not finished (running, or waiting for
    their ETA), from their logs."""
    in_hand: list[str] = []
    for worker in workers:
        log = worker.log()
        done = _FINISHED.findall(log)
        for task_id in _RECEIVED.findall(log):
            if task_id in done:
                done.remove(task_id)
            else:
                in_hand.append(task_id)
    return in_hand


def broker_queued() -> int:
    """Messages waiting in the test broker's queues (not yet taken by a worker)."""
    import redis

    client = redis.Redis.from_url(test_broker_url())
    return sum(client.llen(key) for key in client.scan_iter() if client.type(key) == b"list")


def wait_idle(*workers: Proc, timeout: float = 30) -> None:
    """Until nothing waits in the broker and ``workers`` have finished every task they took
    (retries and countdowns included): whatever was queued has had its effect."""
    deadline = time.monotonic() + timeout
    idle_since = None  # idle twice 0.2 s apart: not caught between a worker's taking and its log
    while idle_since is None or time.monotonic() - idle_since < 0.2:
        if broker_queued() or tasks_in_hand(*workers):
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        if time.monotonic() > deadline:
            raise AssertionError(
                f"workers still busy: {broker_queued()} queued, {tasks_in_hand(*workers)} in hand"
            )
        time.sleep(0.05)


def launch_server(
    tmp_path: Path, *, workers: int = 1, threads: int = 8, port: int | None = None, **env: str
) -> Proc:
    """gunicorn starting, its URL known at once (``wait_ready`` waits for it to answer)."""
    port = port or free_port()
    args = [
        str(BIN / "gunicorn"), "portal.wsgi", "--config", "python:portal.gunicorn_conf",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    environment = child_env(**{"WEB_ACCESS_LOG": "", "PORTAL_BASE_URL": url, **env})
    proc = spawn(args, environment, tmp_path / f"server-{port}.log")
    proc.kind, proc.url = "server", url
    return proc


def start_server(tmp_path: Path, *, workers: int = 1, threads: int = 8, **env: str) -> tuple[Proc, str]:
    proc = launch_server(tmp_path, workers=workers, threads=threads, **env)
    wait_ready(proc)
    return proc, proc.url


class Stack:
    """The product in gunicorn (API and the acquirer simulator, answering after ``latency`` seconds)
    and Celery workers, all with ``env``: the server is started with the first workers, side by
    side (each process takes seconds to start); its URL is known before."""

    def __init__(self, tmp_path: Path, env: dict[str, str], *, threads: int = 16):
        self.tmp_path, self.env, self.threads = tmp_path, env, threads
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.web: list[Proc] = []
        self.workers: list[Proc] = []

    def start_workers(self, *concurrencies: int, latency: str, standby: int = 0) -> list[Proc]:
        """Workers of ``concurrencies``; and last, with ``standby``, one on the ``STANDBY`` queue
        (see ``take_over``). Returns once the server answers: the test prepares its data while the
        workers start, and waits for them (``wait_ready``) before it sends them tasks."""
        if not self.web:
            self.web.append(
                launch_server(
                    self.tmp_path, threads=self.threads, port=self.port, ACQUIRER_SIMULATOR_LATENCY=latency,
                    **self.env,
                )
            )  # fmt: skip
        started = [
            launch_worker(self.tmp_path, concurrency=n, PORTAL_BASE_URL=self.url, **self.env)
            for n in concurrencies
        ]
        if standby:
            started.append(
                launch_worker(
                    self.tmp_path, concurrency=standby, queues=STANDBY, PORTAL_BASE_URL=self.url, **self.env
                )
            )
        self.workers.extend(started)
        wait_ready(*self.web)
        return started

    def kill(self) -> None:
        for proc in [*self.web, *self.workers]:
            proc.kill()
            proc.process.wait(10)

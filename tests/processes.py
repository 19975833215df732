"""Real processes for tests: a Celery worker and a gunicorn server, on the test database.

Tests that use them need committed data: ``@pytest.mark.django_db(transaction=True)``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

import httpx
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


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

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (prefork children included)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def stop(self, timeout: float = 10, *, graceful: bool = True) -> None:
        """SIGTERM and wait; ``graceful=False`` kills at once (a Celery worker takes ~2 s to notice
        a SIGTERM: a test's teardown has no use for its warm shutdown)."""
        if self.process.poll() is None and not graceful:
            self.kill(signal.SIGKILL)
            self.process.wait(timeout)
        elif self.process.poll() is None:
            self.kill(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
                self.process.wait(5)


def spawn(args: list[str], env: dict[str, str], log_path: Path) -> Proc:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handle = log_path.open("wb")
    process = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    return Proc(process=process, log_path=log_path)


def start_worker(
    tmp_path: Path, *, concurrency: int = 1, pool: str = "prefork", queues: str | None = None, **env: str
) -> Proc:
    from portal.celery import app

    broker = test_broker_url()
    args = [
        str(BIN / "celery"), "-A", "portal", "worker", "--loglevel", "INFO", "--pool", pool,
        "--concurrency", str(concurrency), "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--hostname", f"test-{os.getpid()}-{free_port()}@%h",
    ]  # fmt: skip
    if queues:
        args += ["--queues", queues]
    proc = spawn(
        args, child_env(**{"CELERY_BROKER_URL": broker, **env}), tmp_path / f"worker-{time.time_ns()}.log"
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.process.poll() is not None:
            raise RuntimeError(f"celery worker exited:\n{proc.log()}")
        if " ready." in proc.log():
            break
        time.sleep(0.1)
    else:
        proc.stop()
        raise RuntimeError(f"celery worker did not start:\n{proc.log()}")
    use_broker(app, broker)
    return proc


def use_broker(app, broker: str | None) -> None:
    """Send tasks from this (test) process to ``broker``; None: back to eager execution."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()
    if broker:
        app.conf.update(broker_url=broker, task_always_eager=False)
    else:
        app.conf.update(broker_url=settings.CELERY_BROKER_URL, task_always_eager=True)


def purge_broker() -> None:
    import redis

    redis.Redis.from_url(test_broker_url()).flushdb()


def start_server(tmp_path: Path, *, workers: int = 1, threads: int = 8, **env: str) -> tuple[Proc, str]:
    port = free_port()
    args = [
        str(BIN / "gunicorn"), "portal.wsgi", "--config", "python:portal.gunicorn_conf",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
    ]  # fmt: skip
    environment = child_env(**{"WEB_ACCESS_LOG": "", "PORTAL_BASE_URL": f"http://127.0.0.1:{port}", **env})
    proc = spawn(args, environment, tmp_path / f"server-{port}.log")
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.process.poll() is not None:
            raise RuntimeError(f"server exited:\n{proc.log()}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.stop()
    raise RuntimeError(f"server did not start:\n{proc.log()}")

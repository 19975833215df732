"""Shared by the benchmarks: start the product as in production, and drive HTTP load.

Each benchmark uses its own PostgreSQL database (created and migrated here) and its
own Redis database, so that it never touches development or test data.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_BASE = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS_BASE = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env(name: str, redis_db: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "CELERY_"))}
    env.update(
        PORTAL_ENV="test",
        DEBUG="false",
        DATABASE_URL=f"{PG_BASE}/{name}",
        REDIS_URL=f"{REDIS_BASE}/{redis_db}",
        LOG_LEVEL="WARNING",
        WEB_ACCESS_LOG=os.environ.get("BENCH_ACCESS_LOG", ""),
        PYTHONUNBUFFERED="1",
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    env.update(extra)
    return env


def prepare_database(env: dict[str, str]) -> None:
    """(Re)create the benchmark database and migrate it."""
    name = urlsplit(env["DATABASE_URL"]).path.lstrip("/")
    subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    subprocess.run([str(BIN / "python"), "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@dataclass
class Server:
    process: subprocess.Popen
    url: str

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)


def gunicorn(
    env: dict[str, str], *, workers: int, threads: int, log: Path, worker_class: str = "gthread"
) -> Server:
    port = free_port()
    args = [
        str(BIN / "gunicorn"), "portal.wsgi", "--config", "python:portal.gunicorn_conf",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
        "--worker-class", worker_class,
    ]  # fmt: skip
    handle = log.open("wb")
    process = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return Server(process, url)
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not start; see {log}")


class Client:
    """A keep-alive HTTP/1.1 client (http.client: little overhead on a small machine)."""

    def __init__(self, url: str, key: str | None = None, timeout: float = 30):
        parts = urlsplit(url)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.headers = {"Content-Type": "application/json"}
        if key:
            self.headers["Authorization"] = f"Bearer {key}"
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def call(
        self, method: str, path: str, body: dict | None = None, headers: dict | None = None
    ) -> tuple[int, dict]:
        payload = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=payload, headers={**self.headers, **(headers or {})})
                response = self.conn.getresponse()
                data = response.read()
                return response.status, (json.loads(data) if data else {})
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Result:
    name: str
    ops: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    by_status: dict[int, list[float]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.ops / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    def add(self, other: Result) -> None:
        """Count another run of the same measurement in this one."""
        self.ops += other.ops
        self.seconds += other.seconds
        self.latencies_ms += other.latencies_ms
        self.errors += other.errors
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count

    def row(self) -> str:
        return (
            f"{self.name:<34} {self.rate:9.1f} ops/s   p50 {self.p(50):7.2f} ms   p99 {self.p(99):7.2f} ms"
            f"   n={self.ops} errors={self.errors}"
        )


def _closed_loop_worker(args) -> tuple[list[float], int, dict[int, int]]:
    make_op, setup_arg, duration, start_at = args
    op = make_op(setup_arg)
    while time.time() < start_at:
        time.sleep(0.001)
    end = start_at + duration
    latencies, errors, statuses = [], 0, {}
    while time.time() < end:
        t0 = time.perf_counter()
        try:
            status = op()
        except Exception:
            status = 0
        latencies.append((time.perf_counter() - t0) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
        if status != 200:
            errors += 1
    return latencies, errors, statuses


def closed_loop(
    name: str, make_op: Callable, setup_args: list, *, duration: float, processes: int = 2
) -> Result:
    """``len(setup_args)`` concurrent clients, each running ``make_op(arg)()`` back to back."""
    start_at = time.time() + 1.0
    jobs = [(make_op, arg, duration, start_at) for arg in setup_args]
    with mp.get_context("fork").Pool(len(jobs)) as pool:
        parts = pool.map(_closed_loop_worker, jobs)
    result = Result(name, 0, duration)
    for latencies, errors, statuses in parts:
        result.latencies_ms += latencies
        result.errors += errors
        for status, count in statuses.items():
            result.statuses[status] = result.statuses.get(status, 0) + count
    result.ops = len(result.latencies_ms)
    return result


def _open_loop_worker(args) -> tuple[list[tuple[float, int]], int]:
    make_op, setup_arg, rate, duration, start_at, threads = args
    import queue
    import threading

    op_queue: queue.Queue = queue.Queue()
    samples: list[tuple[float, int]] = []
    lock = threading.Lock()

    def runner():
        op = make_op(setup_arg)
        while True:
            scheduled = op_queue.get()
            if scheduled is None:
                return
            try:
                status = op()
            except Exception:
                status = 0
            elapsed = (time.perf_counter() - scheduled) * 1000  # includes queueing: coordinated-omission free
            with lock:
                samples.append((elapsed, status))

    pool = [threading.Thread(target=runner, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    while time.time() < start_at:
        time.sleep(0.001)
    t0 = time.perf_counter()
    interval = 1.0 / rate
    sent = 0
    while True:
        due = t0 + sent * interval
        if due - t0 >= duration:
            break
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        op_queue.put(due)
        sent += 1
    for _ in pool:
        op_queue.put(None)
    for thread in pool:
        thread.join()
    return samples, sent


class AsyncClient:
    """The async twin of ``Client`` (aiohttp, keep-alive connections shared by the process's tasks)."""

    def __init__(self, session, url: str, key: str | None = None):
        self.session, self.url = session, url
        self.headers = {"Content-Type": "application/json"}
        if key:
            self.headers["Authorization"] = f"Bearer {key}"

    async def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        payload = json.dumps(body).encode() if body is not None else None
        async with self.session.request(
            method, self.url + path, data=payload, headers=self.headers
        ) as response:
            data = await response.read()
            return response.status, (json.loads(data) if data else {})


async def _async_open_loop(make_op, setup_arg, rate, duration, start_at, connections):
    import asyncio

    import aiohttp

    samples: list[tuple[float, int]] = []
    connector = aiohttp.TCPConnector(limit=connections, keepalive_timeout=60)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        op = make_op(setup_arg, session)

        async def one(scheduled: float) -> None:
            try:
                status = await op()
            except Exception:
                status = 0
            samples.append(((time.perf_counter() - scheduled) * 1000, status))  # from the scheduled time

        while time.time() < start_at:
            await asyncio.sleep(0.001)
        t0, interval, sent, running = time.perf_counter(), 1.0 / rate, 0, set()
        while True:
            due = t0 + sent * interval
            if due - t0 >= duration:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(due))
            running.add(task)
            task.add_done_callback(running.discard)
            sent += 1
        await asyncio.gather(*running)
    return samples, sent


def async_open_loop_worker(args) -> tuple[list[tuple[float, int]], int]:
    """Open loop from one process with asyncio: requests arrive at ``rate`` whatever the latency.

    ``make_op(setup_arg, session)`` returns an async callable giving an HTTP status. One uvloop
    event loop adds well under a millisecond to what it measures. The thread-pool driver
    (``open_loop``) on the same shared cores added ~2 ms at the median and ~5 ms at p99 to a
    refusal that the server answered in 1 ms (GIL hand-offs between the client's threads):
    the size of the latencies the burst benchmark checks.
    """
    import uvloop

    make_op, setup_arg, rate, duration, start_at, connections = args
    return uvloop.run(_async_open_loop(make_op, setup_arg, rate, duration, start_at, connections))


def async_open_loop(
    name: str, make_op: Callable, setup_args: list, *, rate: float, duration: float, connections: int = 64
) -> Result:
    """``open_loop`` with one uvloop client per process (``async_open_loop_worker``)."""
    return _open_loop_in_processes(
        name, async_open_loop_worker, make_op, setup_args, rate, duration, connections
    )


def open_loop(
    name: str, make_op: Callable, setup_args: list, *, rate: float, duration: float, threads: int = 16
) -> Result:
    """Requests arrive at a fixed ``rate`` (split over ``len(setup_args)`` processes), whatever the latency."""
    return _open_loop_in_processes(name, _open_loop_worker, make_op, setup_args, rate, duration, threads)


def _open_loop_in_processes(name, worker, make_op, setup_args, rate, duration, concurrency) -> Result:
    start_at = time.time() + 1.0
    per = rate / len(setup_args)
    jobs = [(make_op, arg, per, duration, start_at, concurrency) for arg in setup_args]
    with mp.get_context("fork").Pool(len(jobs)) as pool:
        parts = pool.map(worker, jobs)
    return _result(name, duration, [sample for samples, _sent in parts for sample in samples])


def _result(name: str, duration: float, samples: list[tuple[float, int]]) -> Result:
    result = Result(name, len(samples), duration)
    for latency, status in samples:
        result.latencies_ms.append(latency)
        result.by_status.setdefault(status, []).append(latency)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if status != 200:
            result.errors += 1
    return result


def run_concurrently(jobs: list[tuple[Callable, tuple]]) -> list:
    """Run several (function, args) at the same time in separate processes; their results in order."""
    ctx = mp.get_context("fork")
    with ctx.Pool(len(jobs)) as pool:
        pending = [pool.apply_async(fn, args) for fn, args in jobs]
        return [p.get() for p in pending]


@contextlib.contextmanager
def timer(label: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    print(f"  ({label}: {time.perf_counter() - started:.1f} s)")


class CpuMeter:
    """CPU time the machine spent while a run went on, split by who spent it (Linux ``/proc``).

    ``groups`` maps a label to the gunicorn master(s) whose worker processes it counts;
    PostgreSQL's and Redis's server processes (by name) are counted on their own, and
    "other" is the rest of the machine's busy time: the load generator and the kernel.
    Divided by the number of requests, it says where a request's cost goes.
    """

    def __init__(self, groups: dict[str, list[Server]]):
        self.masters = {server.process.pid: label for label, servers in groups.items() for server in servers}
        self.start: dict[str, float] | None = None
        self.spent: dict[str, float] = {}

    @staticmethod
    def _machine_busy() -> float:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    def _snapshot(self) -> dict[str, float]:
        tick = os.sysconf("SC_CLK_TCK")
        spent: dict[str, float] = {"machine": self._machine_busy()}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            ppid, seconds = int(fields[1]), (int(fields[11]) + int(fields[12])) / tick
            label = self.masters.get(ppid) or self.masters.get(int(entry))
            if label is None and name in ("postgres", "redis-server"):
                label = "PostgreSQL" if name == "postgres" else "Redis"
            if label:
                spent[label] = spent.get(label, 0.0) + seconds
        return spent

    def __enter__(self) -> CpuMeter:
        self.available = Path("/proc/stat").exists()
        if self.available:
            self.start = self._snapshot()
        return self

    def __exit__(self, *exc) -> None:
        if self.available and self.start is not None:
            end = self._snapshot()
            self.spent = {label: end.get(label, 0.0) - self.start.get(label, 0.0) for label in end}

    def per_request(self, requests: int) -> str:
        """One line: ms of CPU per request by who spent it."""
        if not self.spent or not requests:
            return "CPU per request: not measured (no /proc)"
        labels = [label for label in self.spent if label != "machine"]
        other = self.spent["machine"] - sum(self.spent[label] for label in labels)
        parts = [f"{label} {self.spent[label] / requests * 1000:.2f}" for label in labels]
        parts.append(f"other (clients, kernel) {other / requests * 1000:.2f}")
        return (
            f"CPU ms per request: {', '.join(parts)}; machine {self.spent['machine'] / requests * 1000:.2f}"
        )


def machine_line() -> str:
    return f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]} (load generator shares the CPUs)"


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")

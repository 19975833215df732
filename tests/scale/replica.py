"""A PostgreSQL primary and its streaming hot standby in a temporary directory, for tests.

The shared test server (``DATABASE_URL``) accepts no replication connections here (its
``pg_hba.conf`` has no ``replication`` line), so the harness runs a primary of its own
(``initdb``, whose default ``pg_hba.conf`` lets 127.0.0.1 replicate) and clones it with
``pg_basebackup -R -X stream`` into a standby started with the same major version's
``postgres``. Under root both run as the ``postgres`` system user (PostgreSQL refuses root).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.processes import free_port

_TOOLS = ("initdb", "postgres", "pg_basebackup")


def bin_dir() -> Path | None:
    """The newest PostgreSQL server installation with all the tools the harness needs."""
    found = [
        Path(p)
        for p in glob.glob("/usr/lib/postgresql/*/bin")
        if all((Path(p) / tool).exists() for tool in _TOOLS)
    ]
    return max(found, key=lambda p: int(p.parent.name)) if found else None


def binaries_missing() -> str | None:
    if bin_dir() is None:
        return "PostgreSQL server binaries (/usr/lib/postgresql/*/bin: initdb, postgres, pg_basebackup) not installed"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: PostgreSQL refuses to run as root"
    return None


class ReplicaHarness:
    def __init__(self) -> None:
        # Its own directory under /tmp: pytest's are root's alone (0700), not the postgres user's.
        self.directory = Path(tempfile.mkdtemp(prefix="portal-replica-"))
        self.data_dirs = [self.directory / "primary", self.directory / "replica"]
        self.bin = bin_dir()
        assert self.bin is not None, binaries_missing()
        self.primary_port = free_port()
        self.replica_port = free_port()
        self.processes: list[subprocess.Popen] = []

    def _cmd(self, tool: str, *args: str) -> list[str]:
        command = [str(self.bin / tool), *args]  # type: ignore[operator]
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def url(self, port: int, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/{database}"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def replica_url(self) -> str:
        return self.url(self.replica_port)

    def start(self, timeout: float = 60.0) -> ReplicaHarness:
        primary, replica = self.data_dirs
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
        try:
            self._run(
                self._cmd("initdb", "-D", str(primary), "-U", "postgres", "--auth=trust", "-N"), timeout
            )
            self.processes.append(self._server(primary, self.primary_port))
            self._wait(self.primary_url, timeout)
            self._run(
                self._cmd(
                    "pg_basebackup",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.primary_port),
                    "-U",
                    "postgres",
                    "-D",
                    str(replica),
                    "-R",
                    "-X",
                    "stream",
                ),
                timeout,
            )
            self.processes.append(self._server(replica, self.replica_port))
            self._wait(self.replica_url, timeout)
        except BaseException:
            self.stop()
            raise
        return self

    @staticmethod
    def _run(command: list[str], timeout: float) -> None:
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)

    def _server(self, data: Path, port: int) -> subprocess.Popen:
        return subprocess.Popen(
            self._cmd(
                "postgres",
                "-D",
                str(data),
                "-p",
                str(port),
                "-k",
                str(self.directory),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    @staticmethod
    def _wait(url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(url, connect_timeout=1):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def caught_up(self, timeout: float = 10.0) -> None:
        """Wait until the standby has replayed everything the primary has written."""
        with psycopg.connect(self.primary_url, autocommit=True) as conn:
            target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]  # type: ignore[index]
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.replica_url, autocommit=True) as conn:
            while True:
                done = conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()[0]  # type: ignore[index]
                if done:
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError("the standby did not catch up")
                time.sleep(0.02)

    def replay(self, *, paused: bool) -> None:
        """Pause or resume the standby's replay: while paused it answers what it had (a lag)."""
        call = "pg_wal_replay_pause" if paused else "pg_wal_replay_resume"
        with psycopg.connect(self.replica_url, autocommit=True) as conn:
            conn.execute(f"SELECT {call}()")

    def load(self, dump: Path, database: str) -> None:
        """Create ``database`` on the primary from a ``pg_dump -Fc`` file; the standby streams it."""
        with psycopg.connect(self.primary_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        url = self.url(self.primary_port, database)
        self._run([str(self.bin / "pg_restore"), "--no-owner", "--exit-on-error", "-d", url, str(dump)], 120)  # type: ignore[operator]

    def stop_replica(self) -> None:
        """Stop the standby alone (fast shutdown): the product must carry on with the primary."""
        self._shutdown([self.data_dirs[1]], self.processes[1:])
        del self.processes[1:]

    def start_replica(self, timeout: float = 30.0) -> None:
        self.processes.append(self._server(self.data_dirs[1], self.replica_port))
        self._wait(self.replica_url, timeout)

    @staticmethod
    def _shutdown(data_dirs: list[Path], processes: list[subprocess.Popen]) -> None:
        for data in data_dirs:  # the postmaster itself (runuser is its parent): fast shutdown
            pid_file = data / "postmaster.pid"
            if pid_file.exists():
                with contextlib.suppress(ValueError, ProcessLookupError):
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop(self) -> None:
        self._shutdown(self.data_dirs, self.processes)
        self.processes.clear()
        shutil.rmtree(self.directory, ignore_errors=True)

"""A local three-primary Redis Cluster for tests: ``redis-server`` in cluster mode on loopback.

``RedisClusterHarness(directory).start()`` starts the nodes on free ports (each port and its
cluster bus port, port + 10000, free), joins them with ``redis-cli --cluster create`` and waits
until every node reports ``cluster_state:ok``; ``stop()`` kills them.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis


def binaries_missing() -> str | None:
    """Why the harness cannot run here (None: it can)."""
    missing = [name for name in ("redis-server", "redis-cli") if shutil.which(name) is None]
    return f"{' and '.join(missing)} not installed: no local Redis Cluster" if missing else None


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_cluster_ports(n: int) -> list[int]:
    """``n`` ports whose cluster bus ports (port + 10000) are free too."""
    ports: list[int] = []
    while len(ports) < n:
        port = random.randint(20000, 29999)
        if port not in ports and _bindable(port) and _bindable(port + 10000):
            ports.append(port)
    return ports


class RedisClusterHarness:
    def __init__(self, directory: Path, nodes: int = 3) -> None:
        self.directory = directory
        self.ports = free_cluster_ports(nodes)
        self.processes: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        """A startup node: the client discovers the others."""
        return f"redis://127.0.0.1:{self.ports[0]}"

    def start(self, timeout: float = 20.0) -> RedisClusterHarness:
        try:
            for port in self.ports:
                self.processes.append(self._node(port))
            for port in self.ports:
                self._wait(lambda p=port: redis.Redis(port=p, socket_timeout=0.5).ping(), timeout)
            subprocess.run(
                [
                    "redis-cli",
                    "--cluster",
                    "create",
                    *[f"127.0.0.1:{port}" for port in self.ports],
                    "--cluster-replicas",
                    "0",
                    "--cluster-yes",
                ],
                check=True,
                capture_output=True,
                timeout=timeout,
            )
            self._wait(self._ready, timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _node(self, port: int) -> subprocess.Popen:
        log = open(self.directory / f"redis-{port}.log", "wb")  # noqa: SIM115 (closed with the process)
        try:
            options = {
                "cluster-enabled": "yes",
                "port": str(port),
                "bind": "127.0.0.1",
                "cluster-config-file": str(self.directory / f"nodes-{port}.conf"),
                "dir": str(self.directory),
                "save": "",
                "appendonly": "no",
                "daemonize": "no",
            }
            return subprocess.Popen(
                ["redis-server", *[part for name, value in options.items() for part in (f"--{name}", value)]],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        finally:
            log.close()

    def _ready(self) -> bool:
        for port in self.ports:
            info = redis.Redis(port=port, socket_timeout=0.5, decode_responses=True).execute_command(
                "CLUSTER INFO"
            )
            if info.get("cluster_state") != "ok" or int(info.get("cluster_known_nodes", 0)) != len(
                self.ports
            ):
                return False
        return True

    @staticmethod
    def _wait(check, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if check() is not False:
                    return
            except redis.RedisError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the local Redis Cluster did not come up")
            time.sleep(0.05)

    def stop(self) -> None:
        for process in self.processes:
            process.kill()
        for process in self.processes:
            process.wait(timeout=10)
        self.processes.clear()

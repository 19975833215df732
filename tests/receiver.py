"""A merchant's webhook receiver for tests and benchmarks: a real HTTP server on a free port.

It records every request (time, headers, raw body) and answers from a script: ``down``
(connection refused: the socket is closed), or a status/body per request.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import BaseServer

# How often a serving thread looks for a shutdown request. ``serve_forever``'s default, 0.5 s,
# made every ``shutdown()`` wait up to half a second: most of some tests' time.
SHUTDOWN_POLL_SECONDS = 0.01


def serve_in_background(server: BaseServer) -> threading.Thread:
    """Serve ``server`` in a daemon thread; ``server.shutdown()`` returns within 10 ms."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS}, daemon=True
    )
    thread.start()
    return thread


@dataclass
class Received:
    at: float
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int  # the status code the receiver answered

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """``answers``: a list of (status, body) used in turn (the last one repeats)."""

    answers: list[tuple[int, str]] = field(default_factory=lambda: [(200, '{"receive":"0"}')])
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._calls = 0
        self.server: ThreadingHTTPServer | None = None
        self.port = 0
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # Headers and body go out in two writes: without this, Nagle and delayed ACKs
                # add 40 ms to every answer.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    index = min(receiver._calls, len(receiver.answers) - 1)
                    receiver._calls += 1
                    status, answer = receiver.answers[index]
                    receiver.received.append(
                        Received(time.time(), self.path, dict(self.headers.items()), body, status)
                    )
                if receiver.delay:
                    time.sleep(receiver.delay)
                data = answer.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        serve_in_background(self.server)

    def stop(self) -> None:
        """Down: nobody listens on the port any more (connection refused)."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def answer(self, *answers: tuple[int, str]) -> None:
        with self._lock:
            self.answers, self._calls = list(answers), 0

    def bodies(self) -> list[dict]:
        with self._lock:
            return [r.json for r in self.received]

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        with self._lock:
            return list(self.received)

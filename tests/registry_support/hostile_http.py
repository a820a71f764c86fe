"""A download host that misbehaves on purpose, on a loopback port, for the ownership and mirror attack tests.

It serves what a test registers, per path, and records what was asked and how many bytes really left the
socket (a client that stops reading makes the next write fail, so the count shows where the client stopped,
plus what the kernel's buffers held). Bodies are generated as they are sent: a 1 GiB answer costs no memory.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["Answer", "HostileServer", "running_hostile_server", "zeros"]

_CHUNK = 64 * 1024


def zeros(total: int) -> Callable[[], Iterable[bytes]]:
    """A body of ``total`` zero bytes, made chunk by chunk as it is sent."""

    def body() -> Iterator[bytes]:
        left = total
        while left > 0:
            piece = min(left, _CHUNK)
            left -= piece
            yield bytes(piece)

    return body


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Callable[[], Iterable[bytes]] = lambda: ()
    hold: float = 0.0
    """Seconds to wait before answering, released early once ``HostileServer.release_at`` requests are in flight."""


@dataclass
class HostileServer:
    url: str
    answers: dict[str, Answer] = field(default_factory=dict)
    routes: dict[str, Callable[[str], Answer]] = field(default_factory=dict)
    """Answers made per request from the whole path (query included), for paths not in ``answers``."""
    requests: list[str] = field(default_factory=list)
    bytes_sent: int = 0
    sent_by_path: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0
    peak_in_flight: int = 0
    release_at: int = 1_000_000
    _lock: threading.Condition = field(default_factory=threading.Condition)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.sent_by_path.clear()
            self.bytes_sent = self.peak_in_flight = 0


def _handler(server: HostileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = self.path.split("?", 1)[0]
            answer = server.answers.get(route) or (server.routes[route](self.path) if route in server.routes else None)
            with server._lock:
                server.requests.append(self.path)
                server.in_flight += 1
                server.peak_in_flight = max(server.peak_in_flight, server.in_flight)
                server._lock.notify_all()
                if answer is not None and answer.hold:  # a bounded wait: for company, or for the timeout
                    server._lock.wait_for(lambda: server.in_flight >= server.release_at, timeout=answer.hold)
            try:
                self._answer(answer or Answer(status=404))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading: exactly what a cap does
            finally:
                with server._lock:
                    server.in_flight -= 1

        def _answer(self, answer: Answer) -> None:
            self.send_response(answer.status)
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.send_header("Connection", "close")
            self.end_headers()
            for chunk in answer.body():
                self.wfile.write(chunk)
                with server._lock:
                    server.bytes_sent += len(chunk)
                    server.sent_by_path[self.path] = server.sent_by_path.get(self.path, 0) + len(chunk)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def running_hostile_server() -> Iterator[HostileServer]:
    """Yields the server (``url`` is ``http://127.0.0.1:PORT``); stops it and its threads on exit."""
    state = HostileServer(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, name="hostile-http", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)

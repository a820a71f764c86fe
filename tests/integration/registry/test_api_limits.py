"""The request limits against a real ``mcpship registry serve`` process: a body of tens of megabytes to
``/v0.1/auth/*`` or ``/publish`` (declared or streamed), a request line or header of tens of megabytes. Each is
answered with its 4xx as soon as the limit is passed, and the server's peak memory (``VmHWM``) barely moves:
before these limits, a 300 MB body to ``/auth/github-at`` raised the server to 687 MB.

The client writes over a raw socket and stops as soon as the server answers, the way a real client sees an
early refusal (``Connection: close``); the bytes it managed to send (the limit plus what the kernel's socket
buffers absorb) show the server stopped reading long before the end.
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator

import pytest

from mcpship.registry.limits import DEFAULT_MAX_BODY_BYTES
from tests.integration.registry.conftest import DatabaseFactory, RegistryServer
from tests.peak_memory import peak_rss_kib

ATTACK_BYTES = 50 << 20
MAX_GROWTH_KIB = 32 << 10
"""Generous: the limits keep what one request holds near 1 MiB; the attack sends 50 MiB."""
_PIECE = 1 << 16
_DEADLINE = 60.0


@pytest.fixture(scope="module")
def server(sqlite_databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    """One server on SQLite: what is measured is the HTTP layer, not the store."""
    flags = ("--no-ownership-checks", "--enable-anonymous-auth")
    registry = RegistryServer(sqlite_databases(), tmp_path_factory.mktemp("limits"), flags)
    registry.start()
    yield registry
    registry.stop()


def _peak_rss_kib(registry: RegistryServer) -> int:
    assert registry.process is not None
    return peak_rss_kib(registry.process.pid)


def _attack(registry: RegistryServer, head: bytes, piece: bytes, total: int) -> tuple[bytes, int]:
    """Send ``head`` then ``piece`` repeatedly up to ``total`` bytes, stopping when the server answers or closes;
    return the start of its answer and how many bytes of ``piece`` went out."""
    sent = 0
    deadline = time.monotonic() + _DEADLINE
    with socket.create_connection(("127.0.0.1", registry.port), timeout=10) as connection:
        connection.sendall(head)
        try:
            while sent < total and time.monotonic() < deadline:
                readable, _, _ = select.select([connection], [], [], 0)
                if readable:
                    break
                connection.sendall(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed after answering: the answer may still be in our receive buffer
        return _answer(connection), sent


def _answer(connection: socket.socket) -> bytes:
    """What the server wrote before closing (it says ``Connection: close``), however TCP split it."""
    received = b""
    try:
        while len(received) < 65536:
            data = connection.recv(4096)
            if not data:
                break
            received += data
    except (ConnectionResetError, TimeoutError):
        pass  # the server closed with our unread bytes still queued: what arrived before stays readable
    return received


def _request_head(path: str, *, length: int | None) -> bytes:
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return f"POST {path} HTTP/1.1\r\nHost: registry\r\nContent-Type: application/json\r\n{framing}\r\n\r\n".encode()


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n" % len(data) + data + b"\r\n"


@pytest.mark.parametrize("path", ["/v0.1/auth/github-at", "/v0.1/auth/dns", "/v0.1/publish"])
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_50_mb_body_is_refused_at_the_limit_and_the_server_stays_small(
    server: RegistryServer, path: str, declared: bool
) -> None:
    before = _peak_rss_kib(server)
    piece = b"[" * _PIECE
    head = _request_head(path, length=ATTACK_BYTES if declared else None)
    answer, sent = _attack(server, head, piece if declared else _chunk(piece), ATTACK_BYTES)

    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"request body is too large limit=1048576 bytes" in answer
    assert sent < ATTACK_BYTES // 4  # the server stopped reading and closed long before the end
    assert _peak_rss_kib(server) - before < MAX_GROWTH_KIB
    assert server.process is not None
    assert server.process.poll() is None


@pytest.mark.parametrize(
    ("head", "piece"),
    [
        (b"GET /v0.1/servers?search=", b"a" * _PIECE),  # one endless request line
        (b"GET /v0.1/servers HTTP/1.1\r\nHost: registry\r\nX-Long: ", b"a" * _PIECE),  # one endless header
        (b"GET /v0.1/servers HTTP/1.1\r\nHost: registry\r\n", b"X-A: b\r\n" * (_PIECE // 8)),  # endless headers
    ],
    ids=["request-line", "header", "headers"],
)
def test_a_50_mb_request_head_is_431_and_the_server_stays_small(
    server: RegistryServer, head: bytes, piece: bytes
) -> None:
    before = _peak_rss_kib(server)
    answer, sent = _attack(server, head, piece, ATTACK_BYTES)

    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert sent < ATTACK_BYTES // 4  # socket buffers hold a few MiB; the server stopped near its limit
    assert _peak_rss_kib(server) - before < MAX_GROWTH_KIB


def test_requests_within_the_limits_are_served_on_the_same_server(server: RegistryServer) -> None:
    with server.client() as client:
        assert client.get("/v0.1/servers", headers={"X-Padding": "p" * 8000}).status_code == 200
        document = {
            "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
            "name": "io.github.limits/fits",
            "description": "d",
            "version": "1.0.0",
        }
        padding = b" " * (DEFAULT_MAX_BODY_BYTES - 200)
        published = client.post("/v0.1/publish", content=padding + json.dumps(document).encode())
        assert published.status_code == 200, published.text

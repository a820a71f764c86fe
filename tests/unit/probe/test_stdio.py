"""The stdio transport in process: a spawned server's pipes served as MCP streams, read on the event loop with
bounds, and the server's whole tree stopped when the session ends.

The servers are ``tests/servers/scripted.py`` (it writes exactly the bytes a test asks for) and
``tests/servers/process_tree.py`` (it leaves processes behind). Grace periods are short (``GRACE``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.shared.message import SessionMessage
from mcp_types import JSONRPCNotification, JSONRPCRequest, JSONRPCResponse

from mcpship._exceptions import ProbeError, ProtocolViolationError, ServerExitedError
from mcpship.probe.limits import ProbeLimits
from mcpship.probe.plan import StdioPlan
from mcpship.probe.spawn import discard, spawn
from mcpship.probe.stdio import ServerProcess, attach
from tests.conftest import SERVERS, alive

pytestmark = [
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to see which processes live"),
    # Each test takes about a second. A slip (or a mutant) that makes a wait unbounded fails it here, not after the
    # suite's 180 s or a helper's 120 s.
    pytest.mark.timeout(20),
]

GRACE = 0.2
SLACK = 1.5
LABEL = "test-server"
STOPPING = "stopping the server (closing its stdin)"


class Recorder:
    """A reporter that keeps what would be shown with -v."""

    def __init__(self) -> None:
        self.debugs: list[str] = []

    def step(self, message: str) -> None:
        pass

    def warn(self, message: str) -> None:
        pass

    def debug(self, message: str) -> None:
        self.debugs.append(message)


def scripted(*steps: str) -> StdioPlan:
    return StdioPlan(argv=(sys.executable, str(SERVERS / "scripted.py"), *steps), env=dict(os.environ), label=LABEL)


def out(data: bytes) -> str:
    return f"out:{data!r}"


def message(size: int = 0, method: str = "notifications/message") -> bytes:
    """A JSON-RPC notification of exactly ``size`` bytes (or as short as it gets)."""
    head = b'{"jsonrpc":"2.0","method":"' + method.encode() + b'","params":{"pad":"'
    return head + b"x" * max(0, size - len(head) - 3) + b'"}}'


@dataclass
class Session:
    server: ServerProcess
    process: subprocess.Popen[bytes]
    received: list[SessionMessage | Exception] = field(default_factory=list)
    reporter: Recorder = field(default_factory=Recorder)
    seconds: float = 0.0
    returncode: int | None = None
    """The server's, once the session ended (before the test's own clean-up stops whatever is left)."""
    pipes_closed: bool = False
    """Our ends of its stdout and stderr, once the session ended."""
    raised: BaseException | None = None

    @property
    def error(self) -> ProbeError | None:
        return self.server.error


def converse(
    plan: StdioPlan,
    send: Sequence[Any] = (),
    *,
    expect: int = 1_000,
    wait: float = 30.0,
    limits: ProbeLimits | None = None,
    grace: float = GRACE,
    fail_inside: Exception | None = None,
    stop_reading: float = 0.0,
    watch_after: float = 0.0,
    cancel_after: float | None = None,
) -> Session:
    """Spawn the server, send ``send``, read until ``expect`` messages came, the stream ended or ``wait`` passed,
    then leave the session. On the way out: ``fail_inside`` is raised in the session; ``stop_reading``: the
    client closes its read stream and watches that long for a failure the transport reports; ``watch_after``:
    the same once the client closed the transport; ``cancel_after``: the whole session is cancelled then."""
    reporter = Recorder()
    process = spawn(plan)
    session: Session | None = None

    async def talk() -> None:
        nonlocal session
        async with attach(plan, process, reporter, limits, grace=grace) as server:
            session = Session(server, process, reporter=reporter)
            async with server as (read, write), read, write:  # closed by the SDK's client, as here
                for item in send:
                    await write.send(SessionMessage(item))
                with anyio.move_on_after(wait):
                    async for received in read:
                        session.received.append(received)
                        if len(session.received) >= expect:
                            break
                if stop_reading:
                    await read.aclose()
                    with anyio.move_on_after(stop_reading):
                        await server.failed.wait()
                if fail_inside is not None:
                    raise fail_inside
            if watch_after:
                with anyio.move_on_after(watch_after):
                    await server.failed.wait()

    async def main() -> None:
        began = time.monotonic()
        try:
            with anyio.move_on_after(cancel_after):
                await talk()
        except Exception as exc:
            if session is None or exc is not fail_inside:
                raise
            session.raised = exc
        finally:
            if session is not None:
                session.seconds = time.monotonic() - began

    try:
        anyio.run(main)
        assert session is not None
        session.returncode = process.poll()
        session.pipes_closed = all(pipe is not None and pipe.closed for pipe in (process.stdout, process.stderr))
    finally:
        discard(process)
    return session


def payloads(session: Session) -> list[Any]:
    return [item.message if isinstance(item, SessionMessage) else item for item in session.received]


def ping(request_id: int = 1) -> JSONRPCRequest:
    return JSONRPCRequest(jsonrpc="2.0", id=request_id, method="ping")


# -- messages both ways --------------------------------------------------------------------------------------------


def test_each_message_is_written_to_the_server_as_one_compact_json_line() -> None:
    sent = [ping(1), JSONRPCNotification(jsonrpc="2.0", method="notifications/initialized", params={"a": [1]})]
    session = converse(scripted("mirror:"), sent, expect=2)
    assert session.error is None
    lines = [answer.result["line"] for answer in payloads(session) if isinstance(answer, JSONRPCResponse)]
    assert lines == [
        '{"jsonrpc":"2.0","id":1,"method":"ping"}\n',  # no "params": null for what was never set
        '{"jsonrpc":"2.0","method":"notifications/initialized","params":{"a":[1]}}\n',
    ]


def test_a_message_larger_than_the_pipe_buffer_is_written_and_read_whole() -> None:
    big = "é" * 300_000  # 600 kB: many times a pipe's 64 KiB, both ways
    request = JSONRPCRequest(jsonrpc="2.0", id=7, method="tools/call", params={"text": big})
    session = converse(scripted("mirror:"), [request], expect=1, wait=10)
    assert session.error is None
    [answer] = payloads(session)
    assert isinstance(answer, JSONRPCResponse)
    assert answer.id == 7
    assert json.loads(answer.result["line"])["params"]["text"] == big


def test_lines_are_messages_whatever_the_chunks_and_blank_lines_between_them() -> None:
    first, second, third, fourth, fifth = (message(method=method) for method in "abcde")
    steps = [
        out(b"\n\r\n   " + first + b"  \r\n" + second[:10]),  # two lines and the start of a third in one write
        "sleep:0.1",
        out(second[10:] + b"\n\n" + third[:5]),
        "sleep:0.1",
        out(third[5:] + b"\n" + fourth + b"\n" + fifth + b"\n"),  # the end of one line and two whole ones
    ]
    session = converse(scripted(*steps), expect=5, wait=10)
    assert session.error is None
    assert [item.method for item in payloads(session)] == ["a", "b", "c", "d", "e"]
    assert all(isinstance(item, SessionMessage) for item in session.received)


def test_at_most_64_messages_wait_for_a_client_that_does_not_read_them() -> None:
    plan = scripted(out((message() + b"\n") * 100), "linger:30")
    process = spawn(plan)
    waiting: list[int] = []

    async def main() -> None:
        async with attach(plan, process, Recorder(), grace=GRACE) as server, server as (read, write), read, write:
            with anyio.fail_after(10):
                while not read.statistics().tasks_waiting_send:  # until the reader waits for room
                    await anyio.sleep(0.01)
            waiting.append(read.statistics().current_buffer_used)

    try:
        anyio.run(main)
    finally:
        discard(process)
    assert waiting == [64]


def test_at_most_64_messages_wait_for_a_server_that_does_not_read_them() -> None:
    plan = scripted("sleep:30")  # reads nothing for 30 s
    process = spawn(plan)
    big = JSONRPCRequest(jsonrpc="2.0", id=0, method="tools/call", params={"text": "x" * 100_000})  # > a pipe's
    queued: list[int] = []

    async def main() -> None:
        async with attach(plan, process, Recorder(), grace=GRACE) as server, server as (read, write), read, write:
            with anyio.fail_after(10):
                await write.send(SessionMessage(big))
                while write.statistics().current_buffer_used or write.statistics().tasks_waiting_receive:
                    await anyio.sleep(0.01)  # until the writer took it: it waits for the pipe from now on
            sent = 0
            with suppress(anyio.WouldBlock):
                while sent < 1_000:
                    write.send_nowait(SessionMessage(ping(sent + 1)))
                    sent += 1
            queued.append(sent)

    try:
        anyio.run(main)
    finally:
        discard(process)
    assert queued == [64]


# -- bounds --------------------------------------------------------------------------------------------------------

LIMIT = 512
LIMITS = ProbeLimits(max_message_bytes=LIMIT)
TOO_LONG = (
    f"the server ({LABEL}) wrote a line on stdout longer than {LIMIT} bytes, the limit for one MCP message; "
    "mcpship stopped reading it"
)


def test_a_line_of_exactly_the_message_limit_is_read() -> None:
    line = message(LIMIT)
    assert len(line) == LIMIT
    session = converse(scripted(out(line[:-1]), "sleep:0.1", out(line[-1:] + b"\r\n")), expect=1, limits=LIMITS)
    assert session.error is None
    assert len(session.received) == 1


def test_a_line_one_byte_over_the_message_limit_is_refused() -> None:
    steps = [out(message(LIMIT + 1) + b"\n"), out(message() + b"\n")]
    session = converse(scripted(*steps), limits=LIMITS, grace=3.0)
    assert isinstance(session.error, ProtocolViolationError)
    assert session.error.message == TOO_LONG
    assert session.received == []  # and nothing after it is read
    assert session.seconds < 2.5  # the stream ended at once: no wait for the server's exit


def test_a_line_growing_past_the_message_limit_is_refused_before_it_ends() -> None:
    session = converse(scripted(out(b"x" * (LIMIT + 1))), limits=LIMITS, grace=3.0)  # and no newline, ever
    assert isinstance(session.error, ProtocolViolationError)
    assert session.error.message == TOO_LONG
    assert session.seconds < 2.5  # the stream ended at once: no wait for the server's exit


def test_a_line_waiting_for_its_end_at_exactly_the_limit_is_not_refused_yet() -> None:
    line = message(LIMIT)
    session = converse(scripted(out(line), "sleep:0.2", out(b"\n")), expect=1, limits=LIMITS)
    assert session.error is None
    assert len(session.received) == 1


def test_the_session_stops_reading_once_the_server_sent_more_than_its_byte_budget() -> None:
    lines = [out(message(LIMIT) + b"\n") for _ in range(9)]  # 8 messages of the limit fill the session's budget
    session = converse(scripted(*lines), limits=LIMITS)
    assert isinstance(session.error, ProtocolViolationError)
    assert session.error.message == (
        f"the server ({LABEL}) sent more than 4,096 bytes in one inspection; mcpship stopped reading"
    )
    assert len(session.received) == 8


# -- lines that are not MCP ----------------------------------------------------------------------------------------

NOT_MCP = f"the server ({LABEL}) wrote a line on stdout that is not an MCP JSON-RPC message: "
NOT_MCP_HINT = "stdout is reserved for MCP messages over stdio; send logs and banners to stderr"


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        (b"Welcome to banner-server v1.0!", "Welcome to banner-server v1.0!"),
        (b"{}", "{}"),
        (b"x" * 200, "x" * 200),
        (b"x" * 201, "x" * 200 + "…"),
        ("é".encode() * 201, "é" * 200),  # its first 400 bytes: 200 characters
        (b"\xff banner", "\ufffd banner"),
    ],
    ids=["banner", "not-json-rpc", "200-characters", "201-characters", "400-bytes", "not-utf-8"],
)
def test_a_line_that_is_not_mcp_is_refused_and_shown_cut(line: bytes, shown: str) -> None:
    session = converse(scripted(out(line + b"\n"), out(message() + b"\n")))
    assert isinstance(session.error, ProtocolViolationError)
    assert session.error.message == NOT_MCP + repr(shown)
    assert session.error.hint == NOT_MCP_HINT
    assert session.received == []  # and nothing after it is read


# -- a server that exits -------------------------------------------------------------------------------------------


def test_a_server_that_dies_at_start_up_is_explained_by_its_exit_code_and_stderr() -> None:
    plan = StdioPlan(argv=(sys.executable, str(SERVERS / "exits_at_once.py")), env=dict(os.environ), label=LABEL)
    session = converse(plan)
    error = session.error
    assert isinstance(error, ServerExitedError)
    fatal = "fatal: NOTES_DB_URL is not set; cannot open the notes database"
    assert (
        error.message == f"the server ({LABEL}) exited with code 3 before answering; its stderr ends with:\n  | {fatal}"
    )
    assert error.hint == f"run it by hand to see why: {sys.executable} {SERVERS / 'exits_at_once.py'}"
    assert error.returncode == 3
    assert error.stderr_tail == fatal
    assert session.server.exit_code() == 3


def test_a_server_that_exited_is_explained_at_once_without_waiting_for_the_grace() -> None:
    session = converse(scripted("exit:4"), grace=10)
    assert isinstance(session.error, ServerExitedError)
    assert session.error.returncode == 4
    assert session.seconds < 5  # its exit was seen at once: the grace is for a server that may still exit


def test_a_server_that_exits_silently_is_said_to_have_written_nothing_to_stderr() -> None:
    session = converse(scripted("exit:4"))
    assert isinstance(session.error, ServerExitedError)
    assert (
        session.error.message == f"the server ({LABEL}) exited with code 4 before answering and wrote nothing to stderr"
    )
    assert session.error.stderr_tail == ""


def test_a_server_that_closes_its_stdout_and_keeps_running_is_said_to_have_closed_it() -> None:
    # What it writes on stderr 1.6 s later comes too late: the report waits a second for stderr to end.
    session = converse(scripted("close:1", "sleep:1.6", "err:b'late\\n'", "linger:30"))
    assert isinstance(session.error, ServerExitedError)
    assert session.error.message == (
        f"the server ({LABEL}) closed its stdout before answering and wrote nothing to stderr"
    )
    assert session.error.returncode is None
    assert session.seconds < 3 * GRACE + SLACK  # waited one grace period for an exit, then stopped it


def test_only_the_last_20_lines_of_stderr_are_shown() -> None:
    lines = [f"line {number:02d}" for number in range(30)]
    session = converse(scripted("err:" + repr("".join(f"{line}\n" for line in lines).encode()), "exit:1"))
    assert isinstance(session.error, ServerExitedError)
    assert session.error.stderr_tail == "\n".join(lines[-20:])
    assert session.error.message.endswith("".join(f"\n  | {line}" for line in lines[-20:]))
    assert session.server.stderr_tail(2) == "line 28\nline 29"


def test_only_the_last_stderr_tail_bytes_of_stderr_are_kept() -> None:
    lines = [f"line {number:02d}" for number in range(30)]  # 8 bytes a line
    text = "".join(f"{line}\n" for line in lines).encode()
    session = converse(scripted("err:" + repr(text), "exit:1"), limits=ProbeLimits(stderr_tail_bytes=64))
    assert isinstance(session.error, ServerExitedError)
    assert session.error.stderr_tail == "\n".join(lines[-8:])


def test_each_stderr_line_is_shown_with_verbose_cut_at_4096_bytes() -> None:
    long = b"y" * 70_000  # more than one read of the pipe
    session = converse(scripted("err:" + repr(b"first  \r\n" + long + b"\nbad \xff\n"), "exit:0"))
    shown = [line for line in session.reporter.debugs if line.startswith("server stderr: ")]
    assert shown == ["server stderr: first", "server stderr: " + "y" * 4096, "server stderr: bad \ufffd"]


def test_stderr_is_shown_as_written_with_replacement_characters_for_what_is_not_utf_8() -> None:
    session = converse(scripted("err:" + repr(b"  bad \xff byte\n\n\n"), "exit:1"))
    assert isinstance(session.error, ServerExitedError)
    assert session.error.stderr_tail == "  bad \ufffd byte"  # its indentation kept, trailing blank lines not


# -- stopping ------------------------------------------------------------------------------------------------------


def test_a_session_that_ended_normally_lets_the_server_exit_cleanly() -> None:
    session = converse(scripted("linger:0.3"), wait=0.1, grace=30)
    assert session.error is None
    assert session.returncode == 0  # stdin closed, and the grace to exit
    assert session.reporter.debugs.count(STOPPING) == 1  # stopped once, though asked twice
    assert session.reporter.debugs[-1] == "server stopped (exit code 0)"
    assert session.pipes_closed


def test_a_session_that_failed_stops_the_server_at_once() -> None:
    session = converse(scripted(out(b"banner\n"), "linger:30"), grace=30)
    assert isinstance(session.error, ProtocolViolationError)
    assert session.returncode == -signal.SIGTERM
    assert session.seconds < SLACK


def test_an_exception_in_the_session_stops_the_server_at_once() -> None:
    boom = KeyError("boom")
    session = converse(scripted("linger:30"), wait=0.1, grace=30, fail_inside=boom)
    assert session.raised is boom
    assert session.returncode == -signal.SIGTERM
    assert session.seconds < SLACK


def test_a_session_cancelled_from_outside_still_stops_the_server() -> None:
    session = converse(scripted("linger:30"), grace=30, cancel_after=0.3)
    assert session.returncode == -signal.SIGTERM
    assert session.seconds < 0.3 + SLACK


def test_what_a_server_writes_while_it_is_stopped_is_no_failure() -> None:
    session = converse(scripted("eof:b'goodbye\\n'", "linger:0.2"), wait=0.1, grace=30)
    assert session.error is None
    assert session.returncode == 0


def test_a_server_that_exits_after_the_client_closed_the_transport_is_no_failure() -> None:
    session = converse(scripted("sleep:0.2", "exit:5"), wait=0, watch_after=1.0)
    assert session.error is None


def test_a_client_that_stops_reading_early_leaves_the_transport_working() -> None:
    steps = [out(message() + b"\n"), "sleep:0.3", out(message() + b"\n"), "exit:5"]
    session = converse(scripted(*steps), expect=1, stop_reading=10)
    assert session.raised is None
    assert isinstance(session.error, ServerExitedError)  # it read on to the end, and saw the exit
    assert session.error.returncode == 5


def test_a_server_that_ignores_sigterm_and_stdin_eof_is_killed_within_the_sessions_grace(pidfile: Path) -> None:
    plan = StdioPlan(
        argv=(sys.executable, str(SERVERS / "process_tree.py"), str(pidfile), "--ignore-term"),
        env=dict(os.environ),
        label=LABEL,
    )
    session = converse(plan, wait=0.3)
    assert session.returncode == -signal.SIGKILL
    assert session.seconds < 0.3 + 3 * GRACE + SLACK
    assert "sending SIGKILL to the server's process group and 1 process(es) of its tree" in session.reporter.debugs


def test_a_process_keeping_the_servers_stdin_is_stopped_with_it(pidfile: Path) -> None:
    plan = StdioPlan(
        argv=(sys.executable, str(SERVERS / "process_tree.py"), str(pidfile), "--child", "holds-stdin", "--exit"),
        env=dict(os.environ),
        label=LABEL,
    )
    session = converse(plan)
    assert isinstance(session.error, ServerExitedError)
    assert session.error.returncode == 0
    assert not alive(int(pidfile.read_text(encoding="utf-8")))  # only the stdin it holds ties it to the server


def test_a_grandchild_keeping_our_stdout_holds_neither_the_deadline_nor_the_stop(pidfile: Path) -> None:
    plan = StdioPlan(
        argv=(sys.executable, str(SERVERS / "process_tree.py"), str(pidfile), "--child", "holds-stdout", "--exit"),
        env=dict(os.environ),
        label=LABEL,
    )
    session = converse(plan, wait=1.0)  # stdout never ends: the helper holds it, and ignores SIGTERM
    assert session.error is None
    assert session.server.exit_code() == 0
    assert not alive(int(pidfile.read_text(encoding="utf-8")))
    assert session.seconds < 1.0 + 3 * GRACE + SLACK


def test_writing_to_a_server_that_closed_its_stdin_ends_quietly() -> None:
    session = converse(scripted("close:0", out(message() + b"\n"), "linger:30"), [ping(), ping(2)], expect=1)
    assert session.error is None
    assert len(session.received) == 1  # reading went on


def test_once_the_servers_stdin_is_found_closed_the_transport_takes_no_more_messages() -> None:
    plan = scripted("close:0", out(message() + b"\n"), "linger:30")
    process = spawn(plan)
    errors: list[ProbeError | None] = []

    async def main() -> None:
        async with attach(plan, process, Recorder(), grace=GRACE) as server, server as (read, write), read, write:
            with anyio.fail_after(10):
                await read.receive()  # written after it closed its stdin
                while True:  # until the writer takes in the refused write, and stops
                    try:
                        await write.send(SessionMessage(ping()))
                    except anyio.BrokenResourceError:
                        break
                    await anyio.sleep(0.01)
            errors.append(server.error)

    try:
        anyio.run(main)
    finally:
        discard(process)
    assert errors == [None]  # the stdout reader reports what happened to the server, if anything


def test_stopping_a_server_whose_pipes_were_never_served_waits_for_no_writer() -> None:
    plan = scripted("linger:30")
    process = spawn(plan)
    reporter = Recorder()

    async def main() -> None:
        server = ServerProcess(plan, process, reporter, ProbeLimits(), grace=GRACE)
        try:
            with anyio.fail_after(10):
                await server.stop(polite=False)
        finally:  # the streams no task ever served
            for stream in (server._incoming, server._incoming_send, server._outgoing, server._outgoing_receive):
                stream.close()
            server._close_pipes()

    try:
        began = time.monotonic()
        anyio.run(main)
        assert time.monotonic() - began < 0.5 + SLACK  # the writer's stop is waited for half a second at most
        assert process.returncode == -signal.SIGTERM
        assert reporter.debugs[-1] == f"server stopped (exit code {-signal.SIGTERM})"
    finally:
        discard(process)


def test_a_process_without_pipes_is_refused() -> None:
    plan = scripted()
    process = subprocess.Popen([sys.executable, "-c", ""], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with pytest.raises(RuntimeError, match=r"^server process was started without pipes$"):
            ServerProcess(plan, process, Recorder(), ProbeLimits())
    finally:
        discard(process)

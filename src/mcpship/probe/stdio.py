"""A server process spoken to over stdio, owned by mcpship so failures can be explained and bounded.

The SDK's ``stdio_client`` hides the process: when a server dies at start-up, prints a banner on stdout or
hangs, the caller sees a closed stream or a bare timeout. Here mcpship keeps the process, so it can say
*how* the server failed (exit code and stderr tail, the offending stdout line). The process is spawned
with the standard library alone (:mod:`mcpship.probe.spawn`, before anyio and the SDK are imported); its
pipes are then read and written without blocking, from the event loop. No thread ever waits on a pipe, so
a process the server started that keeps a pipe open can delay nothing: the session's deadline holds, and
:func:`mcpship.probe.reap.stop_process_tree` then stops that process too.

Everything read is bounded (:class:`mcpship.probe.limits.ProbeLimits`): a stdout line longer than one
message may be is an error as soon as it is that long, the session's bytes and JSON values are counted,
and only the tail of stderr is kept.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from functools import partial
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

import anyio
import anyio.to_thread
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from mcpship._exceptions import ProbeError, ProtocolViolationError, ServerExitedError
from mcpship._groups import unwrapped_groups
from mcpship._reporter import Reporter
from mcpship.probe.limits import ProbeLimits, ReadBudget
from mcpship.probe.plan import StdioPlan
from mcpship.probe.reap import GRACE_SECONDS, server_pipes, stop_process_tree

if TYPE_CHECKING:
    from mcp.shared.message import SessionMessage

__all__ = ["ServerProcess", "attach"]

_CHUNK = 65_536
_DEBUG_LINE_BYTES = 4_096  # a stderr line shown with -v is cut here
_TAIL_LINES = 20
_EXIT_POLL_SECONDS = 0.01
_WRITER_STOP_SECONDS = 0.5


class ServerProcess:
    """A running server: MCP streams for the SDK client, plus what went wrong if anything did."""

    def __init__(
        self,
        plan: StdioPlan,
        process: subprocess.Popen[bytes],
        reporter: Reporter,
        limits: ProbeLimits,
        *,
        grace: float = GRACE_SECONDS,
    ) -> None:
        self.plan = plan
        self.process = process
        self.failed = anyio.Event()
        self.error: ProbeError | None = None
        self.budget = ReadBudget(limits, plan.label)
        self._limits = limits
        self._grace = grace
        self._reporter = reporter
        self._pipes = server_pipes(process)  # taken now: stop() must find whoever else holds them
        self._stdin = _pipe(process.stdin)
        self._stdout = _pipe(process.stdout)
        self._stderr = _pipe(process.stderr)
        for pipe in (self._stdin, self._stdout, self._stderr):
            os.set_blocking(pipe.fileno(), False)  # our ends only: the server's ends are other file descriptions
        self._stderr_tail = bytearray()
        self._closing = False
        self._stopped = False
        self._stderr_done = anyio.Event()
        self._writer_done = anyio.Event()
        self._writer_scope = anyio.CancelScope()
        # Typed by annotation, not subscription: SessionMessage is imported only once the server is spawning.
        self._incoming_send: MemoryObjectSendStream[SessionMessage | Exception]
        self._incoming: MemoryObjectReceiveStream[SessionMessage | Exception]
        self._incoming_send, self._incoming = anyio.create_memory_object_stream(64)
        self._outgoing: MemoryObjectSendStream[SessionMessage]
        self._outgoing_receive: MemoryObjectReceiveStream[SessionMessage]
        self._outgoing, self._outgoing_receive = anyio.create_memory_object_stream(64)

    # The SDK's Transport protocol: an async context manager yielding (read_stream, write_stream).
    async def __aenter__(
        self,
    ) -> tuple[MemoryObjectReceiveStream[SessionMessage | Exception], MemoryObjectSendStream[SessionMessage]]:
        return self._incoming, self._outgoing

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._closing = True

    def stderr_tail(self, lines: int = _TAIL_LINES) -> str:
        text = bytes(self._stderr_tail).decode(errors="replace")
        return "\n".join(text.rstrip().splitlines()[-lines:])

    def exit_code(self) -> int | None:
        """The server process's exit code if it has exited (a process it started may still hold its pipes)."""
        return self.process.poll()

    def _fail(self, error: ProbeError) -> None:
        if self.error is None and not self._closing:
            self.error = error
            self.failed.set()

    async def _read_stdout(self) -> None:
        from mcp_types import jsonrpc_message_adapter

        from mcpship.probe._sdk import client_sdk

        async with self._incoming_send:
            if await self._pump_stdout(jsonrpc_message_adapter, client_sdk().message):
                await self._report_exit()

    async def _pump_stdout(self, adapter: Any, message_class: Any) -> bool:
        """Deliver each stdout line as a message; True at end of file, False once the server broke a rule."""
        pending = bytearray()  # the line being read; never longer than one message may be
        while chunk := await _read(self._stdout):
            pieces = chunk.split(b"\n")
            pending += pieces[0]
            if len(pieces) > 1:
                lines = [bytes(pending), *pieces[1:-1]]
                pending = bytearray(pieces[-1])
                for line in lines:
                    if not await self._deliver(line, adapter, message_class):
                        return False
            if error := self.budget.too_long(len(pending), "wrote a line on stdout"):
                self._fail(error)
                return False
        return True

    async def _deliver(self, line: bytes, adapter: Any, message_class: Any) -> bool:
        line = line.strip()
        if not line:
            return True
        if error := self.budget.too_long(len(line), "wrote a line on stdout") or self.budget.charge(line):
            self._fail(error)
            return False
        try:
            message = adapter.validate_json(line, by_name=False)
        except ValueError:
            self._fail(_not_mcp(self.plan, line))
            return False
        with suppress(anyio.BrokenResourceError):  # the client stopped reading; read on, to see how it ends
            await self._incoming_send.send(message_class(message))
        return True

    async def _report_exit(self) -> None:
        """stdout closed: unless we are shutting it down, the server died. Say how."""
        if self._closing:
            return
        code = await self._wait_exit(self._grace)
        with anyio.move_on_after(1.0):
            await self._stderr_done.wait()  # the last stderr lines usually explain the exit
        tail = self.stderr_tail()
        status = f"exited with code {code}" if code is not None else "closed its stdout"
        shown = f"; its stderr ends with:\n{_indent(tail)}" if tail else " and wrote nothing to stderr"
        self._fail(
            ServerExitedError(
                f"the server ({self.plan.label}) {status} before answering{shown}",
                hint=f"run it by hand to see why: {self.plan.display_command}",
                returncode=code,
                stderr_tail=tail,
            )
        )

    async def _write_stdin(self) -> None:
        try:
            with self._writer_scope:
                async with self._outgoing_receive:
                    async for session_message in self._outgoing_receive:
                        data = session_message.message.model_dump_json(by_alias=True, exclude_unset=True) + "\n"
                        if not await _write(self._stdin, data.encode()):
                            return  # the stdout reader reports the exit
        finally:
            self._writer_done.set()

    async def _read_stderr(self) -> None:
        """Keep the last ``stderr_tail_bytes`` for error messages; show each line (cut) with ``-v``."""
        keep = self._limits.stderr_tail_bytes
        line = bytearray()
        try:
            while chunk := await _read(self._stderr):
                self._stderr_tail += chunk
                if len(self._stderr_tail) > keep:
                    del self._stderr_tail[: len(self._stderr_tail) - keep]
                pieces = chunk.split(b"\n")
                for index, piece in enumerate(pieces):
                    line += piece[: max(0, _DEBUG_LINE_BYTES - len(line))]
                    if index < len(pieces) - 1:
                        self._reporter.debug(f"server stderr: {line.decode(errors='replace').rstrip()}")
                        line.clear()
        finally:
            self._stderr_done.set()

    async def _start_pipes(self, group: TaskGroup) -> None:
        group.start_soon(self._read_stdout)
        group.start_soon(self._write_stdin)
        group.start_soon(self._read_stderr)

    async def _wait_exit(self, seconds: float) -> int | None:
        with anyio.move_on_after(seconds):
            while self.process.poll() is None:
                await anyio.sleep(_EXIT_POLL_SECONDS)
        return self.process.returncode

    async def stop(self, *, polite: bool) -> None:
        """Stop the server and every process it started (see :mod:`mcpship.probe.reap`).

        ``polite``: the session ended normally, so the server gets the spec's shutdown (stdin closed, a grace
        period to exit) before any signal. Otherwise the signals come at once.
        """
        if self._stopped:
            return
        self._stopped = self._closing = True
        self._reporter.debug("stopping the server (closing its stdin)")
        self._writer_scope.cancel()  # the writer may be waiting for the pipe; it must stop before it closes
        with anyio.move_on_after(_WRITER_STOP_SECONDS):
            await self._writer_done.wait()
        anyio.notify_closing(self._stdin)
        self._stdin.close()
        stop = partial(
            stop_process_tree,
            self.process,
            pipes=self._pipes,
            polite=polite,
            grace=self._grace,
            debug=self._reporter.debug,
        )
        code = await anyio.to_thread.run_sync(stop)  # bounded: at most three grace periods
        self._reporter.debug(f"server stopped (exit code {code})")

    def _close_pipes(self) -> None:
        """Close our ends of stdout and stderr; the readers are gone by now, whoever still holds the others."""
        for pipe in (self._stdout, self._stderr):
            pipe.close()


@asynccontextmanager
async def attach(
    plan: StdioPlan,
    process: subprocess.Popen[bytes],
    reporter: Reporter,
    limits: ProbeLimits | None = None,
    *,
    grace: float = GRACE_SECONDS,
) -> AsyncIterator[ServerProcess]:
    """Serve a spawned server's pipes as MCP streams; stop its whole process tree on exit, whatever happened.

    ``grace``: how long the server gets to exit after its stdin closes, and after SIGTERM (see
    :func:`mcpship.probe.reap.stop_process_tree`); also how long a server whose stdout closed gets to exit
    before the error says so."""
    server = ServerProcess(plan, process, reporter, limits or ProbeLimits(), grace=grace)
    try:
        async with unwrapped_groups(), anyio.create_task_group() as group:
            await server._start_pipes(group)
            polite = False
            try:
                yield server
                polite = server.error is None
            finally:
                with anyio.CancelScope(shield=True):
                    await server.stop(polite=polite)
                group.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True):
            await server.stop(polite=False)  # nothing to do when stopped above
        server._close_pipes()


async def _read(pipe: IO[bytes]) -> bytes:
    """The next chunk from a non-blocking pipe; ``b""`` at end of file."""
    while True:
        try:
            return os.read(pipe.fileno(), _CHUNK)
        except BlockingIOError:
            await anyio.wait_readable(pipe)


async def _write(pipe: IO[bytes], data: bytes) -> bool:
    """Write all of ``data`` to a non-blocking pipe; False once the reader is gone."""
    view = memoryview(data)
    while view:
        try:
            written = os.write(pipe.fileno(), view)
        except BlockingIOError:
            await anyio.wait_writable(pipe)
            continue
        except OSError:  # BrokenPipeError: the server exited or closed its stdin
            return False
        view = view[written:]
    return True


def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
    if stream is None:  # spawn() always opens all three pipes
        raise RuntimeError("server process was started without pipes")
    return stream


def _not_mcp(plan: StdioPlan, line: bytes) -> ProtocolViolationError:
    shown = line[:400].decode(errors="replace")
    shown = shown if len(shown) <= 200 else shown[:200] + "…"
    return ProtocolViolationError(
        f"the server ({plan.label}) wrote a line on stdout that is not an MCP JSON-RPC message: {shown!r}",
        hint="stdout is reserved for MCP messages over stdio; send logs and banners to stderr",
    )


def _indent(text: str) -> str:
    return "\n".join(f"  | {line}" for line in text.splitlines())

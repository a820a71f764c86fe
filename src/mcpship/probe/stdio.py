"""A server process spoken to over stdio, owned by mcpship so failures can be explained.

The SDK's ``stdio_client`` hides the process: when a server dies at start-up, prints a banner on stdout or
hangs, the caller sees a closed stream or a bare timeout. Here mcpship keeps the process, so it can say
*how* the server failed (exit code and stderr tail, the offending stdout line). The pipes are served by
anyio worker threads, which lets the process be spawned (:mod:`mcpship.probe.spawn`) before anyio and the
SDK are even imported.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

import anyio
import anyio.to_thread
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from mcpship._exceptions import ProbeError, ProtocolViolationError, ServerExitedError
from mcpship._groups import unwrapped_groups
from mcpship._reporter import Reporter
from mcpship.probe.plan import StdioPlan

if TYPE_CHECKING:
    from mcp.shared.message import SessionMessage

__all__ = ["ServerProcess", "attach"]

_STDERR_TAIL_BYTES = 16_384
_GRACE_SECONDS = 2.0
_TAIL_LINES = 20


class ServerProcess:
    """A running server: MCP streams for the SDK client, plus what went wrong if anything did."""

    def __init__(self, plan: StdioPlan, process: subprocess.Popen[bytes], reporter: Reporter) -> None:
        self.plan = plan
        self.process = process
        self.failed = anyio.Event()
        self.error: ProbeError | None = None
        self._reporter = reporter
        self._stderr: deque[bytes] = deque()
        self._stderr_size = 0
        self._closing = False
        self._stopped = False
        self._stderr_done = anyio.Event()
        self._stdout_done = anyio.Event()
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
        text = b"".join(self._stderr).decode("utf-8", errors="replace")
        return "\n".join(text.rstrip().splitlines()[-lines:])

    def _fail(self, error: ProbeError) -> None:
        if self.error is None and not self._closing:
            self.error = error
            self.failed.set()

    async def _read_stdout(self) -> None:
        from mcp.shared.message import SessionMessage
        from mcp_types import jsonrpc_message_adapter

        stdout = _pipe(self.process.stdout)
        try:
            await self._pump_stdout(stdout, jsonrpc_message_adapter, SessionMessage)
        finally:
            self._stdout_done.set()

    async def _pump_stdout(self, stdout: IO[bytes], adapter: Any, message_class: Any) -> None:
        async with self._incoming_send:
            while raw := await anyio.to_thread.run_sync(stdout.readline, abandon_on_cancel=True):
                line = raw.strip()
                if not line:
                    continue
                try:
                    message = adapter.validate_json(line, by_name=False)
                except ValueError:
                    self._fail(_not_mcp(self.plan, line))
                    return
                with suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
                    await self._incoming_send.send(message_class(message))
            await self._report_exit()

    async def _report_exit(self) -> None:
        """stdout closed: unless we are shutting it down, the server died. Say how."""
        if self._closing:
            return
        code = await self._wait(_GRACE_SECONDS)
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
        stdin = _pipe(self.process.stdin)

        def write(data: bytes) -> bool:
            try:
                stdin.write(data)
                stdin.flush()
            except (BrokenPipeError, ValueError, OSError):
                return False
            return True

        async with self._outgoing_receive:
            async for session_message in self._outgoing_receive:
                data = session_message.message.model_dump_json(by_alias=True, exclude_unset=True) + "\n"
                if not await anyio.to_thread.run_sync(write, data.encode()):
                    return  # the stdout reader reports the exit

    async def _read_stderr(self) -> None:
        stderr = _pipe(self.process.stderr)
        try:
            while chunk := await anyio.to_thread.run_sync(stderr.readline, abandon_on_cancel=True):
                self._stderr.append(chunk)
                self._stderr_size += len(chunk)
                while self._stderr_size > _STDERR_TAIL_BYTES and len(self._stderr) > 1:
                    self._stderr_size -= len(self._stderr.popleft())
                self._reporter.debug(f"server stderr: {chunk.decode('utf-8', errors='replace').rstrip()}")
        finally:
            self._stderr_done.set()

    async def _start_pipes(self, group: TaskGroup) -> None:
        group.start_soon(self._read_stdout)
        group.start_soon(self._write_stdin)
        group.start_soon(self._read_stderr)

    async def _wait(self, seconds: float) -> int | None:
        def wait() -> int | None:
            try:
                return self.process.wait(seconds)
            except subprocess.TimeoutExpired:
                return None

        return await anyio.to_thread.run_sync(wait, abandon_on_cancel=True)

    async def stop(self) -> None:
        """The spec's shutdown: close stdin, wait, then SIGTERM and SIGKILL the whole process group."""
        if self._stopped:
            return
        self._stopped = self._closing = True
        self._reporter.debug("stopping the server (closing its stdin)")
        with suppress(OSError, ValueError):
            _pipe(self.process.stdin).close()
        code = await self._wait(_GRACE_SECONDS)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if code is not None:
                break
            self._reporter.debug(f"server still running; sending {sig.name} to its process group")
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, sig)
            code = await self._wait(_GRACE_SECONDS)
        self._reporter.debug(f"server stopped (exit code {code})")


@asynccontextmanager
async def attach(plan: StdioPlan, process: subprocess.Popen[bytes], reporter: Reporter) -> AsyncIterator[ServerProcess]:
    """Serve a spawned server's pipes as MCP streams; stop the process tree on exit, whatever happened."""
    server = ServerProcess(plan, process, reporter)
    try:
        async with unwrapped_groups(), anyio.create_task_group() as group:
            await server._start_pipes(group)
            try:
                yield server
            finally:
                with anyio.CancelScope(shield=True):
                    await server.stop()
                group.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True):
            await server.stop()
        # Close our ends only once their reader threads saw EOF: closing a pipe a thread is blocked on can hang.
        if server._stdout_done.is_set() and server._stderr_done.is_set():
            for pipe in (process.stdout, process.stderr):
                with suppress(OSError, ValueError):
                    _pipe(pipe).close()


def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
    if stream is None:  # spawn() always opens all three pipes
        raise RuntimeError("server process was started without pipes")
    return stream


def _not_mcp(plan: StdioPlan, line: bytes) -> ProtocolViolationError:
    shown = line.decode("utf-8", errors="replace")
    shown = shown if len(shown) <= 200 else shown[:200] + "…"
    return ProtocolViolationError(
        f"the server ({plan.label}) wrote a line on stdout that is not an MCP JSON-RPC message: {shown!r}",
        hint="stdout is reserved for MCP messages over stdio; send logs and banners to stderr",
    )


def _indent(text: str) -> str:
    return "\n".join(f"  | {line}" for line in text.splitlines())

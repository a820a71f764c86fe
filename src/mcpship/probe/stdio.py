"""A server process spoken to over stdio, owned by mcpship so failures can be explained.

The SDK's ``stdio_client`` hides the process: when a server dies at start-up, prints a banner on stdout or
hangs, the caller sees a closed stream or a bare timeout. This transport keeps the process, so it can say
*how* the server failed (exit code and stderr tail, the offending stdout line). It is spawned before the
heavy ``mcp`` imports so the server boots while mcpship loads the SDK (two cores, half the wait).
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import anyio
from anyio.abc import Process, TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from mcpship._exceptions import ProbeError, ProtocolViolationError, ServerExitedError, ServerStartError
from mcpship._groups import unwrapped_groups
from mcpship._reporter import Reporter
from mcpship.probe.plan import StdioPlan

if TYPE_CHECKING:
    from mcp.shared.message import SessionMessage

__all__ = ["ServerProcess", "start_server"]

_STDERR_TAIL_BYTES = 16_384
_GRACE_SECONDS = 2.0
_TAIL_LINES = 20


class ServerProcess:
    """A running server: MCP streams for the SDK client, plus what went wrong if anything did."""

    def __init__(self, plan: StdioPlan, process: Process, reporter: Reporter) -> None:
        self.plan = plan
        self.process = process
        self.failed = anyio.Event()
        self.error: ProbeError | None = None
        self._reporter = reporter
        self._stderr: deque[bytes] = deque()
        self._stderr_size = 0
        self._closing = False
        self._stderr_done = anyio.Event()
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

        assert self.process.stdout is not None
        buffer = b""
        async with self._incoming_send:
            async for chunk in self.process.stdout:
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for raw in lines:
                    line = raw.strip()
                    if not line:
                        continue
                    try:
                        message = jsonrpc_message_adapter.validate_json(line, by_name=False)
                    except ValueError:
                        self._fail(_not_mcp(self.plan, line))
                        return
                    with suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
                        await self._incoming_send.send(SessionMessage(message))
            await self._report_exit()

    async def _report_exit(self) -> None:
        """stdout closed: unless we are shutting it down, the server died. Say how."""
        if self._closing:
            return
        with anyio.move_on_after(_GRACE_SECONDS):
            await self.process.wait()
        with anyio.move_on_after(1.0):
            await self._stderr_done.wait()  # the last stderr lines usually explain the exit
        code = self.process.returncode
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
        assert self.process.stdin is not None
        async with self._outgoing_receive:
            async for session_message in self._outgoing_receive:
                data = session_message.message.model_dump_json(by_alias=True, exclude_unset=True) + "\n"
                try:
                    await self.process.stdin.send(data.encode())
                except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
                    return  # the stdout reader reports the exit

    async def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        try:
            async for chunk in self.process.stderr:
                self._stderr.append(chunk)
                self._stderr_size += len(chunk)
                while self._stderr_size > _STDERR_TAIL_BYTES and len(self._stderr) > 1:
                    self._stderr_size -= len(self._stderr.popleft())
                for line in chunk.decode("utf-8", errors="replace").splitlines():
                    self._reporter.debug(f"server stderr: {line}")
        finally:
            self._stderr_done.set()

    async def _start_pipes(self, group: TaskGroup) -> None:
        group.start_soon(self._read_stdout)
        group.start_soon(self._write_stdin)
        group.start_soon(self._read_stderr)

    async def _stop(self) -> None:
        """The spec's shutdown: close stdin, wait, then SIGTERM and SIGKILL the whole process group."""
        self._closing = True
        with suppress(Exception):
            if self.process.stdin is not None:
                await self.process.stdin.aclose()
        with anyio.move_on_after(_GRACE_SECONDS):
            await self.process.wait()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.process.returncode is not None:
                break
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, sig)
            with anyio.move_on_after(_GRACE_SECONDS):
                await self.process.wait()


@asynccontextmanager
async def start_server(plan: StdioPlan, reporter: Reporter) -> AsyncIterator[ServerProcess]:
    """Spawn the server, then load the SDK while it boots; stop the process tree on exit."""
    reporter.debug(f"starting: {plan.display_command} (cwd {plan.cwd or Path.cwd()})")
    try:
        process = await anyio.open_process(
            list(plan.argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=plan.env,
            cwd=plan.cwd,
            start_new_session=True,  # its own process group, so a wrapper's children die with it
        )
    except OSError as exc:
        raise ServerStartError(
            f"could not start the server ({plan.label}): {plan.argv[0]}: {exc.strerror or exc}",
            hint="check that the command exists and is executable",
        ) from exc
    server = ServerProcess(plan, process, reporter)
    try:
        import mcp.shared.message  # noqa: F401  (loaded now, while the server starts)
        import mcp_types  # noqa: F401

        async with unwrapped_groups(), anyio.create_task_group() as group:
            await server._start_pipes(group)
            try:
                yield server
            finally:
                with anyio.CancelScope(shield=True):
                    await server._stop()
                group.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True):
            await server._stop()
            await process.aclose()


def _not_mcp(plan: StdioPlan, line: bytes) -> ProtocolViolationError:
    shown = line.decode("utf-8", errors="replace")
    shown = shown if len(shown) <= 200 else shown[:200] + "…"
    return ProtocolViolationError(
        f"the server ({plan.label}) wrote a line on stdout that is not an MCP JSON-RPC message: {shown!r}",
        hint="stdout is reserved for MCP messages over stdio; send logs and banners to stderr",
    )


def _indent(text: str) -> str:
    return "\n".join(f"  | {line}" for line in text.splitlines())

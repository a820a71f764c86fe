"""Connect with the official SDK client (``server/discover`` first, ``initialize`` as fallback) and collect
everything the server lists, following pagination."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

import anyio

from mcpship.__about__ import __version__
from mcpship._exceptions import (
    McpshipError,
    ProbeError,
    ProtocolViolationError,
    ServerConnectionError,
    ServerTimeoutError,
)
from mcpship._groups import first_failure, unwrapped_groups
from mcpship._reporter import NullReporter, Reporter
from mcpship.probe._sdk import client_sdk
from mcpship.probe.limits import ProbeLimits, ReadBudget
from mcpship.probe.plan import HttpPlan, LaunchPlan, StdioPlan
from mcpship.probe.snapshot import JsonObject, ServerSnapshot
from mcpship.probe.spawn import spawn
from mcpship.probe.stdio import attach

if TYPE_CHECKING:
    from mcp.client.session import ClientSession

__all__ = ["inspect_plan", "inspect_spawned"]

_FAILURE_SETTLE_SECONDS = 3.0


class _Watched(Protocol):
    """What a transport says when it, not the SDK, saw the server break a rule (or die)."""

    failed: anyio.Event
    error: ProbeError | None


async def inspect_plan(
    plan: LaunchPlan, *, timeout: float = 60.0, reporter: Reporter | None = None, limits: ProbeLimits | None = None
) -> ServerSnapshot:
    """Start or reach the server in ``plan``, list its whole interface and stop it again."""
    reporter = reporter or NullReporter()
    limits = limits or ProbeLimits()
    if isinstance(plan, HttpPlan):
        return await _inspect_http(plan, timeout, reporter, limits)
    return await inspect_spawned(plan, spawn(plan), timeout=timeout, reporter=reporter, limits=limits)


async def inspect_spawned(
    plan: StdioPlan,
    process: subprocess.Popen[bytes],
    *,
    timeout: float,
    reporter: Reporter | None = None,
    limits: ProbeLimits | None = None,
) -> ServerSnapshot:
    """Talk to a server already spawned from ``plan`` (see :func:`mcpship.probe.spawn.spawn`), then stop it and
    every process it started."""
    reporter = reporter or NullReporter()
    limits = limits or ProbeLimits()
    reporter.debug(f"spawned pid {process.pid}: {plan.display_command}")
    async with attach(plan, process, reporter, limits) as server:
        client_sdk()  # the slow import (the SDK's pydantic models), while the server boots
        reporter.debug("MCP client loaded")
        outcome = await _session(server, server, plan.label, timeout, limits, reporter, settle=_FAILURE_SETTLE_SECONDS)
        if isinstance(outcome, ServerSnapshot):
            return outcome
        tail = server.stderr_tail(8)
        shown = f"; its stderr ends with:\n{tail}" if tail else ""
        code = server.exit_code()
        held = (
            f" (the server process itself exited with code {code}, but a process it started kept its stdout open)"
            if code is not None
            else ""
        )
        raise ServerTimeoutError(
            f"the server ({plan.label}) did not answer within {timeout:g} s{held}{shown}",
            hint="it may be waiting for input or configuration; raise --timeout, or run it with -v to watch stderr",
        )


async def _inspect_http(plan: HttpPlan, timeout: float, reporter: Reporter, limits: ProbeLimits) -> ServerSnapshot:
    client_sdk()  # first: the SDK's client side without its server side
    from mcp.client.streamable_http import streamable_http_client

    from mcpship.probe.http import bounded_http_client

    reporter.debug(f"connecting to {plan.url}")
    watched = _HttpFailure()
    async with bounded_http_client(ReadBudget(limits, plan.url), watched.fail) as http:
        transport = streamable_http_client(plan.url, http_client=http, max_sse_event_size=limits.max_message_bytes)
        outcome = await _session(transport, watched, plan.label, timeout, limits, reporter)
    if isinstance(outcome, ServerSnapshot):
        return outcome
    raise ServerTimeoutError(
        f"{plan.url} did not answer within {timeout:g} s", hint="check the URL and that the server is up"
    )


class _HttpFailure:
    def __init__(self) -> None:
        self.failed = anyio.Event()
        self.error: ProbeError | None = None

    def fail(self, error: ProbeError) -> None:
        if self.error is None:
            self.error = error
            self.failed.set()


async def _session(
    transport: Any,
    watched: _Watched,
    label: str,
    timeout: float,
    limits: ProbeLimits,
    reporter: Reporter,
    *,
    settle: float = 0.0,
) -> ServerSnapshot | None:
    """List everything within ``timeout``; None when the time ran out. A failure the transport saw (the
    server died, broke a limit) wins over the symptom the SDK reports (a closed stream); ``settle`` is how
    long to wait for the transport to explain an SDK failure."""
    result: ServerSnapshot | None = None
    failure: BaseException | None = None
    with anyio.move_on_after(timeout):
        async with unwrapped_groups(), anyio.create_task_group() as group:

            async def watch() -> None:
                await watched.failed.wait()
                group.cancel_scope.cancel()

            group.start_soon(watch)
            try:
                async with _connected(transport, timeout) as client:
                    result = await _collect(client, label, limits, reporter)
            except Exception as exc:  # translated below, once we know whether the transport saw the cause
                failure = exc
            group.cancel_scope.cancel()
    if result is not None:
        return result
    ours = failure is not None and isinstance(first_failure(failure), McpshipError)  # a limit: nothing to wait for
    if failure is not None and not ours and watched.error is None and settle:
        with anyio.move_on_after(settle):
            await watched.failed.wait()  # "connection closed" is a symptom; the exit is the cause
    if watched.error is not None:
        raise watched.error
    if failure is not None:
        raise _translate(failure, label) from failure
    return None


@asynccontextmanager
async def _connected(transport: Any, timeout: float) -> AsyncIterator[ClientSession]:
    """A session over ``transport`` with the era negotiated: what ``mcp.Client(transport, mode="auto")`` does
    on entry (server/discover, else initialize), without the module that also imports the SDK's server side."""
    sdk = client_sdk()
    async with transport as (read_stream, write_stream):
        session = sdk.session(
            dispatcher=sdk.dispatcher(read_stream, write_stream),
            read_timeout_seconds=timeout,
            client_info=sdk.implementation(name="mcpship", version=__version__),
        )  # no response cache: a probe must see what the server says now
        async with session:
            await sdk.negotiate_auto(session)
            yield session


async def _collect(client: ClientSession, label: str, limits: ProbeLimits, reporter: Reporter) -> ServerSnapshot:
    protocol_version, capabilities = client.protocol_version, client.server_capabilities
    assert protocol_version is not None  # both set by the negotiation, or it raised
    assert capabilities is not None
    reporter.debug(f"connected: protocol {protocol_version}")
    info = client.server_info
    pages = partial(_all_pages, label=label, limits=limits)
    tools = await pages(client.list_tools, "tools") if capabilities.tools is not None else []
    prompts = await pages(client.list_prompts, "prompts") if capabilities.prompts is not None else []
    resources: list[JsonObject] = []
    templates: list[JsonObject] = []
    if capabilities.resources is not None:
        resources = await pages(client.list_resources, "resources")
        templates = await pages(client.list_resource_templates, "resource_templates")
    reporter.debug(f"listed {len(tools)} tools, {len(prompts)} prompts, {len(resources)} resources")
    return ServerSnapshot(
        target=label,
        protocol_version=protocol_version,
        server_info=_dump(info) if info is not None else {},
        capabilities=_dump(capabilities),
        instructions=client.instructions,
        tools=tools,
        prompts=prompts,
        resources=resources,
        resource_templates=templates,
    )


async def _all_pages(
    fetch: Callable[..., Awaitable[Any]], attribute: str, *, label: str, limits: ProbeLimits
) -> list[JsonObject]:
    """Follow a list's cursors to its end, within the limits: a server may paginate forever."""
    kind = attribute.replace("_", " ")
    params = client_sdk().page_params
    items: list[JsonObject] = []
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(limits.max_pages):
        page = await fetch(params=params(cursor=cursor))  # as mcp.Client sends it, first page too
        listed = getattr(page, attribute)
        if len(items) + len(listed) > limits.max_items:
            raise ProtocolViolationError(
                f"the server ({label}) listed more than {limits.max_items:,} {kind}; mcpship stopped listing",
                hint="a real interface is far smaller; check what the server lists (run it with -v)",
            )
        items.extend(_dump(item) for item in listed)
        cursor = page.next_cursor
        if not cursor:
            return items
        if cursor in seen:
            raise ProtocolViolationError(
                f"the server ({label}) returned the {kind} cursor {_quoted(cursor)} a second time: "
                "its pagination loops",
                hint="each page's nextCursor must lead to a page not listed before",
            )
        seen.add(cursor)
    raise ProtocolViolationError(
        f"the server ({label}) still returned a next cursor for {kind} after {limits.max_pages:,} pages; "
        "mcpship stopped listing",
        hint="a server's pagination must end; check how it builds nextCursor",
    )


def _quoted(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:80] + "…")


def _dump(model: Any) -> JsonObject:
    dumped: JsonObject = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped


def _translate(exc: BaseException, label: str) -> McpshipError:
    """One boundary for foreign errors: SDK, transport and validation failures become ProbeErrors."""
    if isinstance(exc, McpshipError):
        return exc
    leaf = first_failure(exc)
    if isinstance(leaf, McpshipError):
        return leaf
    import httpx2

    client_sdk()  # mcp.shared without the SDK's server side
    from mcp.shared.exceptions import MCPError
    from pydantic import ValidationError

    if isinstance(leaf, httpx2.TransportError | ConnectionError):
        return ServerConnectionError(
            f"could not reach {label}: {str(leaf) or type(leaf).__name__}",
            hint="check the URL, and that the server is running and listening on that address",
        )
    if isinstance(leaf, MCPError):
        return ServerConnectionError(
            f"{label} answered with an MCP error {leaf.error.code}: {leaf.error.message}",
            hint="check that the URL points at an MCP endpoint (often /mcp) and that no auth is required",
        )
    if isinstance(leaf, ValidationError):
        return ProtocolViolationError(
            f"{label} sent a reply that does not match the MCP schema: {leaf.errors()[0]['msg']}",
            hint="the server is not speaking MCP correctly; compare it with the specification",
        )
    return ProbeError(f"talking to {label} failed: {type(leaf).__name__}: {leaf}", hint="run with -v for details")

"""Connect with the official SDK client (``server/discover`` first, ``initialize`` as fallback) and collect
everything the server lists, following pagination."""

from __future__ import annotations

import subprocess
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

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
from mcpship.probe.plan import HttpPlan, LaunchPlan, StdioPlan
from mcpship.probe.snapshot import JsonObject, ServerSnapshot
from mcpship.probe.spawn import spawn
from mcpship.probe.stdio import attach

if TYPE_CHECKING:
    from mcp.client.client import Client

__all__ = ["inspect_plan", "inspect_spawned"]

_MAX_PAGES = 1000  # a server whose cursor never ends must not hang us
_FAILURE_SETTLE_SECONDS = 3.0


async def inspect_plan(plan: LaunchPlan, *, timeout: float = 60.0, reporter: Reporter | None = None) -> ServerSnapshot:
    """Start or reach the server in ``plan``, list its whole interface and stop it again."""
    reporter = reporter or NullReporter()
    if isinstance(plan, HttpPlan):
        return await _inspect_http(plan, timeout, reporter)
    return await inspect_spawned(plan, spawn(plan), timeout=timeout, reporter=reporter)


async def inspect_spawned(
    plan: StdioPlan, process: subprocess.Popen[bytes], *, timeout: float, reporter: Reporter | None = None
) -> ServerSnapshot:
    """Talk to a server already spawned from ``plan`` (see :func:`mcpship.probe.spawn.spawn`), then stop it."""
    reporter = reporter or NullReporter()
    reporter.debug(f"spawned pid {process.pid}: {plan.display_command}")
    async with attach(plan, process, reporter) as server:
        from mcp.client.client import Client

        reporter.debug("MCP client loaded")

        async def work() -> ServerSnapshot:
            async with _client(Client, server, timeout) as client:
                return await _collect(client, plan.label, reporter)

        result: ServerSnapshot | None = None
        failure: BaseException | None = None
        with anyio.move_on_after(timeout) as deadline:
            async with unwrapped_groups(), anyio.create_task_group() as group:

                async def watch() -> None:
                    await server.failed.wait()
                    group.cancel_scope.cancel()

                group.start_soon(watch)
                try:
                    result = await work()
                except Exception as exc:  # translated below, once we know whether the process died
                    failure = exc
                group.cancel_scope.cancel()
        if result is not None:
            return result
        if failure is not None and server.error is None:
            with anyio.move_on_after(_FAILURE_SETTLE_SECONDS):
                await server.failed.wait()  # "connection closed" is a symptom; the exit is the cause
        if server.error is not None:
            raise server.error
        if failure is not None:
            raise _translate(failure, plan.label) from failure
        if deadline.cancelled_caught:
            tail = server.stderr_tail(8)
            shown = f"; its stderr ends with:\n{tail}" if tail else ""
            raise ServerTimeoutError(
                f"the server ({plan.label}) did not answer within {timeout:g} s{shown}",
                hint="it may be waiting for input or configuration; raise --timeout, or run it with -v to watch stderr",
            )
        raise ProbeError(f"the session with {plan.label} ended without a result")


async def _inspect_http(plan: HttpPlan, timeout: float, reporter: Reporter) -> ServerSnapshot:
    from mcp.client.client import Client

    reporter.debug(f"connecting to {plan.url}")
    try:
        with anyio.fail_after(timeout):
            async with _client(Client, plan.url, timeout) as client:
                return await _collect(client, plan.label, reporter)
    except TimeoutError:
        raise ServerTimeoutError(
            f"{plan.url} did not answer within {timeout:g} s", hint="check the URL and that the server is up"
        ) from None
    except Exception as exc:
        raise _translate(exc, plan.label) from exc


def _client(client_class: type[Client], server: Any, timeout: float) -> Client:
    from mcp_types import Implementation

    return client_class(
        server,
        mode="auto",
        read_timeout_seconds=timeout,
        client_info=Implementation(name="mcpship", version=__version__),
        cache=None,  # a probe must see what the server says now
    )


async def _collect(client: Client, label: str, reporter: Reporter) -> ServerSnapshot:
    reporter.debug(f"connected: protocol {client.protocol_version}")
    capabilities = client.server_capabilities
    info = client.server_info
    tools = await _all_pages(client.list_tools, "tools") if capabilities.tools is not None else []
    prompts = await _all_pages(client.list_prompts, "prompts") if capabilities.prompts is not None else []
    resources: list[JsonObject] = []
    templates: list[JsonObject] = []
    if capabilities.resources is not None:
        resources = await _all_pages(client.list_resources, "resources")
        templates = await _all_pages(client.list_resource_templates, "resource_templates")
    reporter.debug(f"listed {len(tools)} tools, {len(prompts)} prompts, {len(resources)} resources")
    return ServerSnapshot(
        target=label,
        protocol_version=client.protocol_version,
        server_info=_dump(info) if info is not None else {},
        capabilities=_dump(capabilities),
        instructions=client.instructions,
        tools=tools,
        prompts=prompts,
        resources=resources,
        resource_templates=templates,
    )


async def _all_pages(fetch: Callable[..., Awaitable[Any]], attribute: str) -> list[JsonObject]:
    items: list[JsonObject] = []
    cursor: str | None = None
    for _ in range(_MAX_PAGES):
        page = await fetch(cursor=cursor)
        items.extend(_dump(item) for item in getattr(page, attribute))
        cursor = page.next_cursor
        if not cursor:
            return items
    raise ProtocolViolationError(f"the server kept returning a next cursor for {attribute} after {_MAX_PAGES} pages")


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

"""Publish, admin edit and status changes, in upstream's order so each failure gets upstream's status code
(registry.md §3.4): the body (413 over the size limit, 400 not JSON, 422 not an object), bearer token (401),
permission (403), server.json rules (422), package ownership (400), then the store, whose refusals (duplicate
version, remote URL in use, ...) are 400s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, get_args

import httpx
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from mcpship.registry.api._context import ApiContext
from mcpship.registry.api._responses import json_response
from mcpship.registry.bodies import read_json_object
from mcpship.registry.problems import RegistryHTTPError
from mcpship.registry.records import Status
from mcpship.server_json import PackagePolicy, validate_server_json

__all__ = ["WriteEndpoints"]

STATUSES: tuple[str, ...] = get_args(Status)
INVALID_EDIT_SCHEMA = "Failed to edit server, invalid schema: call /validate for details"
INVALID_SCHEMA = "Failed to publish server, invalid schema: call /validate for details"
_T = TypeVar("_T")


def _schema_errors(server: Mapping[str, Any], detail: str, policy: PackagePolicy) -> RegistryHTTPError | None:
    """The official rules, with this deployment's package registries in place of the official ones."""
    problems = validate_server_json(server, source="request body", policy=policy)
    errors = [p for p in problems if p.severity == "error"]
    if not errors:
        return None
    items = [{"message": p.message, "location": "body" + p.path.removeprefix("$")} for p in errors]
    return RegistryHTTPError(422, detail, errors=items)


def _permission_patterns(claims: Any, actions: tuple[str, ...]) -> str:
    patterns = [f"{p.action}:{p.resource}" for p in getattr(claims, "permissions", ()) if p.action in actions]
    return ", ".join(patterns) if patterns else "none"


def _require(claims: Any, actions: tuple[str, ...], name: str, verb: str) -> None:
    if not any(claims.allows(action, name) for action in actions):
        raise RegistryHTTPError(
            403,
            f"You do not have permission to {verb} this server. Your token's permissions: "
            f"{_permission_patterns(claims, ('publish', 'edit'))}. Attempting to {verb}: {name}",
        )


class WriteEndpoints:
    def __init__(self, context: ApiContext) -> None:
        self._context = context
        self._service = context.service
        self._policy = context.settings.ownership.package_policy()

    def _claims(self, request: Request) -> Any:
        return self._context.authenticate(request.headers.get("authorization"))

    async def _check_ownership(self, server: Mapping[str, Any]) -> None:
        check = self._context.check_ownership
        if check is None:
            return
        ownership = self._context.settings.ownership
        async with httpx.AsyncClient(timeout=ownership.timeout_seconds, follow_redirects=False) as client:
            problems = await check(server, ownership, client)
        if problems:
            raise RegistryHTTPError(400, "Failed to publish server", errors=[{"message": m} for m in problems])

    async def _write(self, write: Callable[..., _T], *args: Any) -> _T:
        """Run a store write in a worker thread; this process's reads see it at once, whatever the staleness."""
        try:
            return await run_in_threadpool(write, *args)
        finally:
            self._context.cache.invalidate()

    async def publish(self, request: Request) -> Response:
        server = await read_json_object(request)
        name = server.get("name")
        if not isinstance(name, str):
            raise _schema_errors(server, INVALID_SCHEMA, self._policy) or RegistryHTTPError(422, INVALID_SCHEMA)
        claims = self._claims(request)
        _require(claims, ("publish",), name, "publish")
        invalid = _schema_errors(server, INVALID_SCHEMA, self._policy)
        if invalid is not None:
            raise invalid
        await self._check_ownership(server)
        record = await self._write(self._service.publish, server)
        return json_response(record.to_wire())

    async def edit(self, request: Request) -> Response:
        name, version = request.path_params["serverName"], request.path_params["version"]
        server = await read_json_object(request)
        claims = self._claims(request)
        _require(claims, ("edit",), name, "edit")
        if server.get("name") != name:
            raise RegistryHTTPError(400, "Cannot rename server")
        if server.get("version") != version:
            raise RegistryHTTPError(400, "Version in request body must match the version in the URL")
        invalid = _schema_errors(server, INVALID_EDIT_SCHEMA, self._policy)
        if invalid is not None:
            raise invalid
        current = await run_in_threadpool(self._service.get_version, name, version, include_deleted=True)
        if current is None or current.official.status == "deleted":
            raise RegistryHTTPError(404, "Server not found")
        await self._check_ownership(server)
        record = await self._write(self._service.edit, name, version, server)
        return json_response(record.to_wire())

    async def _status_change(self, request: Request, version: str | None) -> list[Any]:
        name = request.path_params["serverName"]
        body = await read_json_object(request)
        status, message = body.get("status"), body.get("statusMessage")
        if status not in STATUSES:
            raise RegistryHTTPError(
                422,
                "validation failed",
                errors=[
                    {"message": f"expected one of {', '.join(STATUSES)}", "location": "body.status", "value": status}
                ],
            )
        if message is not None and (not isinstance(message, str) or len(message) > 500):
            raise RegistryHTTPError(
                422,
                "validation failed",
                errors=[{"message": "expected a string of at most 500 characters", "location": "body.statusMessage"}],
            )
        claims = self._claims(request)
        _require(claims, ("publish", "edit"), name, "change the status of")
        if status == "active" and message:
            raise RegistryHTTPError(400, "statusMessage cannot be set when status is active")
        return await self._write(self._service.set_status, name, version, status, message)

    async def version_status(self, request: Request) -> Response:
        records = await self._status_change(request, request.path_params["version"])
        if not records:
            raise RegistryHTTPError(404, "Server not found")
        return json_response(records[0].to_wire())

    async def server_status(self, request: Request) -> Response:
        records = await self._status_change(request, None)
        return json_response({"updatedCount": len(records), "servers": [r.to_wire() for r in records]})

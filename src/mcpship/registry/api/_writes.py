"""Publish, admin edit and status changes, in upstream's order so each failure gets upstream's status code
(registry.md §3.4): body size (413, at the edge), body syntax (400), the request shape of upstream's Go structs
(422, ``_shape``), bearer token (401), permission (403), server.json rules (422), publisher ``_meta`` size and
package ownership (400), then the store, whose refusals (duplicate version, version limit, ...) are 400s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from mcpship.registry.api._context import ApiContext
from mcpship.registry.api._responses import json_response
from mcpship.registry.api._shape import SERVER_JSON, STATUS_BODY, Shape, checked_body
from mcpship.registry.bodies import read_json_object
from mcpship.registry.problems import RegistryHTTPError
from mcpship.server_json import PUBLISHER_META_KEY, PackagePolicy, validate_server_json
from mcpship.server_json.rules import PUBLISHER_META_LIMIT, publisher_meta_bytes

__all__ = ["WriteEndpoints"]

INVALID_EDIT_SCHEMA = "Failed to edit server, invalid schema: call /validate for details"
INVALID_SCHEMA = "Failed to publish server, invalid schema: call /validate for details"
_T = TypeVar("_T")


def _schema_errors(server: Mapping[str, Any], detail: str, policy: PackagePolicy) -> RegistryHTTPError | None:
    """The official rules, with this deployment's package registries in place of the official ones (the size of
    the publisher's ``_meta`` is a later, separate step, as upstream's)."""
    problems = validate_server_json(server, source="request body", policy=policy, publisher_meta_limit=False)
    errors = [p for p in problems if p.severity == "error"]
    if not errors:
        return None
    items = [{"message": p.message, "location": "body" + p.path.removeprefix("$")} for p in errors]
    return RegistryHTTPError(422, detail, errors=items)


def _publish_denied(claims: Any, name: str) -> RegistryHTTPError:
    """Upstream's words (``publish.go: buildPermissionErrorMessage``), the GitHub-organisation hint included."""
    message = f"You do not have permission to publish this server. {claims.describe_permissions('publish')}"
    message += f". Attempting to publish: {name}"
    if name.startswith("io.github."):
        message += _GITHUB_ORGANISATION_HINT
    return RegistryHTTPError(403, message)


_GITHUB_ORGANISATION_HINT = (
    ". If you're trying to publish under a GitHub organization namespace, you must be an Owner of that organization"
    " and authenticate with a credential that can read your organization role. The interactive 'mcp-publisher login"
    " github' flow cannot read organization roles; instead publish from GitHub Actions (which uses OIDC), or run"
    " 'mcp-publisher login github --token <classic PAT with the read:org scope>'."
    " See https://modelcontextprotocol.io/registry/authentication"
)


def _publisher_meta_too_large(server: Mapping[str, Any]) -> RegistryHTTPError | None:
    size = publisher_meta_bytes(server)
    if size is None or size <= PUBLISHER_META_LIMIT:
        return None
    message = f"_meta.{PUBLISHER_META_KEY} extension exceeds 4KB limit ({size} bytes)"
    return RegistryHTTPError(400, "Failed to publish server", errors=[{"message": message}])


class WriteEndpoints:
    def __init__(self, context: ApiContext) -> None:
        self._context = context
        self._service = context.service
        self._policy = context.settings.ownership.package_policy()

    def _claims(self, request: Request) -> Any:
        return self._context.authenticate(request.headers.get("authorization"))

    async def _checked(self, request: Request, shape: Shape) -> Any:
        """The body parsed and held to upstream's request shape (400/422), before the token is looked at."""
        body = await read_json_object(request)
        return checked_body(shape, body, missing_header=not request.headers.get("authorization"))

    async def _check_ownership(self, server: Mapping[str, Any], detail: str) -> None:
        check = self._context.check_ownership
        if check is None:
            return
        ownership = self._context.settings.ownership
        async with httpx.AsyncClient(timeout=ownership.timeout_seconds, follow_redirects=False) as client:
            problems = await check(server, ownership, client)
        if problems:
            raise RegistryHTTPError(400, detail, errors=[{"message": m} for m in problems])

    async def _write(self, write: Callable[..., _T], *args: Any) -> _T:
        """Run a store write in a worker thread; this process's reads see it at once, whatever the staleness."""
        try:
            return await run_in_threadpool(write, *args)
        finally:
            self._context.cache.invalidate()

    async def publish(self, request: Request) -> Response:
        server = await self._checked(request, SERVER_JSON)
        claims = self._claims(request)
        if not claims.allows("publish", server["name"]):
            raise _publish_denied(claims, server["name"])
        refused = _schema_errors(server, INVALID_SCHEMA, self._policy) or _publisher_meta_too_large(server)
        if refused is not None:
            raise refused
        await self._check_ownership(server, "Failed to publish server")
        record = await self._write(self._service.publish, server)
        return json_response(record.to_wire())

    async def edit(self, request: Request) -> Response:
        """Upstream's order (``edit.go``): the version must exist and not be deleted (404) before the edit
        permission is asked for (403), then no rename, the same version (400), the rules (422)."""
        name, version = request.path_params["serverName"], request.path_params["version"]
        server = await self._checked(request, SERVER_JSON)
        claims = self._claims(request)
        current = await run_in_threadpool(self._service.get_version, name, version, include_deleted=False)
        if current is None:
            raise RegistryHTTPError(404, "Server not found")
        if not claims.allows("edit", name):
            raise RegistryHTTPError(403, "You do not have edit permissions for this server")
        if server["name"] != name:
            raise RegistryHTTPError(400, "Cannot rename server")
        if server["version"] != version:
            raise RegistryHTTPError(400, "Version in request body must match URL path parameter")
        invalid = _schema_errors(server, INVALID_EDIT_SCHEMA, self._policy)
        if invalid is not None:
            raise invalid
        await self._check_ownership(server, "Failed to edit server")
        record = await self._write(self._service.edit, name, version, server)
        return json_response(record.to_wire())

    async def _status_change(self, request: Request, version: str | None) -> list[Any]:
        """Upstream's order (``status.go``): the server (or version) must exist (404, deleted ones included)
        before the permission is asked for (403); then the transition rules (400)."""
        name = request.path_params["serverName"]
        body = await self._checked(request, STATUS_BODY)
        status, message = body["status"], body.get("statusMessage")
        claims = self._claims(request)
        if version is None:
            exists = bool(await run_in_threadpool(self._service.list_versions, name, include_deleted=True))
        else:
            exists = await run_in_threadpool(self._service.get_version, name, version, include_deleted=True) is not None
        if not exists:
            raise RegistryHTTPError(404, "Server not found" if version is None else "Server version not found")
        if not (claims.allows("publish", name) or claims.allows("edit", name)):
            raise RegistryHTTPError(403, "You do not have publish or edit permissions for this server")
        if status == "active" and message is not None:
            raise RegistryHTTPError(400, "status_message cannot be provided when setting status to active")
        return await self._write(self._service.set_status, name, version, status, message)

    async def version_status(self, request: Request) -> Response:
        records = await self._status_change(request, request.path_params["version"])
        if not records:
            raise RegistryHTTPError(404, "Server not found")
        return json_response(records[0].to_wire())

    async def server_status(self, request: Request) -> Response:
        records = await self._status_change(request, None)
        return json_response({"updatedCount": len(records), "servers": [r.to_wire() for r in records]})

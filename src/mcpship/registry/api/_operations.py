"""The API as one table: every operation once, with what it takes and returns. Routes (under ``/v0`` and
``/v0.1``) and the OpenAPI document are both generated from it, so the document describes what is served.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mcpship.registry.api._meta import MetaEndpoints
from mcpship.registry.api._reads import ReadEndpoints
from mcpship.registry.api._server_route import Endpoint
from mcpship.registry.api._writes import WriteEndpoints
from mcpship.registry.limits import LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, MAX_QUERY_TEXT_LENGTH, MAX_SEARCH_OFFSET

__all__ = ["API_PREFIXES", "SEARCH_PATH", "Operation", "operations"]

API_PREFIXES = ("/v0", "/v0.1")
SEARCH_PATH = "/x/io.github.mcpship/search"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    """Relative to an API prefix; ``{serverName}`` paths are routed on the raw path (``%2F`` allowed)."""
    endpoint: Endpoint
    operation_id: str
    summary: str
    tag: str
    responses: Mapping[int, tuple[str, str | None]]
    """status -> (description, component schema); 2xx are JSON, the rest problem+json ``ErrorModel``."""
    parameters: tuple[Mapping[str, Any], ...] = ()
    request_schema: str | None = None
    authenticated: bool = False
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


def _query(name: str, schema: Mapping[str, Any], description: str, *, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": dict(schema)}


def _path(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


_NAME = _path("serverName", "Server name, URL-encoded (`io.github.user%2Fserver`); an unencoded `/` also works.")
_VERSION = _path("version", "Exact version (URL-encoded), or `latest`.")
_INCLUDE_DELETED = _query("include_deleted", {"type": "boolean", "default": False}, "Include deleted versions.")
_TEXT = {"type": "string", "maxLength": MAX_QUERY_TEXT_LENGTH}
"""A text parameter (no control characters either: 422)."""
_LIMIT = {"type": "integer", "minimum": 1, "maximum": LIST_LIMIT_MAX, "default": LIST_LIMIT_DEFAULT}
_LIST_PARAMS = (
    _query("cursor", _TEXT, "Opaque cursor from `metadata.nextCursor` of the previous page."),
    _query("limit", _LIMIT, "Page size."),
    _query("search", _TEXT, "Case-insensitive substring of the server name, at least 3 characters (trimmed)."),
    _query(
        "updated_since",
        {"type": "string", "format": "date-time"},
        "RFC 3339 timestamp; only versions updated after it (implies include_deleted).",
    ),
    _query("version", _TEXT, "`latest`, or an exact version."),
    _INCLUDE_DELETED,
    _query("registry_type", _TEXT, "mcpship extension: only servers with a package of this type."),
    _query("transport", _TEXT, "mcpship extension: only servers offering this transport type."),
)
_SEARCH_PARAMS = (
    _query("q", {**_TEXT, "minLength": 1}, "Search text (name, title, description, tool names).", required=True),
    _query("limit", _LIMIT, "Page size."),
    _query("offset", {"type": "integer", "minimum": 0, "maximum": MAX_SEARCH_OFFSET, "default": 0}, "Results to skip."),
    _query("registry_type", _TEXT, "Only servers with a package of this registry type."),
    _query("transport", _TEXT, "Only servers offering this transport type."),
)

_BAD_PATH = ("A NUL in the path or query", "ErrorModel")
_NOT_JSON = "Body not RFC 8259 JSON (NaN, duplicate keys, nesting over 64, ...)"
_TOO_LARGE: dict[int, tuple[str, str | None]] = {413: ("Body over the size limit (1 MiB by default)", "ErrorModel")}
_AUTH_ERRORS: dict[int, tuple[str, str | None]] = {
    401: ("Missing, malformed or expired registry token", "ErrorModel"),
    403: ("The token does not grant this action on this server name", "ErrorModel"),
}


def operations(reads: ReadEndpoints, writes: WriteEndpoints, meta: MetaEndpoints) -> list[Operation]:
    one = ("ServerResponse", "ServerResponse")
    return [
        Operation(
            "GET",
            "/servers",
            reads.list_servers,
            "listServers",
            "List servers",
            "servers",
            {
                200: ("A page of servers", "ServerList"),
                400: ("Bad updated_since, or a NUL in the query", "ErrorModel"),
                422: ("Invalid parameter", "ErrorModel"),
            },
            parameters=_LIST_PARAMS,
        ),
        Operation(
            "GET",
            "/servers/{serverName}/versions",
            reads.list_versions,
            "listServerVersions",
            "List all versions of a server (newest first)",
            "servers",
            {200: ("Every version", "ServerList"), 400: _BAD_PATH, 404: ("Server not found", "ErrorModel")},
            parameters=(_NAME, _INCLUDE_DELETED),
        ),
        Operation(
            "GET",
            "/servers/{serverName}/versions/{version}",
            reads.get_version,
            "getServerVersion",
            "Get one version (`latest` for the latest)",
            "servers",
            {200: ("The version", one[0]), 400: _BAD_PATH, 404: ("Server not found", "ErrorModel")},
            parameters=(_NAME, _VERSION, _INCLUDE_DELETED),
        ),
        Operation(
            "PUT",
            "/servers/{serverName}/versions/{version}",
            writes.edit,
            "editServerVersion",
            "Replace one version's server.json (edit permission; no rename)",
            "publish",
            {
                200: ("The edited version", one[0]),
                400: (f"{_NOT_JSON}; rename or version mismatch, or refused", "ErrorModel"),
                **_AUTH_ERRORS,
                404: ("Server not found or deleted", "ErrorModel"),
                **_TOO_LARGE,
                422: ("Body not of the request's shape, or a broken server.json rule (see /validate)", "ErrorModel"),
            },
            parameters=(_NAME, _VERSION),
            request_schema="ServerDetail",
            authenticated=True,
        ),
        Operation(
            "PATCH",
            "/servers/{serverName}/versions/{version}/status",
            writes.version_status,
            "setServerVersionStatus",
            "Change one version's status (publish or edit permission)",
            "publish",
            {
                200: ("The updated version", one[0]),
                400: (f"{_NOT_JSON}; no change, or message with active", "ErrorModel"),
                **_AUTH_ERRORS,
                404: ("Server not found", "ErrorModel"),
                **_TOO_LARGE,
                422: ("Invalid body", "ErrorModel"),
            },
            parameters=(_NAME, _VERSION),
            request_schema="StatusUpdateRequest",
            authenticated=True,
        ),
        Operation(
            "PATCH",
            "/servers/{serverName}/status",
            writes.server_status,
            "setServerStatus",
            "Change the status of every version in one transaction",
            "publish",
            {
                200: ("The updated versions", "AllVersionsStatusResponse"),
                400: (f"{_NOT_JSON}; no change", "ErrorModel"),
                **_AUTH_ERRORS,
                404: ("Server not found", "ErrorModel"),
                **_TOO_LARGE,
                422: ("Invalid body", "ErrorModel"),
            },
            parameters=(_NAME,),
            request_schema="StatusUpdateRequest",
            authenticated=True,
        ),
        Operation(
            "POST",
            "/publish",
            writes.publish,
            "publishServer",
            "Publish a new version",
            "publish",
            {
                200: ("The published version", one[0]),
                400: (
                    f"{_NOT_JSON}; refused: publisher _meta over 4 KB, ownership proof, duplicate, limits",
                    "ErrorModel",
                ),
                **_AUTH_ERRORS,
                **_TOO_LARGE,
                422: ("Body not of the request's shape, or a broken server.json rule (see /validate)", "ErrorModel"),
            },
            request_schema="ServerDetail",
            authenticated=True,
            description="A missing `Authorization` header is a 401 (the official registry answers 422).",
        ),
        Operation(
            "POST",
            "/validate",
            meta.validate,
            "validateServer",
            "Validate a server.json (200 once the body parses and has the request's shape)",
            "publish",
            {
                200: ("The validation result", "ValidationResult"),
                400: (_NOT_JSON, "ErrorModel"),
                **_TOO_LARGE,
                422: ("Body not of the request's shape", "ErrorModel"),
            },
            request_schema="ServerDetail",
        ),
        Operation(
            "GET",
            SEARCH_PATH,
            reads.search,
            "searchServers",
            "mcpship extension: ranked full-text search over latest versions",
            "servers",
            {200: ("Ranked servers", "SearchResults"), 422: ("Invalid parameter", "ErrorModel")},
            parameters=_SEARCH_PARAMS,
        ),
        Operation("GET", "/health", meta.health, "health", "Health check", "meta", {200: ("Healthy", "Health")}),
        Operation("GET", "/ping", meta.ping, "ping", "Ping", "meta", {200: ("Pong", "Ping")}),
        Operation(
            "GET", "/version", meta.version, "version", "Build information", "meta", {200: ("Version", "Version")}
        ),
    ]

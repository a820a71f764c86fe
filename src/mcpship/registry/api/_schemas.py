"""JSON Schemas of what the API reads and writes (components of the generated OpenAPI document).

``ServerDetail`` (a server.json) comes from mcpship's own typed model; the envelopes are written here, next
to the code that builds them (``records.py`` ``to_wire``, ``_reads.py``, ``_meta.py``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from mcpship.registry.records import OFFICIAL_META_KEY
from mcpship.server_json.model import ServerJSON

__all__ = ["component_schemas", "ref"]

_PREFIX = "#/components/schemas/"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"{_PREFIX}{name}"}


_TIMESTAMP = {"type": "string", "format": "date-time"}

_OFFICIAL = {
    "type": "object",
    "description": "Registry-managed metadata of one version.",
    "required": ["status", "statusChangedAt", "publishedAt", "updatedAt", "isLatest"],
    "properties": {
        "status": {"type": "string", "enum": ["active", "deprecated", "deleted"]},
        "statusChangedAt": _TIMESTAMP,
        "statusMessage": {"type": "string", "maxLength": 500},
        "publishedAt": _TIMESTAMP,
        "updatedAt": _TIMESTAMP,
        "isLatest": {"type": "boolean"},
    },
    "additionalProperties": False,
}

_ENVELOPES: dict[str, dict[str, Any]] = {
    "ServerResponse": {
        "type": "object",
        "required": ["server", "_meta"],
        "properties": {
            "server": ref("ServerDetail"),
            "_meta": {
                "type": "object",
                "properties": {OFFICIAL_META_KEY: ref("OfficialMeta")},
                "additionalProperties": True,
            },
        },
    },
    "OfficialMeta": _OFFICIAL,
    "ServerList": {
        "type": "object",
        "required": ["servers", "metadata"],
        "properties": {
            "servers": {"type": "array", "items": ref("ServerResponse")},
            "metadata": {
                "type": "object",
                "required": ["count"],
                "properties": {
                    "nextCursor": {"type": "string", "description": "Present only when the page is full."},
                    "count": {"type": "integer", "minimum": 0},
                },
            },
        },
    },
    "SearchResults": {
        "type": "object",
        "required": ["servers", "metadata"],
        "properties": {
            "servers": {
                "type": "array",
                "description": "ServerResponse items; `_meta['io.github.mcpship/search'].rank` orders them.",
                "items": ref("ServerResponse"),
            },
            "metadata": {
                "type": "object",
                "required": ["count"],
                "properties": {"count": {"type": "integer"}, "nextOffset": {"type": "integer"}},
            },
        },
    },
    "StatusUpdateRequest": {
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {"type": "string", "enum": ["active", "deprecated", "deleted"]},
            "statusMessage": {"type": "string", "maxLength": 500},
        },
    },
    "AllVersionsStatusResponse": {
        "type": "object",
        "required": ["updatedCount", "servers"],
        "properties": {
            "updatedCount": {"type": "integer"},
            "servers": {"type": "array", "items": ref("ServerResponse")},
        },
    },
    "ValidationResult": {
        "type": "object",
        "required": ["valid", "issues"],
        "properties": {
            "valid": {"type": "boolean"},
            "issues": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["type", "path", "message", "severity", "reference"],
                    "properties": {
                        "type": {"type": "string", "enum": ["json", "schema", "semantic", "linter"]},
                        "path": {"type": "string"},
                        "message": {"type": "string"},
                        "severity": {"type": "string", "enum": ["error", "warning", "info"]},
                        "reference": {"type": "string"},
                    },
                },
            },
        },
    },
    "ErrorModel": {
        "type": "object",
        "description": "RFC 9457 problem details (application/problem+json), shaped like the official registry's.",
        "required": ["title", "status", "detail"],
        "properties": {
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["message"],
                    "properties": {"message": {"type": "string"}, "location": {"type": "string"}, "value": {}},
                },
            },
        },
    },
    "Health": {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"type": "string"}, "github_client_id": {"type": "string"}},
    },
    "Ping": {"type": "object", "required": ["pong"], "properties": {"pong": {"type": "boolean"}}},
    "Version": {
        "type": "object",
        "required": ["version", "git_commit", "build_time"],
        "properties": {
            "version": {"type": "string"},
            "git_commit": {"type": "string"},
            "build_time": {"type": "string"},
        },
    },
}


@cache
def component_schemas() -> dict[str, Any]:
    """Every schema the operations reference; ``ServerDetail`` and its parts from :class:`ServerJSON`."""
    detail = ServerJSON.model_json_schema(by_alias=True, ref_template=_PREFIX + "{model}")
    schemas: dict[str, Any] = dict(detail.pop("$defs", {}))
    detail["title"] = "ServerDetail"
    schemas["ServerDetail"] = detail
    schemas.update(_ENVELOPES)
    return schemas

"""The OpenAPI 3.1 document of this server, generated from the operation table and the component schemas."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from mcpship.registry.api._operations import Operation
from mcpship.registry.api._schemas import component_schemas, ref
from mcpship.registry.problems import PROBLEM_JSON

__all__ = ["openapi_document"]


def _operation(op: Operation, prefix: str) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, (description, schema) in sorted(op.responses.items()):
        media = "application/json" if status < 300 else PROBLEM_JSON
        entry: dict[str, Any] = {"description": description}
        if schema is not None:
            entry["content"] = {media: {"schema": ref(schema)}}
        responses[str(status)] = entry
    document: dict[str, Any] = {
        "operationId": f"{op.operation_id}{'V0' if prefix == '/v0' else 'V01'}",
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": [dict(p) for p in op.parameters],
        "responses": responses,
    }
    if op.description:
        document["description"] = op.description
    if op.request_schema is not None:
        document["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref(op.request_schema)}},
        }
    if op.authenticated:
        document["security"] = [{"bearerAuth": []}]
    return document


def openapi_document(
    operations: Sequence[Operation],
    prefixes: Iterable[str],
    *,
    version: str,
    extra_paths: Iterable[tuple[str, str, str]] = (),
) -> dict[str, Any]:
    """``extra_paths``: (method, full path, summary) of routes outside the table (auth exchanges, metrics)."""
    paths: dict[str, dict[str, Any]] = {}
    for prefix in prefixes:
        for op in operations:
            paths.setdefault(prefix + op.path, {})[op.method.lower()] = _operation(op, prefix)
    for method, path, summary in extra_paths:
        paths.setdefault(path, {})[method.lower()] = {
            "summary": summary,
            "responses": {
                "200": {"description": "OK"},
                "default": {"description": "Problem details", "content": {PROBLEM_JSON: {"schema": ref("ErrorModel")}}},
            },
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mcpship MCP Registry",
            "version": version,
            "description": "A self-hosted MCP Registry compatible with the official Registry API (/v0 and /v0.1).",
        },
        "paths": paths,
        "components": {
            "schemas": component_schemas(),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }

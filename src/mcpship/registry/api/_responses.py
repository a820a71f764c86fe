"""Compact JSON responses: the body is encoded once, with ``json`` and no whitespace (orjson is not a dependency).

Non-finite numbers are refused (``ValueError``): JSON has no NaN or Infinity, and nothing served may hold one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from mcpship._strict_json import dumps

__all__ = ["JSON", "encode_json", "json_response"]

JSON = "application/json"


def encode_json(data: Any) -> bytes:
    return dumps(data).encode()


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(encode_json(data), status_code=status, headers=dict(headers or {}), media_type=JSON)

"""Compact JSON responses: the body is encoded once, with ``json`` and no whitespace (orjson is not a dependency)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

__all__ = ["JSON", "encode_json", "json_response"]

JSON = "application/json"
_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def encode_json(data: Any) -> bytes:
    return _encoder.encode(data).encode()


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(encode_json(data), status_code=status, headers=dict(headers or {}), media_type=JSON)

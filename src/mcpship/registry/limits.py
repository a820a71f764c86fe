"""Every bound the registry puts on what a request may make it read, parse or look up, in one place.

Anyone can send a request: each limit below is what keeps one request's cost (memory, recursion, database
work) small and its refusal a 4xx, never a 500. docs/registry.md "Limits" lists them with their status codes.
"""

from __future__ import annotations

from typing import Final

from mcpship.server_json.rules import PUBLISHER_META_LIMIT

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "LIST_LIMIT_DEFAULT",
    "LIST_LIMIT_MAX",
    "MAX_BODY_BYTES_CEILING",
    "MAX_BODY_BYTES_FLOOR",
    "MAX_JSON_DEPTH",
    "MAX_PUBLISHER_META_BYTES",
    "MAX_QUERY_TEXT_LENGTH",
    "MAX_REQUEST_HEAD_BYTES",
    "MAX_SEARCH_OFFSET",
    "MAX_STATUS_MESSAGE_LENGTH",
]

DEFAULT_MAX_BODY_BYTES: Final = 1 << 20
"""Bytes a request body may have, on every route (publish, edit, status, validate, auth): huma's default
``MaxBodyBytes``, as upstream. More is a 413, refused from ``Content-Length`` before reading or as soon as a
streamed body passes it. ``registry serve --max-body-bytes`` changes it, within the floor and ceiling below."""
MAX_BODY_BYTES_FLOOR: Final = 4 << 10
MAX_BODY_BYTES_CEILING: Final = 64 << 20
MAX_REQUEST_HEAD_BYTES: Final = 1 << 20
"""Bytes of a request line plus headers: Go's ``http.DefaultMaxHeaderBytes``, upstream's. uvicorn's httptools
protocol has no bound of its own (a 50 MB URL took 100 MB), so ``http_server.py`` adds it (431)."""
MAX_JSON_DEPTH: Final = 64
"""Nesting of arrays and objects in a request body. A server.json nests about 6 deep; upstream's Go decoder
stops at 10,000. Checked before parsing, so a deep body costs one linear scan, never a recursion (400)."""
MAX_QUERY_TEXT_LENGTH: Final = 1024
"""Characters of a text query parameter (``cursor``, ``search``, ``version``, ``q``, ``registry_type``,
``transport``): a name is at most 200 and a version 255, so a cursor (``name:version``) fits easily (422)."""
LIST_LIMIT_DEFAULT: Final = 30
LIST_LIMIT_MAX: Final = 100
"""``limit`` of list and search pages: 1 to 100, default 30, as upstream (422 outside)."""
MAX_SEARCH_OFFSET: Final = 10_000
"""``offset`` of the ranked search: a page ranks ``offset + limit`` matches, so a deep offset costs (422)."""
MAX_PUBLISHER_META_BYTES: Final = PUBLISHER_META_LIMIT
"""``_meta["io.modelcontextprotocol.registry/publisher-provided"]`` as Go encodes it, as upstream (400)."""
MAX_STATUS_MESSAGE_LENGTH: Final = 500
"""``statusMessage`` characters, as upstream (422)."""

"""The registry's HTTP API: the official MCP Registry routes under ``/v0`` and ``/v0.1`` as a Starlette app.

- ``create_app(settings, service)`` builds it; ``mcpship registry serve`` runs it under uvicorn.
- Reads carry weak ETags and ``Cache-Control: public, max-age=30``; errors are RFC 9457 problem+json.
- ``/metrics`` (Prometheus), ``/openapi.json`` (generated from the operation table), and the mcpship
  extension ``/v0.1/x/io.github.mcpship/search`` (ranked search).
"""

from __future__ import annotations

from mcpship.registry.api._app import create_app
from mcpship.registry.api._operations import API_PREFIXES, SEARCH_PATH
from mcpship.registry.api._reads import CACHE_CONTROL, SEARCH_META_KEY

__all__ = ["API_PREFIXES", "CACHE_CONTROL", "SEARCH_META_KEY", "SEARCH_PATH", "create_app"]

"""``mcpship search`` as a library call: one query to the registry a user works with."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from mcpship.registry_client.client import RegistryClient, SearchResult
from mcpship.registry_client.tokens import TokenStore, registry_in_use

__all__ = ["search_registry"]


def search_registry(
    query: str,
    *,
    registry: str | None = None,
    limit: int = 20,
    store: TokenStore | None = None,
    client: httpx.Client | None = None,
    environ: Mapping[str, str] | None = None,
) -> SearchResult:
    """Servers of an MCP registry matching ``query``: ranked by relevance on mcpship registries (name, title,
    description, tool names), else the official name search on latest versions.

    ``registry`` None is chosen as ``publish`` chooses (:func:`~mcpship.registry_client.tokens.registry_in_use`):
    ``$MCPSHIP_REGISTRY``, else the last ``mcpship login``, else the official registry. Failures raise
    :class:`~mcpship.RegistryError` (exit code 12)."""
    url = registry_in_use(registry, store=store, environ=environ)
    with RegistryClient(url, client=client) as registry_client:
        return registry_client.search(query, limit=limit)

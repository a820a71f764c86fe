"""What the store derives from a server.json: filter columns, remote URLs and the text that search indexes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mcpship.registry.records import tool_names

__all__ = ["REMOTE_REGISTRY_TYPE", "SearchText", "package_types", "remote_urls", "search_terms", "transport_types"]

REMOTE_REGISTRY_TYPE = "remote"
"""``registry_type=remote`` selects servers that have ``remotes`` (no package has this registryType)."""

_WORD = re.compile(r"[^\W_]+")


def _dicts(value: object) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _padded(values: Iterable[str]) -> str:
    """`` a b `` form: ``LIKE '% a %'`` then matches whole values only."""
    unique = sorted({value for value in values if value and " " not in value})
    return f" {' '.join(unique)} " if unique else ""


def package_types(server: Mapping[str, Any]) -> str:
    types = [str(package.get("registryType", "")) for package in _dicts(server.get("packages"))]
    if _dicts(server.get("remotes")):
        types.append(REMOTE_REGISTRY_TYPE)
    return _padded(types)


def transport_types(server: Mapping[str, Any]) -> str:
    types = []
    for package in _dicts(server.get("packages")):
        transport = package.get("transport")
        if isinstance(transport, Mapping):
            types.append(str(transport.get("type", "")))
    types.extend(str(remote.get("type", "")) for remote in _dicts(server.get("remotes")))
    return _padded(types)


def remote_urls(server: Mapping[str, Any]) -> list[str]:
    """Remote URLs in publish order, without repeats."""
    urls = [remote.get("url") for remote in _dicts(server.get("remotes"))]
    return list(dict.fromkeys(url for url in urls if isinstance(url, str) and url))


def search_terms(text: str) -> list[str]:
    """Lower-cased words; names split on ``. / - _`` so ``notes`` finds ``io.github.acme/notes-mcp``."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class SearchText:
    name: str
    title: str
    description: str
    tools: str

    @classmethod
    def of(cls, server: Mapping[str, Any]) -> SearchText:
        def text(key: str) -> str:
            value = server.get(key)
            return value if isinstance(value, str) else ""

        tools = tool_names(server)
        return cls(
            name=" ".join(search_terms(text("name"))),
            title=text("title"),
            description=text("description"),
            tools=" ".join([*tools, *(term for tool in tools for term in search_terms(tool))]),
        )

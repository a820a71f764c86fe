"""What every per-registry check shares: the package being proven and the publish's bounded HTTP (one error
vocabulary). A check raises :class:`OwnershipError` with the reason; the dispatcher adds upstream's prefix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from mcpship.registry.config import OwnershipSettings
from mcpship.registry.ownership._fetch import USER_AGENT, Download, Fetcher, OwnershipError
from mcpship.registry.ownership._hosts import HostRule

__all__ = [
    "USER_AGENT",
    "Download",
    "OwnershipError",
    "PackageCheck",
    "mcp_name_marker_found",
    "same_url",
]


@dataclass(frozen=True)
class PackageCheck:
    """One package of the server being published, how to reach its registry, and the publish's bounded HTTP."""

    index: int
    package: Mapping[str, Any]
    server_name: str
    settings: OwnershipSettings
    fetcher: Fetcher
    hosts: tuple[HostRule, ...]
    """Where this package's proof may be fetched from (its registry, plus ``settings.fetch_hosts``)."""

    @property
    def identifier(self) -> str:
        return str(self.package.get("identifier") or "")

    @property
    def version(self) -> str:
        return str(self.package.get("version") or "")

    @property
    def registry_base_url(self) -> str | None:
        value = self.package.get("registryBaseUrl")
        return str(value) if value else None

    def require_version(self, registry: str) -> str:
        if not self.version:
            raise OwnershipError(f"{registry} packages need a version: the proof is read from that release")
        return self.version

    def require_base_url(self, registry_type: str, expected: str) -> str:
        """Upstream accepts only its own index; ours accepts only the one this deployment is configured with."""
        given = self.registry_base_url
        if given is not None and not same_url(given, expected):
            raise OwnershipError(
                f"registry type and base URL do not match: '{given}' is not valid for registry type"
                f" '{registry_type}'. Expected: {expected} (or omit registryBaseUrl)"
            )
        return expected.rstrip("/")

    async def get(
        self,
        url: str | httpx.URL,
        *,
        what: str,
        headers: Mapping[str, str] | None = None,
        hosts: tuple[HostRule, ...] | None = None,
    ) -> httpx.Response:
        """GET a document (bounded; see :class:`Fetcher`); network trouble becomes a failure naming the URL."""
        return await self.fetcher.document(url, hosts=hosts or self.hosts, what=what, headers=headers)

    async def download(self, url: str | httpx.URL, destination: Path | None = None, *, what: str) -> Download:
        """Stream a file (bounded), hashing as it goes; saved to ``destination`` only when given."""
        return await self.fetcher.file(url, hosts=self.hosts, what=what, destination=destination)


def same_url(left: str, right: str) -> bool:
    return left.rstrip("/") == right.rstrip("/")


def mcp_name_marker_found(text: str, server_name: str) -> bool:
    """Upstream's ``strings.Contains(text, "mcp-name: " + name)``, except that ``io.github.a/b`` is not proven
    by ``mcp-name: io.github.a/bc``: the name must not continue after the match."""
    marker = f"mcp-name: {server_name}"
    start = text.find(marker)
    while start != -1:
        rest = text[start + len(marker) :].lstrip("._-")
        if not rest[:1].isalnum():
            return True
        start = text.find(marker, start + 1)
    return False

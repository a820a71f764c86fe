"""What every per-registry check shares: the package being proven, HTTP with one error vocabulary, bounded
downloads. A check raises :class:`OwnershipError` with the reason; the dispatcher adds upstream's prefix."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from mcpship.__about__ import __version__
from mcpship.registry.config import OwnershipSettings

__all__ = [
    "MAX_DOWNLOAD_BYTES",
    "USER_AGENT",
    "Download",
    "OwnershipError",
    "PackageCheck",
    "mcp_name_marker_found",
    "same_url",
]

USER_AGENT = f"mcpship-registry/{__version__}"
MAX_DOWNLOAD_BYTES = 512 << 20
"""Largest file a check downloads (an MCPB bundle, a wheel): beyond it the proof fails rather than fill a disk."""


class OwnershipError(Exception):
    """The package does not prove the server's ownership; ``str(exc)`` is the reason shown to the publisher."""


@dataclass(frozen=True)
class Download:
    path: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class PackageCheck:
    """One package of the server being published, and how to reach its registry."""

    index: int
    package: Mapping[str, Any]
    server_name: str
    settings: OwnershipSettings
    client: httpx.AsyncClient

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

    async def get(self, url: str | httpx.URL, *, what: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
        """GET with this deployment's timeout and User-Agent; network trouble becomes a failure naming the URL."""
        try:
            return await self.client.get(
                url,
                headers={"User-Agent": USER_AGENT, **(headers or {})},
                timeout=self.settings.timeout_seconds,
                follow_redirects=True,
            )
        except httpx.HTTPError as exc:
            raise OwnershipError(f"cannot fetch {what} from {url}: {_describe(exc)}") from exc

    async def download(
        self, url: str | httpx.URL, destination: Path, *, what: str, limit: int = MAX_DOWNLOAD_BYTES
    ) -> Download:
        """Stream ``url`` into ``destination`` (at most ``limit`` bytes), hashing as it goes."""
        headers = {"User-Agent": USER_AGENT}
        timeout = self.settings.timeout_seconds
        try:
            async with self.client.stream(
                "GET", url, headers=headers, timeout=timeout, follow_redirects=True
            ) as response:
                if response.status_code != 200:
                    status = response.status_code
                    raise OwnershipError(f"{what} at {url} is not publicly accessible (status: {status})")
                return await _save(response, destination, limit, f"{what} at {url}")
        except httpx.HTTPError as exc:
            raise OwnershipError(f"cannot download {what} from {url}: {_describe(exc)}") from exc


async def _save(response: httpx.Response, destination: Path, limit: int, what: str) -> Download:
    digest = hashlib.sha256()
    size = 0
    with destination.open("wb") as sink:
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise OwnershipError(f"{what} exceeds {_size(limit)}, the most this registry downloads")
            digest.update(chunk)
            sink.write(chunk)
    return Download(destination, digest.hexdigest(), size)


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


def _size(count: int) -> str:
    return f"{count >> 20} MiB" if count >= 1 << 20 else f"{count} bytes"


def _describe(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    return str(exc) or type(exc).__name__

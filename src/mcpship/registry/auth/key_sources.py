"""Where domain proofs find their keys: DNS TXT records at the apex, or ``https://<domain>/.well-known/…``.

Both are plain callables so tests (and unusual deployments) inject their own: a resolver is
``(domain) -> list[str]`` and a fetcher ``(domain) -> str`` (the trimmed body), either sync or async.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import urlsplit

import dns.asyncresolver
import dns.exception
import dns.resolver
import httpx

from mcpship._bounded_body import apieces
from mcpship.registry.auth.domain_proof import ProofError

__all__ = [
    "DNS_TIMEOUT_SECONDS",
    "HTTP_TIMEOUT_SECONDS",
    "MAX_KEY_RESPONSE_BYTES",
    "WELL_KNOWN_PATH",
    "DnsTxtResolver",
    "HttpKeyFetcher",
    "KeyFetcher",
    "TxtResolver",
    "is_public_address",
    "resolve_txt",
]

DNS_TIMEOUT_SECONDS = 5.0
HTTP_TIMEOUT_SECONDS = 10.0
MAX_KEY_RESPONSE_BYTES = 4096
WELL_KNOWN_PATH = "/.well-known/mcp-registry-auth"

TxtResolver = Callable[[str], Sequence[str] | Awaitable[Sequence[str]]]
KeyFetcher = Callable[[str], str | Awaitable[str]]


class DnsTxtResolver:
    """TXT lookups with dnspython: the system's resolvers, or ``nameservers`` (and ``port``) when given.

    Each record's character-strings are joined, as Go's ``LookupTXT`` does. No such name or no TXT records is an
    empty list; a resolver failure (timeout, SERVFAIL) is a :class:`ProofError`.
    """

    def __init__(
        self,
        nameservers: Sequence[str] | None = None,
        *,
        port: int = 53,
        timeout_seconds: float = DNS_TIMEOUT_SECONDS,
    ) -> None:
        self._nameservers = list(nameservers) if nameservers else None
        self._port = port
        self._timeout = timeout_seconds

    async def __call__(self, name: str) -> list[str]:
        resolver = dns.asyncresolver.Resolver(configure=self._nameservers is None)
        if self._nameservers is not None:
            resolver.nameservers = self._nameservers
            resolver.port = self._port
        try:
            answer = await resolver.resolve(name, "TXT", lifetime=self._timeout)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except dns.exception.DNSException as error:
            raise ProofError(f"failed to look up DNS TXT records for {name}: {error}") from None
        return [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer]


resolve_txt = DnsTxtResolver()
"""The default resolver: the system's DNS configuration."""


def is_public_address(address: str) -> bool:
    """Whether the key fetcher may connect to ``address``: globally routable unicast only (no loopback, private,
    link-local such as cloud metadata, CGNAT, multicast), judging IPv4-mapped IPv6 by the IPv4 address inside."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class HttpKeyFetcher:
    """GET ``{base}/.well-known/mcp-registry-auth``: ``Accept: text/plain``, no redirects, at most 4096 bytes.

    ``base_url_for(domain)`` is ``https://<domain>``; tests map it to a local server. Unless
    ``allow_private_addresses``, a domain resolving to a loopback, private, link-local or otherwise non-global
    address is refused (upstream's SSRF guard). Unlike upstream this checks the resolution rather than pinning
    the dialled address, so a DNS-rebinding race between the check and the connection is not excluded.
    """

    def __init__(
        self,
        *,
        client: httpx.AsyncClient | None = None,
        base_url_for: Callable[[str], str] = lambda domain: f"https://{domain}",
        allow_private_addresses: bool = False,
        timeout_seconds: float = HTTP_TIMEOUT_SECONDS,
    ) -> None:
        self._client = client
        self._base_url_for = base_url_for
        self._allow_private = allow_private_addresses
        self._timeout = timeout_seconds

    async def __call__(self, domain: str) -> str:
        url = self._base_url_for(domain).rstrip("/") + WELL_KNOWN_PATH
        if not self._allow_private:
            await self._refuse_private(url)
        if self._client is not None:
            return await self._fetch(self._client, url)
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            return await self._fetch(client, url)

    async def _refuse_private(self, url: str) -> None:
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
        except OSError as error:
            raise ProofError(f"failed to fetch public key: cannot resolve {host}: {error}") from None
        if not infos or not all(is_public_address(str(info[4][0])) for info in infos):
            raise ProofError(f"failed to fetch public key: refusing to connect to private or loopback address ({host})")

    async def _fetch(self, client: httpx.AsyncClient, url: str) -> str:
        headers = {"Accept": "text/plain", "Accept-Encoding": "identity", "User-Agent": "mcpship-registry"}
        try:
            async with client.stream(
                "GET", url, headers=headers, follow_redirects=False, timeout=self._timeout
            ) as response:
                if response.status_code != 200:
                    raise ProofError(f"failed to fetch public key: HTTP {response.status_code} from {url}")
                body = b""
                async for piece in apieces(response):  # inflated 64 KiB at a time, should it come compressed
                    body += piece
                    if len(body) > MAX_KEY_RESPONSE_BYTES:
                        raise ProofError("failed to fetch public key: HTTP auth key response too large")
        except httpx.HTTPError as error:
            raise ProofError(f"failed to fetch public key: {error}") from None
        except ValueError as error:  # a Content-Encoding not asked for, or data that is not valid
            raise ProofError(f"failed to fetch public key: {error}") from None
        return body.decode("utf-8", "replace").strip()

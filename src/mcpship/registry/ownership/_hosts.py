"""Which URLs an ownership fetch may reach: every URL, the first and each redirect hop, must match a rule.

A rule is written as the settings and flags write hosts: ``github.com`` (HTTPS on the default port),
``127.0.0.1:18000`` (HTTPS on that port), ``http://127.0.0.1:18000`` (plain HTTP allowed for exactly that host and
port: local test servers) or ``*.quay.io`` (any subdomain, HTTPS). A URL carrying credentials (``user:pw@``)
matches no rule: nothing this registry fetches needs them, and a redirect must not smuggle them in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import httpx

__all__ = ["HostRule", "origin_rule", "rules"]


@dataclass(frozen=True)
class HostRule:
    host: str
    """Lower-case host name or IP literal; ``*.example.com`` matches every subdomain of example.com."""
    port: int | None
    """None: the scheme's default port only."""
    plain_http: bool
    """True: ``http`` is accepted too (the entry was written ``http://…``)."""

    @classmethod
    def parse(cls, entry: str) -> HostRule:
        scheme, has_scheme, rest = entry.strip().partition("://")
        if not has_scheme:
            scheme, rest = "https", entry.strip()
        if scheme not in ("http", "https"):
            raise ValueError(f"host entry {entry!r} must be HOST[:PORT], *.DOMAIN or http://HOST:PORT")
        wildcard = rest.startswith("*.")
        url = httpx.URL(f"{scheme}://{rest.removeprefix('*.').rstrip('/')}/")
        return cls(("*." if wildcard else "") + url.host.lower(), url.port, scheme == "http")

    def allows(self, url: httpx.URL) -> bool:
        if url.userinfo or url.scheme not in ("http", "https"):
            return False
        if url.scheme == "http" and not self.plain_http:
            return False
        if url.port != self.port:  # httpx reports None for the scheme's default port
            return False
        host = url.host.lower()
        if self.host.startswith("*."):
            return host.endswith(self.host[1:])
        return host == self.host

    def __str__(self) -> str:
        where = f"{self.host}:{self.port}" if self.port is not None else self.host
        return f"http://{where}" if self.plain_http else where


def rules(entries: Iterable[str]) -> tuple[HostRule, ...]:
    return tuple(HostRule.parse(entry) for entry in entries)


def origin_rule(base_url: str) -> HostRule:
    """The rule admitting exactly a configured registry's scheme, host and port (``http://127.0.0.1:4873``)."""
    url = httpx.URL(base_url)
    port = f":{url.port}" if url.port is not None else ""
    prefix = "http://" if url.scheme == "http" else ""
    return HostRule.parse(f"{prefix}{url.host}{port}")

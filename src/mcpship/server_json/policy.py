"""Which package registries a registry deployment accepts: the official ones by default, a private
deployment's own (a local PyPI index, an internal OCI registry, an intranet download host) when configured.

The offline rules in :mod:`mcpship.server_json._registry_types` read this, so the same validator serves the
official registry's verdicts (``mcpship validate``) and a self-hosted registry's (``mcpship registry serve``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from mcpship._forges import FORGE_HOSTS

__all__ = ["OFFICIAL_BASE_URLS", "OFFICIAL_MCPB_HOSTS", "OFFICIAL_OCI_REGISTRIES", "PackagePolicy"]

OFFICIAL_BASE_URLS: Mapping[str, str] = {
    "npm": "https://registry.npmjs.org",
    "pypi": "https://pypi.org",
    "nuget": "https://api.nuget.org/v3/index.json",
}
OFFICIAL_OCI_REGISTRIES = (
    "docker.io",
    "registry-1.docker.io",
    "index.docker.io",
    "ghcr.io",
    "quay.io",
    "mcr.microsoft.com",
    "*.pkg.dev",
    "*.azurecr.io",
)
OFFICIAL_MCPB_HOSTS = tuple(FORGE_HOSTS)  # the official registry takes bundles from the forges' releases


@dataclass(frozen=True)
class PackagePolicy:
    """``base_urls``: the one ``registryBaseUrl`` allowed per named registry type; ``oci_registries``: hosts
    (``*.`` globs allowed) images may live in; ``mcpb_hosts``: download hosts, as ``host``, ``host:port`` or
    ``http://host:port`` (plain HTTP allowed for that one host). GitHub/GitLab keep their release-path rules."""

    base_urls: Mapping[str, str] = field(default_factory=lambda: dict(OFFICIAL_BASE_URLS))
    oci_registries: tuple[str, ...] = OFFICIAL_OCI_REGISTRIES
    mcpb_hosts: tuple[str, ...] = OFFICIAL_MCPB_HOSTS

    def allows_oci_registry(self, host: str) -> bool:
        return any(fnmatchcase(host.lower(), pattern.lower()) for pattern in self.oci_registries)

    def mcpb_host_rule(self, scheme: str, netloc: str) -> str | None:
        """``"forge"`` (GitHub/GitLab release rules apply), ``"custom"`` (any path) or None (not allowed)."""
        netloc = netloc.lower()
        for entry in self.mcpb_hosts:
            entry = entry.lower()
            if "://" in entry:
                parts = urlsplit(entry)
                if (parts.scheme, parts.netloc) == (scheme, netloc):
                    return "custom"
            elif scheme == "https" and entry == netloc:
                return "forge" if netloc in FORGE_HOSTS else "custom"
        return None

    def describe_mcpb_hosts(self) -> str:
        return ", ".join(self.mcpb_hosts)

    def describe_oci_registries(self) -> str:
        return ", ".join(self.oci_registries)

    @property
    def is_official(self) -> bool:
        return (
            dict(self.base_urls) == dict(OFFICIAL_BASE_URLS)
            and self.oci_registries == OFFICIAL_OCI_REGISTRIES
            and self.mcpb_hosts == OFFICIAL_MCPB_HOSTS
        )

"""MCPB: the bundle must be downloadable from an accepted host, and its bytes must hash to ``fileSha256``.

Upstream only sends a ``HEAD``; this registry downloads the bundle (streamed, hashed as it arrives, never
stored, at most ``max_file_bytes``; redirects only to accepted hosts) and verifies the hash, so a server.json can
never point clients at a file they would refuse. Hosts come from
``OwnershipSettings.mcpb_hosts``: ``github.com`` (HTTPS), ``127.0.0.1:18000`` (host and port, HTTPS) or
``http://127.0.0.1:18000`` (plain HTTP allowed for that host and port: local test servers).
"""

from __future__ import annotations

import re

import httpx

from mcpship._forges import FORGE_HOSTS
from mcpship.registry.ownership._common import OwnershipError, PackageCheck
from mcpship.registry.ownership._hosts import HostRule, rules

__all__ = ["check_mcpb", "host_allows"]

_GITHUB_PATH = re.compile(r"/[^/]+/[^/]+/releases/download/[^/]+/[^/]+")
_GITLAB_PATHS = (
    re.compile(r"/.+/-/releases/[^/]+/downloads/.+"),
    re.compile(r"/.+/-/package_files/\d+/download"),
)
_SHA256 = re.compile(r"[a-f0-9]{64}")


def host_allows(entry: str, url: httpx.URL) -> bool:
    """Whether one ``mcpb_hosts`` entry admits ``url`` (HTTPS always; HTTP only when the entry says ``http://``)."""
    return HostRule.parse(entry).allows(url)


async def check_mcpb(check: PackageCheck) -> None:
    identifier = check.identifier
    try:
        url = httpx.URL(identifier)
    except httpx.InvalidURL as exc:
        raise OwnershipError(f"invalid MCPB package URL: {exc}") from exc
    hosts = check.settings.mcpb_hosts
    if not any(rule.allows(url) for rule in rules(hosts)):
        raise OwnershipError(
            f"MCPB package URL must be an https download from an accepted host ({', '.join(hosts)}): {identifier}"
        )
    _require_release_path(url)
    if "mcp" not in identifier.lower():
        raise OwnershipError(f"MCPB package URL must contain 'mcp': {identifier}")
    declared = str(check.package.get("fileSha256") or "")
    if not _SHA256.fullmatch(declared):
        raise OwnershipError("MCPB packages need fileSha256: the lowercase hex SHA-256 of the bundle")
    download = await check.download(url, what="MCPB package")  # hashed as it streams, never stored
    if download.sha256 != declared:
        raise OwnershipError(
            f"fileSha256 {declared} does not match the file at {identifier} (its SHA-256 is {download.sha256},"
            f" {download.size} bytes); clients would refuse it. Set fileSha256 to the bundle's real hash"
        )


def _require_release_path(url: httpx.URL) -> None:
    """Upstream's rule: on the public forges, only release downloads (not raw files anyone can commit)."""
    forge = FORGE_HOSTS.get(url.host)
    if forge == "github" and not _GITHUB_PATH.fullmatch(url.path):
        raise OwnershipError(
            f"MCPB package URL on GitHub must be a release download (/OWNER/REPO/releases/download/TAG/FILE): {url}"
        )
    if forge == "gitlab" and not any(pattern.fullmatch(url.path) for pattern in _GITLAB_PATHS):
        raise OwnershipError(
            "MCPB package URL on GitLab must be a release download (/GROUP/PROJECT/-/releases/TAG/downloads/FILE"
            f" or /GROUP/PROJECT/-/package_files/ID/download): {url}"
        )

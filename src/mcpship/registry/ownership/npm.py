"""npm: the published version's package.json must carry ``"mcpName": "<server name>"``."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from mcpship.registry.ownership._common import OwnershipError, PackageCheck

__all__ = ["check_npm", "packument_url"]


def packument_url(registry: str, package: str) -> str:
    """``@scope/name`` travels as ``@scope%2fname``, the form every npm registry routes."""
    return f"{registry.rstrip('/')}/{quote(package, safe='@')}"


async def check_npm(check: PackageCheck) -> None:
    registry = check.require_base_url("npm", check.settings.npm_url)
    version = check.require_version("npm")
    url = packument_url(registry, check.identifier)
    # The full document: the abbreviated one (application/vnd.npm.install-v1+json) drops custom fields like mcpName.
    response = await check.get(url, what="the npm package metadata", headers={"Accept": "application/json"})
    if response.status_code == 404:
        raise OwnershipError(f"NPM package '{check.identifier}' not found on {registry} (status: 404)")
    if response.status_code != 200:
        raise OwnershipError(f"NPM package '{check.identifier}': {url} answered status {response.status_code}")
    try:
        document = response.json()
    except ValueError:
        document = None
    manifest = _version_manifest(document, check.identifier, version)
    declared = manifest.get("mcpName")
    name = check.server_name
    if not declared:
        raise OwnershipError(
            f"NPM package '{check.identifier}' is missing required 'mcpName' field. Add this to your package.json:"
            f' "mcpName": "{name}", then publish a new npm version: {version} cannot change'
        )
    if declared != name:
        raise OwnershipError(
            f"NPM package ownership validation failed. Expected mcpName '{name}', got '{declared}'"
            f" (in {check.identifier}@{version})"
        )


def _version_manifest(document: Any, package: str, version: str) -> dict[str, Any]:
    versions = document.get("versions") if isinstance(document, dict) else None
    if not isinstance(versions, dict):
        raise OwnershipError(f"NPM package '{package}': the registry's answer is not an npm package document")
    manifest = versions.get(version)
    if not isinstance(manifest, dict):
        latest = document.get("dist-tags", {}).get("latest") if isinstance(document, dict) else None
        found = f" (latest is {latest})" if isinstance(latest, str) else ""
        raise OwnershipError(
            f"NPM package '{package}' has no version {version}{found}; publish it before publishing the server"
        )
    return manifest

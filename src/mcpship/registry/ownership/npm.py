"""npm: the published version's package.json must carry ``"mcpName": "<server name>"``."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from mcpship._untrusted_json import loads_untrusted
from mcpship.registry.ownership._common import OwnershipError, PackageCheck

__all__ = ["check_npm", "packument_url"]


def packument_url(registry: str, package: str) -> str:
    """``@scope/name`` travels as ``@scope%2fname``, the form every npm registry routes."""
    return f"{registry.rstrip('/')}/{quote(package, safe='@')}"


_JSON = {"Accept": "application/json"}


async def check_npm(check: PackageCheck) -> None:
    registry = check.require_base_url("npm", check.settings.npm_url)
    version = check.require_version("npm")
    package = packument_url(registry, check.identifier)
    # As upstream: the one version's manifest (``/<name>/<version>``), full (mcpName is a custom field), not the
    # whole package document, which grows with every version ever published.
    response = await check.get(f"{package}/{quote(version, safe='')}", what="the npm package metadata", headers=_JSON)
    if response.status_code == 404:
        await _explain_missing(check, package, registry, version)
    if response.status_code != 200:
        raise OwnershipError(f"NPM package '{check.identifier}': {package} answered status {response.status_code}")
    manifest = _json(response)
    if manifest is None or not isinstance(manifest.get("version"), str):
        raise OwnershipError(f"NPM package '{check.identifier}': the registry's answer is not an npm version manifest")
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


async def _explain_missing(check: PackageCheck, package: str, registry: str, version: str) -> None:
    """An unknown package, or a version never published: ``/<name>/latest`` (the dist-tag) tells them apart."""
    latest = await check.get(f"{package}/latest", what="the npm package metadata", headers=_JSON)
    manifest = _json(latest) if latest.status_code == 200 else None
    if manifest is None:
        raise OwnershipError(f"NPM package '{check.identifier}' not found on {registry} (status: 404)")
    found = manifest.get("version")
    latest_note = f" (latest is {found})" if isinstance(found, str) else ""
    raise OwnershipError(
        f"NPM package '{check.identifier}' has no version {version}{latest_note}; publish it before publishing the"
        " server"
    )


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        document = loads_untrusted(response.content)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None

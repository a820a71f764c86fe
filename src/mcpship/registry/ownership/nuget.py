"""NuGet: the release's README must contain ``mcp-name: <server name>``.

As upstream: the service index names the README URL template (``ReadmeUriTemplate/6.13.0``); when the README
is missing, the package base address (``PackageBaseAddress/3.0.0``) tells an unknown ID, a missing version
and a release without README apart, so the publisher learns which one it is.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from mcpship._untrusted_json import loads_untrusted
from mcpship.registry.ownership._common import OwnershipError, PackageCheck, mcp_name_marker_found

__all__ = ["NUGET_URL", "check_nuget"]

NUGET_URL = "https://api.nuget.org/v3/index.json"
_README = "ReadmeUriTemplate/6.13.0"
_BASE_ADDRESS = "PackageBaseAddress/3.0.0"


async def check_nuget(check: PackageCheck) -> None:
    # OwnershipSettings may grow ``nuget_url`` (a private feed); until then nuget.org, as upstream.
    service_index = check.require_base_url("nuget", check.settings.nuget_url)
    version = check.require_version("nuget").lower()
    package_id = check.identifier.lower()
    resources = await _resources(check, service_index)
    template = resources.get(_README)
    if template is None:
        raise OwnershipError(f"the NuGet feed {service_index} offers no README resource ({_README})")
    # The ID and version are the publisher's text: one path segment each, whatever they hold.
    readme_url = template.replace("{lower_id}", quote(package_id, safe="")).replace(
        "{lower_version}", quote(version, safe="")
    )
    response = await check.get(readme_url, what="the NuGet package README")
    if response.status_code == 404:
        await _explain_missing_readme(check, resources.get(_BASE_ADDRESS), package_id, version)
    if response.status_code != 200:
        raise OwnershipError(f"NuGet package '{check.identifier}': {readme_url} answered status {response.status_code}")
    name = check.server_name
    if not mcp_name_marker_found(response.text, name):
        raise OwnershipError(
            f"NuGet package '{check.identifier}' ownership validation failed. The server name '{name}' must appear"
            f" as 'mcp-name: {name}' in the package README. Add <!-- mcp-name: {name} --> to the README and publish"
            f" a new version: {version} cannot change"
        )


async def _resources(check: PackageCheck, service_index: str) -> dict[str, str]:
    """``{@type: @id}`` of the feed's service index."""
    response = await check.get(service_index, what="the NuGet service index")
    if response.status_code != 200:
        raise OwnershipError(f"the NuGet service index {service_index} answered status {response.status_code}")
    try:
        document: Any = loads_untrusted(response.content)
    except ValueError as exc:
        raise OwnershipError(f"the NuGet service index {service_index} is not JSON") from exc
    entries = document.get("resources") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise OwnershipError(f"the NuGet service index {service_index} lists no resources")
    return {
        str(entry["@type"]): str(entry["@id"])
        for entry in entries
        if isinstance(entry, dict) and "@type" in entry and "@id" in entry
    }


async def _explain_missing_readme(check: PackageCheck, base_address: str | None, package_id: str, version: str) -> None:
    identifier = check.identifier
    if base_address is not None:
        url = f"{base_address.rstrip('/')}/{quote(package_id, safe='')}/index.json"
        response = await check.get(url, what="the NuGet package versions")
        if response.status_code == 404:
            raise OwnershipError(f"NuGet package '{identifier}' not found")
        if response.status_code == 200 and version not in _listed_versions(response):
            raise OwnershipError(f"NuGet package '{identifier}' has no version {version}")
    raise OwnershipError(
        f"NuGet package '{identifier}' {version} has no README: add one with mcp-name: {check.server_name}"
        " (<PackageReadmeFile> in the .csproj) and publish a new version"
    )


def _listed_versions(response: httpx.Response) -> list[str]:
    try:
        document: Any = loads_untrusted(response.content)
    except ValueError:
        return []
    versions = document.get("versions") if isinstance(document, dict) else None
    return [str(v).lower() for v in versions] if isinstance(versions, list) else []

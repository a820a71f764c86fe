"""Publish-time ownership proofs (registry.md §2.5): each package of a server must point back at the server.

A PyPI or NuGet release's README says ``mcp-name: <name>``, an npm version's package.json has ``mcpName``, an
OCI image carries the ``io.modelcontextprotocol.server.name`` label, an MCPB bundle is downloadable from an
accepted host and hashes to ``fileSha256``. Where each proof is fetched from is :class:`OwnershipSettings`;
one module per registry type does the fetching.

``check_ownership`` returns one message per failing package, worded like upstream's
``registry validation failed for package {i} ({identifier}): …``; an empty list means every package is proven.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from mcpship.registry.config import OwnershipSettings
from mcpship.registry.ownership._common import USER_AGENT, OwnershipError, PackageCheck
from mcpship.registry.ownership.mcpb import check_mcpb
from mcpship.registry.ownership.npm import check_npm
from mcpship.registry.ownership.nuget import check_nuget
from mcpship.registry.ownership.oci import check_oci
from mcpship.registry.ownership.pypi import check_pypi

__all__ = ["CHECKS", "USER_AGENT", "check_ownership"]

CHECKS: Mapping[str, Callable[[PackageCheck], Awaitable[None]]] = {
    "pypi": check_pypi,
    "npm": check_npm,
    "oci": check_oci,
    "mcpb": check_mcpb,
    "nuget": check_nuget,
}


async def check_ownership(
    server: Mapping[str, Any], settings: OwnershipSettings, client: httpx.AsyncClient
) -> list[str]:
    """Every ownership failure of ``server``'s packages (checked concurrently), in package order."""
    if not settings.enabled:
        return []
    name = str(server.get("name") or "")
    packages = server.get("packages") or []
    checks = [
        PackageCheck(index, package, name, settings, client)
        for index, package in enumerate(packages)
        if isinstance(package, Mapping)
    ]
    results = await asyncio.gather(*(_failure(check) for check in checks))
    return [message for message in results if message is not None]


async def _failure(check: PackageCheck) -> str | None:
    registry_type = str(check.package.get("registryType") or "")
    run = CHECKS.get(registry_type)
    try:
        if run is None:
            raise OwnershipError(f"unsupported registry type '{registry_type}'")
        await run(check)
    except OwnershipError as failure:
        return f"registry validation failed for package {check.index} ({check.identifier}): {failure}"
    return None

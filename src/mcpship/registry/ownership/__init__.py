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
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from mcpship.registry.config import OwnershipSettings
from mcpship.registry.ownership._common import USER_AGENT, OwnershipError, PackageCheck
from mcpship.registry.ownership._fetch import Fetcher
from mcpship.registry.ownership._hosts import HostRule, origin_rule, rules
from mcpship.registry.ownership.mcpb import check_mcpb
from mcpship.registry.ownership.npm import check_npm
from mcpship.registry.ownership.nuget import check_nuget
from mcpship.registry.ownership.oci import check_oci
from mcpship.registry.ownership.pypi import check_pypi

__all__ = ["CHECKS", "USER_AGENT", "check_ownership", "proof_hosts"]

CHECKS: Mapping[str, Callable[[PackageCheck], Awaitable[None]]] = {
    "pypi": check_pypi,
    "npm": check_npm,
    "oci": check_oci,
    "mcpb": check_mcpb,
    "nuget": check_nuget,
}


def proof_hosts(registry_type: str, settings: OwnershipSettings) -> tuple[HostRule, ...]:
    """Where a package's proof may be fetched: its configured registry (for ``oci``, the image's own registry is
    added by the check) and the CDNs and token realms of ``settings.fetch_hosts``."""
    own: tuple[HostRule, ...] = ()
    if registry_type == "mcpb":
        own = rules(settings.mcpb_hosts)
    elif registry_type in ("npm", "pypi", "nuget"):
        base_urls = {"npm": settings.npm_url, "pypi": settings.pypi_url, "nuget": settings.nuget_url}
        own = (origin_rule(base_urls[registry_type]),)
    return (*own, *rules(settings.fetch_hosts))


async def check_ownership(
    server: Mapping[str, Any], settings: OwnershipSettings, client: httpx.AsyncClient
) -> list[str]:
    """Every ownership failure of ``server``'s packages (checked concurrently, within the publish's limits), in
    package order. Identical packages are proven once."""
    if not settings.enabled:
        return []
    name = str(server.get("name") or "")
    packages = [(index, package) for index, package in enumerate(server.get("packages") or [])]
    fetcher = Fetcher(client, settings)
    proofs: dict[str, asyncio.Task[str | None]] = {}
    pending: list[tuple[PackageCheck, asyncio.Task[str | None]]] = []
    for index, package in packages:
        if not isinstance(package, Mapping):
            continue
        registry_type = str(package.get("registryType") or "")
        check = PackageCheck(index, package, name, settings, fetcher, proof_hosts(registry_type, settings))
        key = json.dumps(package, sort_keys=True, default=str)
        if key not in proofs:
            proofs[key] = asyncio.ensure_future(_failure(check))
        pending.append((check, proofs[key]))
    if not proofs:
        return []
    late: set[asyncio.Task[str | None]] = set(proofs.values())
    try:
        _, late = await asyncio.wait(proofs.values(), timeout=settings.publish_budget_seconds)
    finally:  # out of time, or the publisher hung up: no request outlives the publish
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
    messages = []
    for check, task in pending:
        reason = _out_of_time(settings) if task in late else task.result()
        if reason is not None:
            messages.append(f"registry validation failed for package {check.index} ({check.identifier}): {reason}")
    return messages


async def _failure(check: PackageCheck) -> str | None:
    """Why ``check``'s package is not proven (without upstream's prefix: the package's index may differ for
    identical packages), or None."""
    registry_type = str(check.package.get("registryType") or "")
    run = CHECKS.get(registry_type)
    try:
        if run is None:
            raise OwnershipError(f"unsupported registry type '{registry_type}'")
        await run(check)
    except OwnershipError as failure:
        return str(failure)
    return None


def _out_of_time(settings: OwnershipSettings) -> str:
    return (
        f"proving this server's packages took longer than {settings.publish_budget_seconds:g} s, the most this"
        " registry spends on one publish (it may be busy proving other publishes); try again later"
    )

"""What ``registry serve`` and ``registry mirror`` both take: the package registries and download hosts this
registry accepts. One set of options and one function turning them into settings, so a mirror accepts exactly
what the server it feeds accepts, and both refuse a malformed host the same way."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mcpship._exceptions import UsageError

__all__ = [
    "McpbHostOption",
    "NpmUrlOption",
    "OciRegistryOption",
    "PypiUrlOption",
    "host_entries",
    "package_sources",
]

PypiUrlOption = Annotated[
    str | None, typer.Option("--pypi-url", help="PyPI-compatible index packages must name; proofs read it.")
]
NpmUrlOption = Annotated[str | None, typer.Option("--npm-url", help="npm registry packages must name; proofs read it.")]
OciRegistryOption = Annotated[
    list[str] | None, typer.Option("--oci-registry", help="Also accept OCI packages from HOST (repeatable).")
]
McpbHostOption = Annotated[
    list[str] | None,
    typer.Option("--mcpb-host", help="Also accept MCPB downloads from HOST[:PORT] or http://HOST:PORT (repeatable)."),
]


def package_sources(
    pypi_url: str | None, npm_url: str | None, oci_registry: list[str] | None, mcpb_host: list[str] | None
) -> dict[str, Any]:
    """The :class:`~mcpship.registry.config.OwnershipSettings` fields these options set: the indexes given (else
    the public ones), the official OCI registries and MCPB hosts plus those given."""
    from mcpship.registry.config import OwnershipSettings

    defaults = OwnershipSettings()
    return {
        "pypi_url": pypi_url or defaults.pypi_url,
        "npm_url": npm_url or defaults.npm_url,
        "oci_registries": (*defaults.oci_registries, *(oci_registry or ())),
        "mcpb_hosts": host_entries("--mcpb-host", (*defaults.mcpb_hosts, *(mcpb_host or ()))),
    }


def host_entries(flag: str, entries: tuple[str, ...]) -> tuple[str, ...]:
    """``entries`` unchanged, once each is a host rule (HOST, HOST:PORT, *.DOMAIN, http://HOST:PORT)."""
    from httpx import InvalidURL

    from mcpship.registry.ownership._hosts import HostRule

    for entry in entries:
        try:
            HostRule.parse(entry)
        except (ValueError, InvalidURL) as error:
            raise UsageError(
                f"{flag} {entry!r} is not a host: {error}", hint="write HOST, HOST:PORT, *.DOMAIN or http://HOST:PORT"
            ) from error
    return entries

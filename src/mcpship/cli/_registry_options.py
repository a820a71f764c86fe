"""What ``registry serve`` and ``registry mirror`` both take: the package registries and download hosts this
registry accepts. One set of options, turned into :class:`mcpship.registry.config.PackageSources` by both, so a
mirror accepts exactly what the server it feeds accepts, and both refuse a malformed host the same way."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = [
    "McpbHostOption",
    "NpmUrlOption",
    "OciRegistryOption",
    "PypiUrlOption",
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

"""``mcpship publish`` as one library call: take a built artifact from a build folder to a channel.

The destination says the channel: :class:`OciDestination` pushes the OCI image a build recorded to an OCI
registry; :class:`RegistryDestination` lists the build's server.json in an MCP registry with the token
``mcpship login`` stored. Each has only its own channel's options, so an option meant for another channel cannot
be given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import overload

import httpx

from mcpship._exceptions import PublishError
from mcpship.channels.oci import OciPushResult, PushProgress, parse_image_reference, push_oci_image
from mcpship.pipeline.report import REPORT_FILE, read_report
from mcpship.registry_client.client import PublishOutcome as RegistryPublishOutcome
from mcpship.registry_client.client import publish_server_json
from mcpship.registry_client.tokens import TokenStore
from mcpship.targets import Artifact

__all__ = [
    "OciDestination",
    "OciPublishOutcome",
    "RegistryDestination",
    "RegistryPublishOutcome",
    "publish_artifact",
]


@dataclass(frozen=True)
class OciDestination:
    """Push the build's OCI image to ``to`` (``REGISTRY/NAME[:TAG]``; the tag defaults to the image's version)."""

    to: str
    username: str | None = None
    password: str | None = None
    """A password or token; sent only to the registry's own host (Basic, or its Bearer token exchange)."""
    insecure: bool = False
    """Plain HTTP to a registry that is not on this machine (a loopback registry always gets HTTP)."""


@dataclass(frozen=True)
class RegistryDestination:
    """List the build's server.json (or a server.json file given as ``dist``) in an MCP registry."""

    registry: str | None = None
    """None: ``$MCPSHIP_REGISTRY``, else the registry of the last ``mcpship login``, else the official one."""


@dataclass(frozen=True)
class OciPublishOutcome:
    artifact: Artifact
    """The image layout the build recorded (``dist/…oci.tar``)."""
    pushed: OciPushResult
    """What the registry now holds: ``reference`` pinned by digest, the tag, and the bytes and blobs sent."""


@overload
def publish_artifact(
    dist: Path | str,
    destination: OciDestination,
    *,
    progress: Callable[[PushProgress], None] | None = None,
    client: httpx.Client | None = None,
    store: TokenStore | None = None,
    environ: Mapping[str, str] | None = None,
) -> OciPublishOutcome: ...


@overload
def publish_artifact(
    dist: Path | str,
    destination: RegistryDestination,
    *,
    progress: Callable[[PushProgress], None] | None = None,
    client: httpx.Client | None = None,
    store: TokenStore | None = None,
    environ: Mapping[str, str] | None = None,
) -> RegistryPublishOutcome: ...


def publish_artifact(
    dist: Path | str,
    destination: OciDestination | RegistryDestination,
    *,
    progress: Callable[[PushProgress], None] | None = None,
    client: httpx.Client | None = None,
    store: TokenStore | None = None,
    environ: Mapping[str, str] | None = None,
) -> OciPublishOutcome | RegistryPublishOutcome:
    """Publish what ``mcpship build`` wrote to ``dist`` (for an MCP registry, ``dist`` may also be a server.json).

    ``progress`` hears how far an OCI push got; ``client`` carries the HTTP (tests inject a ``MockTransport``);
    ``store`` and ``environ`` are where the registry token and the default registry come from. A refusal is a
    :class:`~mcpship.PublishError` (an MCP registry's: :class:`~mcpship.RegistryPublishError`, with its answer).
    """
    folder = Path(dist)
    if isinstance(destination, OciDestination):
        return _push_image(folder, destination, progress, client)
    return publish_server_json(folder, registry=destination.registry, store=store, client=client, environ=environ)


def _push_image(
    dist: Path,
    destination: OciDestination,
    progress: Callable[[PushProgress], None] | None,
    client: httpx.Client | None,
) -> OciPublishOutcome:
    """The one image the build recorded, tagged as ``to`` says or else with the version it was built for."""
    images = [artifact for artifact in read_report(dist) if artifact.kind == "oci"]
    if len(images) != 1:
        raise PublishError(
            f"{dist / REPORT_FILE} records {len(images) or 'no'} OCI image(s) (unchanged since the build)"
            + (f": {', '.join(artifact.path.name for artifact in images)}" if images else ""),
            hint=f"build it: mcpship build --target oci --out {dist}",
        )
    image = images[0]
    reference = parse_image_reference(destination.to)
    pushed = push_oci_image(
        image.path,
        reference,
        tag=reference.tag or image.version,
        username=destination.username,
        password=destination.password,
        insecure=destination.insecure,
        client=client,
        progress=progress,
    )
    return OciPublishOutcome(artifact=image, pushed=pushed)

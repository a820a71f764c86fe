"""``mcpship publish`` as library calls: take what a build folder holds to one channel or several.

:func:`publish_artifact` publishes to one channel, and the destination says which: :class:`OciDestination` pushes
the OCI image a build recorded to an OCI registry; :class:`RegistryDestination` lists the build's server.json in
an MCP registry with the token ``mcpship login`` stored. Each has only its own channel's options, so an option
meant for another channel cannot be given.

:func:`publish_channels` runs several channels in one go (``pypi``, ``npm``, ``oci``, ``registry``: the table
:data:`CHANNELS`), packages first and the MCP registry last, each skipping what is already there, stopping at the
first failure so that a rerun continues from it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, overload
from urllib.parse import quote

import httpx

from mcpship._exceptions import McpshipError, PublishError, UsageError
from mcpship.channels.github_release import GitHubReleaseDestination
from mcpship.channels.npm import publish_npm_tarball
from mcpship.channels.oci import OciPushResult, PushProgress, parse_image_reference, push_oci_image
from mcpship.channels.pypi import DEFAULT_PYPI_UPLOAD_URL, PypiCredentials, find_pypi_credentials, upload_distributions
from mcpship.pipeline.report import REPORT_FILE, read_report
from mcpship.registry_client.client import PublishOutcome as RegistryPublishOutcome
from mcpship.registry_client.client import publish_server_json
from mcpship.registry_client.tokens import TokenStore
from mcpship.targets import Artifact

__all__ = [
    "CHANNELS",
    "ChannelContext",
    "ChannelResult",
    "NpmDestination",
    "OciDestination",
    "OciPublishOutcome",
    "PublishOptions",
    "PublishRun",
    "PublishedItem",
    "PypiDestination",
    "RegistryDestination",
    "RegistryPublishOutcome",
    "publish_artifact",
    "publish_channels",
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
    *,
    immutable_tag: bool = False,
) -> OciPublishOutcome:
    """The one image the build recorded, tagged as ``to`` says or else with the version it was built for."""
    image = _recorded_image(dist)
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
        immutable_tag=immutable_tag,
    )
    return OciPublishOutcome(artifact=image, pushed=pushed)


# -- several channels in one run ---------------------------------------------------------------------------------

ChannelStatus = Literal["published", "skipped", "would-publish", "failed", "not-run"]
ItemStatus = Literal["published", "skipped", "would-publish"]


@dataclass(frozen=True)
class PypiDestination:
    """Upload the build's wheel and sdist to a PyPI-compatible index (the upload API twine uses)."""

    repository_url: str = DEFAULT_PYPI_UPLOAD_URL
    index_url: str | None = None
    """The simple API to look files up in; None: the one next to ``repository_url``."""
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    """With ``username`` (default ``__token__``); None: :func:`~mcpship.channels.pypi.find_pypi_credentials`."""


@dataclass(frozen=True)
class NpmDestination:
    """``npm publish`` the build's tarball."""

    registry: str | None = None
    """None: the registry npm is configured with (``.npmrc``), else registry.npmjs.org."""
    tag: str | None = None
    provenance: bool | None = None
    """None: on in GitHub Actions (``$CI`` and ``$GITHUB_ACTIONS``)."""


@dataclass(frozen=True)
class PublishOptions:
    """Each channel's destination; a channel that is not run ignores its own."""

    pypi: PypiDestination = PypiDestination()
    npm: NpmDestination = NpmDestination()
    oci: OciDestination | None = None
    registry: RegistryDestination = RegistryDestination()
    github: GitHubReleaseDestination = field(default_factory=GitHubReleaseDestination)


@dataclass(frozen=True)
class PublishedItem:
    name: str
    """A file name, an image reference or ``NAME@VERSION``."""
    status: ItemStatus
    url: str
    """Where it can be found now (or, under ``dry_run``, would be)."""


@dataclass(frozen=True)
class ChannelResult:
    channel: str
    status: ChannelStatus
    items: tuple[PublishedItem, ...] = ()
    error: McpshipError | None = None


@dataclass(frozen=True)
class PublishRun:
    results: tuple[ChannelResult, ...]
    dry_run: bool

    @property
    def failure(self) -> ChannelResult | None:
        return next((result for result in self.results if result.status == "failed"), None)


@dataclass(frozen=True)
class ChannelContext:
    """What a channel's function in :data:`CHANNELS` gets: the build folder, every destination, and the run's
    settings. It returns the :class:`PublishedItem` s it published, skipped or would publish, or raises."""

    dist: Path
    options: PublishOptions
    dry_run: bool
    client: httpx.Client | None
    store: TokenStore | None
    environ: Mapping[str, str]
    progress: Callable[[PushProgress], None] | None


def _pypi_channel(context: ChannelContext) -> list[PublishedItem]:
    destination = context.options.pypi
    files = [a.path for a in read_report(context.dist) if a.kind in ("wheel", "sdist")]
    if not files:
        raise PublishError(
            f"{context.dist / REPORT_FILE} records no wheel or sdist (unchanged since the build)",
            hint=f"build them: mcpship build --target pypi --out {context.dist}",
        )
    credentials = None
    if destination.password is not None:
        credentials = PypiCredentials(destination.username or "__token__", destination.password, "--password-stdin")
    elif not context.dry_run:
        credentials = find_pypi_credentials(destination.repository_url, environ=context.environ, client=context.client)
    outcomes = upload_distributions(
        files,
        repository_url=destination.repository_url,
        credentials=credentials,
        index_url=destination.index_url,
        dry_run=context.dry_run,
        client=context.client,
    )
    return [PublishedItem(outcome.path.name, outcome.status, outcome.url) for outcome in outcomes]


def _npm_channel(context: ChannelContext) -> list[PublishedItem]:
    destination = context.options.npm
    tarballs = [a.path for a in read_report(context.dist) if a.kind == "npm"]
    if len(tarballs) != 1:
        raise PublishError(
            f"{context.dist / REPORT_FILE} records {len(tarballs) or 'no'} npm tarball(s), not one",
            hint=f"build it: mcpship build --target npm --out {context.dist}",
        )
    outcome = publish_npm_tarball(
        tarballs[0],
        registry=destination.registry,
        tag=destination.tag,
        provenance=destination.provenance,
        dry_run=context.dry_run,
        cwd=context.dist.resolve().parent,
        environ=context.environ,
    )
    return [PublishedItem(f"{outcome.name}@{outcome.version}", outcome.status, outcome.url)]


def _oci_channel(context: ChannelContext) -> list[PublishedItem]:
    destination = context.options.oci
    if destination is None:
        raise UsageError("--channel oci needs --to", hint="give the destination: --to REGISTRY/NAME[:TAG]")
    if context.dry_run:
        reference = parse_image_reference(destination.to)  # a malformed --to is found before any real run
        image = _recorded_image(context.dist)
        tag = reference.tag or image.version
        return [PublishedItem(image.path.name, "would-publish", f"{reference.registry}/{reference.name}:{tag}")]
    # A tag defaulted to the version is a version: never moved. A tag given in --to (latest, edge) may move.
    immutable = parse_image_reference(destination.to).tag is None
    pushed = _push_image(context.dist, destination, context.progress, context.client, immutable_tag=immutable).pushed
    status: ItemStatus = "skipped" if pushed.already_tagged else "published"
    return [PublishedItem(pushed.reference, status, pushed.reference)]


def _registry_channel(context: ChannelContext) -> list[PublishedItem]:
    """The MCP registry takes a version once, so a version it lists already is skipped (not compared)."""
    from mcpship.registry_client.client import RegistryClient, read_server_json
    from mcpship.registry_client.tokens import registry_in_use

    key = registry_in_use(context.options.registry.registry, store=context.store, environ=context.environ)
    _, server = read_server_json(context.dist)
    name, version = str(server.get("name", "")), str(server.get("version", ""))
    url = f"{key}/v0.1/servers/{quote(name, safe='')}/versions/{quote(version, safe='')}"
    with RegistryClient(key, client=context.client) as registry_client:
        servers = [entry.get("server") for entry in registry_client.list_versions(name)]
    listed = {held.get("version") for held in servers if isinstance(held, dict)}
    if version in listed:
        return [PublishedItem(f"{name}@{version}", "skipped", url)]
    if context.dry_run:
        return [PublishedItem(f"{name}@{version}", "would-publish", url)]
    outcome = publish_server_json(
        context.dist, registry=key, store=context.store, client=context.client, environ=context.environ
    )
    return [PublishedItem(f"{outcome.name}@{outcome.version}", "published", url)]


def _github_release_channel(context: ChannelContext) -> list[PublishedItem]:
    """The MCPB bundles (and the build's supply-chain records) on the GitHub release server.json points at."""
    from mcpship.channels.github_release import planned_release_assets, publish_github_release

    destination = context.options.github
    if context.dry_run:
        location, uploads = planned_release_assets(destination, context.dist, environ=context.environ)
        base = f"https://github.com/{location.repository}/releases/download/{quote(location.tag, safe='/')}"
        return [PublishedItem(upload.name, "would-publish", f"{base}/{quote(upload.name)}") for upload in uploads]
    outcome = publish_github_release(destination, context.dist, client=context.client, environ=context.environ)
    return [PublishedItem(row.asset, row.status, row.url) for row in outcome.assets]


# One row per channel, in the order a run takes them: packages first, then the image, then the release, then the
# MCP registry, whose server.json points at all of them.
CHANNELS: dict[str, Callable[[ChannelContext], list[PublishedItem]]] = {
    "pypi": _pypi_channel,
    "npm": _npm_channel,
    "oci": _oci_channel,
    "github-release": _github_release_channel,
    "registry": _registry_channel,
}


def publish_channels(
    dist: Path | str,
    channels: Sequence[str],
    options: PublishOptions = PublishOptions(),
    *,
    dry_run: bool = False,
    progress: Callable[[PushProgress], None] | None = None,
    client: httpx.Client | None = None,
    store: TokenStore | None = None,
    environ: Mapping[str, str] | None = None,
) -> PublishRun:
    """Publish the build in ``dist`` to each of ``channels``, packages first and the MCP registry last.

    Every channel skips what its destination already holds (compared by checksum where the channel has one), so
    a rerun after a failure continues where it stopped. The first failure stops the run: its result carries
    the error, and the channels after it are ``not-run``. ``dry_run`` looks everything up and sends nothing.
    An unknown channel is a :class:`UsageError` before anything is sent."""
    unknown = [name for name in channels if name not in CHANNELS]
    if unknown or not channels:
        raise UsageError(
            f"unknown channel(s): {', '.join(unknown)}" if unknown else "no channel given",
            hint=f"choose among {', '.join(CHANNELS)} (comma-separated: --channel pypi,npm)",
        )
    ordered = [name for name in CHANNELS if name in channels]
    context = ChannelContext(
        Path(dist), options, dry_run, client, store, dict(os.environ if environ is None else environ), progress
    )
    results: list[ChannelResult] = []
    for index, name in enumerate(ordered):
        try:
            items = CHANNELS[name](context)
        except McpshipError as error:
            results.append(ChannelResult(name, "failed", error=error))
            results += [ChannelResult(later, "not-run") for later in ordered[index + 1 :]]
            break
        results.append(ChannelResult(name, _overall(items), tuple(items)))
    return PublishRun(tuple(results), dry_run)


def _overall(items: Sequence[PublishedItem]) -> ChannelStatus:
    statuses = {item.status for item in items}
    if "would-publish" in statuses:
        return "would-publish"
    return "skipped" if statuses == {"skipped"} else "published"


def _recorded_image(dist: Path) -> Artifact:
    images = [artifact for artifact in read_report(dist) if artifact.kind == "oci"]
    if len(images) != 1:
        raise PublishError(
            f"{dist / REPORT_FILE} records {len(images) or 'no'} OCI image(s) (unchanged since the build)"
            + (f": {', '.join(artifact.path.name for artifact in images)}" if images else ""),
            hint=f"build it: mcpship build --target oci --out {dist}",
        )
    return images[0]

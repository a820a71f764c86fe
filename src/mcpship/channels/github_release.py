"""The ``github-release`` channel: attach a build's MCPB bundles (and supply-chain records) to the GitHub release
that server.json's MCPB packages point at (``https://github.com/OWNER/REPO/releases/download/TAG/FILE``).

The release is found by its tag (``GET /repos/{owner}/{repo}/releases/tags/{tag}``) and created when missing
(not a draft, named after the tag); each file goes up with ``POST {upload_url}?name=FILE``. A rerun is safe: an
asset already there under the same name is compared by SHA-256 (GitHub's ``digest`` field, else the asset is
downloaded and hashed, bounded) and skipped when equal; a different file under that name is an error, never an
overwrite. An asset GitHub left half-uploaded (``state`` not ``uploaded``) is no published file: it is replaced.

GitHub Enterprise: ``$GITHUB_API_URL`` (set in Actions) names the API; uploads go to ``…/api/uploads`` there.
The HTTP goes through an injectable ``httpx`` transport, so tests run a local fake of the API; the calls
themselves are in :mod:`mcpship.channels._github_api`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from mcpship._exceptions import PublishError
from mcpship.channels._github_api import TOKEN_HINT, GitHubReleases, ReleaseAssetOutcome, ReleaseLocation, Upload
from mcpship.pipeline.report import REPORT_FILE, read_report, read_supply_chain, sha256_of

__all__ = [
    "GITHUB_API_URL",
    "MAX_ASSET_BYTES",
    "GitHubReleaseDestination",
    "GitHubReleaseOutcome",
    "ReleaseAssetOutcome",
    "ReleaseLocation",
    "parse_release_download_url",
    "planned_release_assets",
    "publish_github_release",
]

GITHUB_API_URL = "https://api.github.com"
GITHUB_UPLOADS_URL = "https://uploads.github.com"
MAX_ASSET_BYTES = 2 << 30
"""GitHub's limit for one release asset (2 GiB)."""
_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
_REPO = re.compile(r"[A-Za-z0-9._-]{1,100}")


@dataclass(frozen=True)
class GitHubReleaseDestination:
    """Where the GitHub API is and how to authenticate; the release itself comes from server.json."""

    token: str | None = field(default=None, repr=False)
    """None: ``$GITHUB_TOKEN``, else ``$GH_TOKEN``."""
    api_url: str | None = None
    """None: ``$GITHUB_API_URL``, else ``https://api.github.com``."""
    uploads_url: str | None = None
    """None: ``https://uploads.github.com`` for github.com, ``…/api/uploads`` for GitHub Enterprise."""
    target_commitish: str | None = None
    """Only when the release and its tag do not exist yet: the commit or branch GitHub tags (default: the default
    branch)."""


@dataclass(frozen=True)
class GitHubReleaseOutcome:
    repository: str
    tag: str
    release_url: str
    created: bool
    """True when this call created the release."""
    assets: tuple[ReleaseAssetOutcome, ...]


def parse_release_download_url(url: str, *, hosts: frozenset[str] = frozenset({"github.com"})) -> ReleaseLocation:
    """``https://github.com/OWNER/REPO/releases/download/TAG/FILE`` -> its parts (percent-escapes decoded)."""
    hint = "write it as https://github.com/OWNER/REPO/releases/download/TAG/FILE (mcpb_url under [targets.server-json])"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise PublishError(f"{url!r} is not a URL", hint=hint) from exc
    if parts.scheme != "https" or host not in hosts or parts.query or parts.fragment or parts.port is not None:
        raise PublishError(
            f"{url!r} is not a GitHub release download URL (https on {', '.join(sorted(hosts))})", hint=hint
        )
    segments = [unquote(segment) for segment in parts.path.split("/")]
    if len(segments) < 7 or segments[0] or segments[3:5] != ["releases", "download"]:
        raise PublishError(f"{url!r} is not a GitHub release download URL", hint=hint)
    owner, repo, tag, file = segments[1], segments[2], "/".join(segments[5:-1]), segments[-1]
    if not _OWNER.fullmatch(owner) or not _REPO.fullmatch(repo) or repo in (".", ".."):
        raise PublishError(f"{url!r} names no valid GitHub repository ({owner!r}/{repo!r})", hint=hint)
    if not tag or any(not segment for segment in segments[5:-1]) or not file or file in (".", "..") or "\\" in file:
        raise PublishError(f"{url!r} names no release tag and file", hint=hint)
    return ReleaseLocation(owner=owner, repo=repo, tag=tag, file=file)


def publish_github_release(
    destination: GitHubReleaseDestination,
    build_dir: Path | str,
    *,
    extra_files: Sequence[Path] = (),
    transport: httpx.BaseTransport | None = None,
    client: httpx.Client | None = None,
    environ: Mapping[str, str] | None = None,
) -> GitHubReleaseOutcome:
    """Attach the MCPB bundles that ``build_dir``'s server.json points at (plus ``extra_files`` and the supply-chain
    records the build recorded) to that GitHub release, creating the release when its tag has none.

    Idempotent: what the release already holds (same name, same SHA-256) is skipped; a different file under the same
    name raises :class:`~mcpship.PublishError` and nothing is replaced. The token never appears in an error.
    ``client`` (the caller's, left open) or ``transport`` carries the HTTP; ``environ`` replaces ``os.environ``.
    """
    env = os.environ if environ is None else environ
    api, uploads = _endpoints(destination, env)
    location, uploads_planned = _plan(Path(build_dir), extra_files, _release_hosts(api, env))
    token = destination.token or env.get("GITHUB_TOKEN") or env.get("GH_TOKEN")
    if not token:
        raise PublishError(
            f"no GitHub token to publish to {location.repository}'s release {location.tag}", hint=TOKEN_HINT
        )
    with _client(client, transport) as http:
        github = GitHubReleases(http, api=api, uploads=uploads, token=token, location=location)
        release, created = github.release(destination.target_commitish)
        rows = tuple(github.attach(release, upload) for upload in uploads_planned)
    return GitHubReleaseOutcome(
        repository=location.repository,
        tag=location.tag,
        release_url=str(release.get("html_url") or ""),
        created=created,
        assets=rows,
    )


def planned_release_assets(
    destination: GitHubReleaseDestination,
    build_dir: Path | str,
    *,
    extra_files: Sequence[Path] = (),
    environ: Mapping[str, str] | None = None,
) -> tuple[ReleaseLocation, tuple[Upload, ...]]:
    """What :func:`publish_github_release` would attach, and to which release, checked offline (a dry run)."""
    env = os.environ if environ is None else environ
    api, _ = _endpoints(destination, env)
    location, uploads = _plan(Path(build_dir), extra_files, _release_hosts(api, env))
    return location, tuple(uploads)


def _release_hosts(api: httpx.URL, env: Mapping[str, str]) -> frozenset[str]:
    return frozenset({"github.com", api.host} - {"api.github.com"}) | _server_host(env)


@contextmanager
def _client(client: httpx.Client | None, transport: httpx.BaseTransport | None) -> Iterator[httpx.Client]:
    if client is not None:
        yield client  # the caller's: it closes it
        return
    with httpx.Client(transport=transport, timeout=_TIMEOUT) as own:
        yield own


# -- what to attach ----------------------------------------------------------------------------------------------


def _plan(build_dir: Path, extra_files: Sequence[Path], hosts: frozenset[str]) -> tuple[ReleaseLocation, list[Upload]]:
    """The release server.json's MCPB packages point at, and the files to attach to it (bundles first)."""
    from mcpship.registry_client.client import read_server_json

    file, server = read_server_json(build_dir)
    packages = server.get("packages")
    mcpb = [
        (index, package)
        for index, package in enumerate(packages if isinstance(packages, list) else [])
        if isinstance(package, dict) and package.get("registryType") == "mcpb"
    ]
    if not mcpb:
        raise PublishError(
            f'{file} lists no MCPB package (registryType "mcpb"): there is nothing to attach to a GitHub release',
            hint="add mcpb to [targets] and set mcpb_url under [targets.server-json], then build again: mcpship build",
        )
    artifacts = read_report(build_dir)
    bundles = [artifact for artifact in artifacts if artifact.kind == "mcpb"]
    locations: dict[ReleaseLocation, int] = {}
    uploads: list[Upload] = []
    for index, package in mcpb:
        where = f"{file}: packages[{index}].identifier"
        location = parse_release_download_url(str(package.get("identifier")), hosts=hosts)
        locations[location] = index
        wanted = package.get("fileSha256")
        bundle = next((b for b in bundles if b.sha256 == wanted), None) or next(
            (b for b in bundles if b.path.name == location.file), None
        )
        if bundle is None:
            raise PublishError(
                f"{where} points at {location.file!r}, but {build_dir / REPORT_FILE} records no bundle with that name "
                "or with its fileSha256",
                hint="build the mcpb and server-json targets together: mcpship build",
            )
        if bundle.path.name != location.file:
            raise PublishError(
                f"{where} downloads {location.file!r}, but the bundle built for it is {bundle.path.name!r}: GitHub "
                "serves an asset under the name it was uploaded as, so that URL would give 404",
                hint="end mcpb_url with {file} under [targets.server-json] and build again: mcpship build",
            )
        if isinstance(wanted, str) and wanted != bundle.sha256:
            raise PublishError(
                f"{where}: fileSha256 {wanted} is not the SHA-256 of {bundle.path} ({bundle.sha256})",
                hint="build the mcpb and server-json targets together: mcpship build",
            )
        uploads.append(Upload(bundle.path.name, bundle.path, bundle.sha256, bundle.size))
    releases = {(loc.owner, loc.repo, loc.tag) for loc in locations}
    if len(releases) > 1:
        named = ", ".join(f"{o}/{r} {t}" for o, r, t in sorted(releases))
        raise PublishError(
            f"{file}: the MCPB packages point at {len(releases)} different releases ({named})",
            hint="use one mcpb_url template (ending with {file}) for every bundle, and build again",
        )
    # The SBOMs and the provenance statement go beside the bundles: the release is where users look for them.
    uploads += [Upload(r.path.name, r.path, r.sha256, r.size) for r in read_supply_chain(build_dir)]
    uploads += [_local_file(Path(path)) for path in extra_files]
    _check_names(uploads)
    return next(iter(locations)), uploads


def _local_file(path: Path) -> Upload:
    if not path.is_file():
        raise PublishError(f"{path} is not a file", hint="name files that exist (supply-chain records of the build)")
    size = path.stat().st_size
    return Upload(path.name, path, sha256_of(path), size)


def _check_names(uploads: Sequence[Upload]) -> None:
    seen: dict[str, Path] = {}
    for upload in uploads:
        if upload.size > MAX_ASSET_BYTES:
            raise PublishError(
                f"{upload.path} is {upload.size} bytes; GitHub takes at most {MAX_ASSET_BYTES} bytes per asset",
                hint="attach a smaller file (split the bundle per platform)",
            )
        other = seen.setdefault(upload.name, upload.path)
        if other != upload.path:
            raise PublishError(
                f"two files would be attached as {upload.name!r}: {other} and {upload.path}",
                hint="a release holds one asset per name: rename one of them",
            )


# -- the API conversation ----------------------------------------------------------------------------------------


def _endpoints(destination: GitHubReleaseDestination, env: Mapping[str, str]) -> tuple[httpx.URL, httpx.URL]:
    api_text = (destination.api_url or env.get("GITHUB_API_URL") or GITHUB_API_URL).rstrip("/")
    api = httpx.URL(api_text)
    if api.scheme not in ("http", "https") or not api.host:
        raise PublishError(f"{api_text!r} is not an http(s) URL of the GitHub API", hint="fix $GITHUB_API_URL")
    if destination.uploads_url:
        uploads_text = destination.uploads_url.rstrip("/")
    elif api.host == "api.github.com":
        uploads_text = GITHUB_UPLOADS_URL
    elif api.path.endswith("/api/v3"):
        uploads_text = api_text.removesuffix("/v3") + "/uploads"  # GitHub Enterprise Server
    else:
        uploads_text = api_text
    return api, httpx.URL(uploads_text)


def _server_host(env: Mapping[str, str]) -> frozenset[str]:
    """GitHub Enterprise: release URLs are on ``$GITHUB_SERVER_URL``'s host."""
    server = env.get("GITHUB_SERVER_URL")
    host = httpx.URL(server).host if server else ""
    return frozenset({host}) if host else frozenset()

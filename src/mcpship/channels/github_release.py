"""The ``github-release`` channel: attach a build's MCPB bundles (and supply-chain records) to the GitHub release
that server.json's MCPB packages point at (``https://github.com/OWNER/REPO/releases/download/TAG/FILE``).

The release is found by its tag (``GET /repos/{owner}/{repo}/releases/tags/{tag}``) and created when missing
(not a draft, named after the tag); each file goes up with ``POST {upload_url}?name=FILE``. A rerun is safe: an
asset already there under the same name is compared by SHA-256 (GitHub's ``digest`` field, else the asset is
downloaded and hashed, bounded) and skipped when equal; a different file under that name is an error, never an
overwrite. An asset GitHub left half-uploaded (``state`` not ``uploaded``) is no published file: it is replaced.

GitHub Enterprise: ``$GITHUB_API_URL`` (set in Actions) names the API; uploads go to ``…/api/uploads`` there.
The HTTP goes through an injectable ``httpx`` transport, so tests run a local fake of the API.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, NoReturn
from urllib.parse import unquote, urlsplit

import httpx

from mcpship.__about__ import __version__
from mcpship._bounded_body import BodyTooLargeError, pieces, read_bounded
from mcpship._exceptions import PublishError
from mcpship._untrusted_json import loads_untrusted
from mcpship.pipeline.report import REPORT_FILE, read_report, sha256_of

__all__ = [
    "GITHUB_API_URL",
    "MAX_ASSET_BYTES",
    "SUPPLY_CHAIN_KINDS",
    "GitHubReleaseDestination",
    "GitHubReleaseOutcome",
    "ReleaseAssetOutcome",
    "ReleaseLocation",
    "parse_release_download_url",
    "publish_github_release",
]

GITHUB_API_URL = "https://api.github.com"
GITHUB_UPLOADS_URL = "https://uploads.github.com"
MAX_ASSET_BYTES = 2 << 30
"""GitHub's limit for one release asset (2 GiB)."""
MAX_HASHED_BYTES = 512 << 20
"""An existing asset without a ``digest`` is downloaded to compare it; a larger one is not (the hint says so)."""
MAX_JSON_BYTES = 8 << 20
"""An API answer (a release, a page of 100 assets) is kilobytes; anything near this is not one."""
MAX_ASSET_PAGES = 10
"""100 assets a page; GitHub keeps at most 1000 assets per release."""
SUPPLY_CHAIN_KINDS = frozenset({"sbom", "provenance"})
"""Kinds of build-report entries attached beside the bundles when a build recorded them."""
_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
_REPO = re.compile(r"[A-Za-z0-9._-]{1,100}")
_TOKEN_HINT = (
    "give a token that may write the repository's releases: $GITHUB_TOKEN (in GitHub Actions, with "
    "`permissions: contents: write`) or $GH_TOKEN, or pipe it to --password-stdin"
)
_CONTENT_TYPES = {".mcpb": "application/zip", ".json": "application/json", ".txt": "text/plain"}


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
class ReleaseLocation:
    """A release download URL, taken apart."""

    owner: str
    repo: str
    tag: str
    file: str

    @property
    def repository(self) -> str:
        return f"{self.owner}/{self.repo}"


@dataclass(frozen=True)
class ReleaseAssetOutcome:
    asset: str
    url: str
    """Where users download it (the asset's ``browser_download_url``)."""
    status: Literal["published", "skipped"]
    """``skipped``: the release already had this very file (same name, same SHA-256)."""
    sha256: str
    size: int


@dataclass(frozen=True)
class GitHubReleaseOutcome:
    repository: str
    tag: str
    release_url: str
    created: bool
    """True when this call created the release."""
    assets: tuple[ReleaseAssetOutcome, ...]


@dataclass(frozen=True)
class _Upload:
    name: str
    path: Path
    sha256: str
    size: int


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
    environ: Mapping[str, str] | None = None,
) -> GitHubReleaseOutcome:
    """Attach the MCPB bundles that ``build_dir``'s server.json points at (plus ``extra_files`` and the supply-chain
    records the build recorded) to that GitHub release, creating the release when its tag has none.

    Idempotent: what the release already holds (same name, same SHA-256) is skipped; a different file under the same
    name raises :class:`~mcpship.PublishError` and nothing is replaced. The token never appears in an error.
    """
    env = os.environ if environ is None else environ
    api, uploads = _endpoints(destination, env)
    hosts = frozenset({"github.com", api.host} - {"api.github.com"}) | _server_host(env)
    location, uploads_planned = _plan(Path(build_dir), extra_files, hosts)
    token = destination.token or env.get("GITHUB_TOKEN") or env.get("GH_TOKEN")
    if not token:
        raise PublishError(
            f"no GitHub token to publish to {location.repository}'s release {location.tag}", hint=_TOKEN_HINT
        )
    with httpx.Client(transport=transport, timeout=_TIMEOUT) as http:
        github = _GitHub(http, api=api, uploads=uploads, token=token, location=location)
        release, created = github.release(destination.target_commitish)
        rows = tuple(github.attach(release, upload) for upload in uploads_planned)
    return GitHubReleaseOutcome(
        repository=location.repository,
        tag=location.tag,
        release_url=str(release.get("html_url") or ""),
        created=created,
        assets=rows,
    )


# -- what to attach ----------------------------------------------------------------------------------------------


def _plan(build_dir: Path, extra_files: Sequence[Path], hosts: frozenset[str]) -> tuple[ReleaseLocation, list[_Upload]]:
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
    uploads: list[_Upload] = []
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
        uploads.append(_Upload(bundle.path.name, bundle.path, bundle.sha256, bundle.size))
    releases = {(loc.owner, loc.repo, loc.tag) for loc in locations}
    if len(releases) > 1:
        named = ", ".join(f"{o}/{r} {t}" for o, r, t in sorted(releases))
        raise PublishError(
            f"{file}: the MCPB packages point at {len(releases)} different releases ({named})",
            hint="use one mcpb_url template (ending with {file}) for every bundle, and build again",
        )
    uploads += [_Upload(a.path.name, a.path, a.sha256, a.size) for a in artifacts if a.kind in SUPPLY_CHAIN_KINDS]
    uploads += [_local_file(Path(path)) for path in extra_files]
    _check_names(uploads)
    return next(iter(locations)), uploads


def _local_file(path: Path) -> _Upload:
    if not path.is_file():
        raise PublishError(f"{path} is not a file", hint="name files that exist (supply-chain records of the build)")
    size = path.stat().st_size
    return _Upload(path.name, path, sha256_of(path), size)


def _check_names(uploads: Sequence[_Upload]) -> None:
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


class _GitHub:
    """One repository's releases, over the REST API."""

    def __init__(
        self, http: httpx.Client, *, api: httpx.URL, uploads: httpx.URL, token: str, location: ReleaseLocation
    ) -> None:
        self.http, self.api, self.uploads, self.location = http, api, uploads, location
        self._token = token
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": f"mcpship/{__version__}",
            "Accept-Encoding": "identity",
        }
        self.repo_path = f"{api.path.rstrip('/')}/repos/{location.owner}/{location.repo}"

    # -- releases

    def release(self, target_commitish: str | None) -> tuple[dict[str, Any], bool]:
        """The release of the tag, created (published, named after the tag) when there is none."""
        found = self._release_by_tag()
        if found is not None:
            return found, False
        body: dict[str, Any] = {"tag_name": self.location.tag, "name": self.location.tag, "draft": False}
        if target_commitish:
            body["target_commitish"] = target_commitish
        response = self._call("POST", self._api(f"{self.repo_path}/releases"), "create the release", json=body)
        if response.status_code == 201:
            return self._json(response, "the created release"), True
        if response.status_code == 422 and _error_code(response) == "already_exists":
            again = self._release_by_tag()  # created meanwhile (a parallel job)
            if again is not None:
                return again, False
            raise PublishError(
                f"{self._where()}: GitHub says a release of the tag already exists, but it is not published (a draft)",
                hint="publish or delete the draft release on GitHub, then publish again",
            )
        raise self._refusal(response, "create the release")

    def _release_by_tag(self) -> dict[str, Any] | None:
        path = f"{self.repo_path}/releases/tags/{_segment(self.location.tag)}"
        response = self._call("GET", self._api(path), "look up the release")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._refusal(response, "look up the release")
        return self._json(response, "the release")

    def _assets(self, release: dict[str, Any]) -> dict[str, dict[str, Any]]:
        assets: dict[str, dict[str, Any]] = {}
        for page in range(1, MAX_ASSET_PAGES + 1):
            url = self._api(f"{self.repo_path}/releases/{_release_id(release)}/assets")
            response = self._call("GET", url, "list the release's assets", params={"per_page": 100, "page": page})
            if response.status_code != 200:
                raise self._refusal(response, "list the release's assets")
            listed = loads_or_none(response)
            if not isinstance(listed, list):
                self._malformed("the asset list")
            assets.update((str(a.get("name")), a) for a in listed if isinstance(a, dict))
            if 'rel="next"' not in response.headers.get("link", ""):
                break
        return assets

    # -- assets

    def attach(self, release: dict[str, Any], upload: _Upload) -> ReleaseAssetOutcome:
        existing = self._assets(release).get(upload.name)
        if existing is not None:
            if existing.get("state") == "uploaded":
                return self._compare(existing, upload)
            self._delete(existing)  # a half-finished upload of an earlier run: no published file
        if release.get("immutable") is True:
            raise PublishError(
                f"{self._where()}: the release is immutable (published with immutable releases on), so "
                f"{upload.name!r} cannot be added",
                hint="attach every asset before the release is published, or publish a new version",
            )
        asset = self._upload(release, upload)
        if asset is None:  # GitHub says the name is taken: an upload that raced ours; compare with it
            existing = self._assets(release).get(upload.name)
            if existing is None or existing.get("state") != "uploaded":
                raise PublishError(
                    f"{self._where()}: GitHub refused {upload.name!r} as a duplicate but lists no finished asset of "
                    "that name",
                    hint="publish again in a minute (another upload may be under way)",
                )
            return self._compare(existing, upload)
        if asset.get("name") != upload.name:
            raise PublishError(
                f"{self._where()}: GitHub stored {upload.path.name!r} as {asset.get('name')!r}, so its download URL "
                "differs from server.json's",
                hint="name files with letters, digits, '.', '-' and '_' only, and build again",
            )
        self._check_digest(asset, upload)
        return ReleaseAssetOutcome(upload.name, _download_url(asset), "published", upload.sha256, upload.size)

    def _compare(self, asset: dict[str, Any], upload: _Upload) -> ReleaseAssetOutcome:
        remote = self._sha256(asset)
        if remote != upload.sha256:
            delete = shlex.join(["gh", "release", "delete-asset", self.location.tag, upload.name])
            raise PublishError(
                f"{self._where()} already has an asset {upload.name!r} with SHA-256 {remote}, not that of "
                f"{upload.path} ({upload.sha256}); mcpship never replaces a published file",
                hint=f"publish a new version (mcpship bump), or if the release is wrong, delete the asset "
                f"({delete} --repo {shlex.quote(self.location.repository)}) and publish again",
            )
        return ReleaseAssetOutcome(upload.name, _download_url(asset), "skipped", upload.sha256, upload.size)

    def _check_digest(self, asset: dict[str, Any], upload: _Upload) -> None:
        digest = asset.get("digest")
        size = asset.get("size")
        if (isinstance(digest, str) and digest != f"sha256:{upload.sha256}") or (
            isinstance(size, int) and size != upload.size
        ):
            raise PublishError(
                f"{self._where()}: GitHub stored {upload.name!r} as {size} bytes with {digest}, not the "
                f"{upload.size} bytes with sha256:{upload.sha256} that were sent",
                hint="delete the asset on GitHub and publish again (the upload was damaged)",
            )

    def _sha256(self, asset: dict[str, Any]) -> str:
        digest = asset.get("digest")
        if isinstance(digest, str) and re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
            return digest.removeprefix("sha256:")
        size = asset.get("size")
        name = str(asset.get("name"))
        if not isinstance(size, int) or size > MAX_HASHED_BYTES:
            raise PublishError(
                f"{self._where()}: the asset {name!r} has no digest and is too large ({size} bytes) to download and "
                "compare",
                hint="compare it by hand; if it differs, delete it on GitHub and publish again",
            )
        url = self._api(f"{self.repo_path}/releases/assets/{_asset_id(asset)}")
        hasher, received = hashlib.sha256(), 0
        action = f"download the asset {name!r} to compare it"
        headers = {**self.headers, "Accept": "application/octet-stream"}
        # Redirects go to GitHub's storage host; httpx drops the Authorization header when leaving the API's origin.
        request = self.http.build_request("GET", url, headers=headers)
        try:
            response = self.http.send(request, stream=True, follow_redirects=True)
            try:
                if response.status_code != 200:
                    body = read_bounded(response, MAX_JSON_BYTES)
                    raise self._refusal(
                        httpx.Response(response.status_code, headers=response.headers, content=body), action
                    )
                for piece in pieces(response):
                    received += len(piece)
                    if received > size:
                        raise BodyTooLargeError(f"more than the {size} bytes GitHub lists")
                    hasher.update(piece)
            finally:
                response.close()
        except (httpx.HTTPError, ValueError) as exc:
            raise PublishError(
                f"could not {action} from {self.location.repository}: {self._clean(str(exc))}",
                hint="check the network and publish again",
            ) from exc
        return hasher.hexdigest()

    def _upload(self, release: dict[str, Any], upload: _Upload) -> dict[str, Any] | None:
        """The new asset, or None when GitHub says an asset of that name exists (422 ``already_exists``)."""
        url = self._upload_url(release)
        headers = {
            "Content-Type": _CONTENT_TYPES.get(upload.path.suffix, "application/octet-stream"),
            "Content-Length": str(upload.size),
        }
        with upload.path.open("rb") as handle:
            response = self._call(
                "POST",
                url,
                f"upload {upload.name!r}",
                params={"name": upload.name},
                content=_chunks(handle),
                headers=headers,
            )
        if response.status_code == 201:
            return self._json(response, "the uploaded asset")
        if response.status_code == 422 and _error_code(response) == "already_exists":
            return None
        raise self._refusal(response, f"upload {upload.name!r}")

    def _delete(self, asset: dict[str, Any]) -> None:
        url = self._api(f"{self.repo_path}/releases/assets/{_asset_id(asset)}")
        response = self._call("DELETE", url, f"remove the unfinished asset {asset.get('name')!r}")
        if response.status_code not in (204, 404):
            raise self._refusal(response, f"remove the unfinished asset {asset.get('name')!r}")

    def _upload_url(self, release: dict[str, Any]) -> httpx.URL:
        """The release's ``upload_url`` without its ``{?name,label}`` template; the token goes nowhere else."""
        text = str(release.get("upload_url") or "").split("{", 1)[0]
        try:
            url = httpx.URL(text)
        except httpx.InvalidURL:
            self._malformed("the release's upload_url")
        same_place = (url.scheme, url.host, url.port) == (self.uploads.scheme, self.uploads.host, self.uploads.port)
        if not same_place or not url.path.startswith(self.uploads.path.rstrip("/") + "/"):
            raise PublishError(
                f"{self._where()}: GitHub gave an upload address ({url.scheme}://{url.host}) outside {self.uploads}",
                hint="set the uploads URL of your GitHub Enterprise server (GitHubReleaseDestination.uploads_url)",
            )
        return url

    # -- plumbing

    def _api(self, path: str) -> httpx.URL:
        return self.api.copy_with(path=path, query=None)

    def _call(self, method: str, url: httpx.URL, action: str, **kwargs: Any) -> httpx.Response:
        """The answer, its body read (bounded) so the stream is closed; network failures as PublishError."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        request = self.http.build_request(method, url, headers=headers, **kwargs)
        try:
            got = self.http.send(request, stream=True)
            try:
                body = read_bounded(got, MAX_JSON_BYTES)
            finally:
                got.close()
        except BodyTooLargeError as exc:
            raise PublishError(f"GitHub's answer to {action} is too large: {exc}", hint="retry later") from exc
        except (httpx.HTTPError, ValueError) as exc:
            raise PublishError(
                f"could not {action} at {url.host}: {self._clean(str(exc))}",
                hint="check the network (and $GITHUB_API_URL on GitHub Enterprise), then publish again",
            ) from exc
        return httpx.Response(got.status_code, headers=got.headers, content=body, request=got.request)

    def _json(self, response: httpx.Response, what: str) -> dict[str, Any]:
        body = loads_or_none(response)
        if not isinstance(body, dict):
            self._malformed(what)
        return body

    def _malformed(self, what: str) -> NoReturn:
        raise PublishError(
            f"{self._where()}: GitHub's answer for {what} is not what its API returns",
            hint="check $GITHUB_API_URL points at the GitHub API",
        )

    def _where(self) -> str:
        return f"{self.location.repository} release {self.location.tag}"

    def _clean(self, text: str) -> str:
        """Remote or library text, bounded, with the token taken out should anything echo it."""
        return text[:300].replace(self._token, "***")

    def _refusal(self, response: httpx.Response, action: str) -> PublishError:
        message, hint = self._explain(response, action)
        return PublishError(message, hint=hint)

    def _explain(self, response: httpx.Response, action: str) -> tuple[str, str]:
        status = response.status_code
        said = _message(response)
        said = f" ({self._clean(said)})" if said else ""
        where = self._where()
        if status == 401:
            return f"{where}: GitHub refused the token to {action}{said}", _TOKEN_HINT
        if status in (403, 429) and response.headers.get("x-ratelimit-remaining") == "0":
            reset = response.headers.get("x-ratelimit-reset", "")
            when = datetime.fromtimestamp(int(reset), UTC).strftime("%H:%M:%S UTC") if reset.isdigit() else "soon"
            return (
                f"{where}: GitHub's API rate limit is used up (it resets at {when}){said}",
                "publish again after that",
            )
        if status == 429 or (status == 403 and "retry-after" in response.headers):
            wait = response.headers.get("retry-after", "60")
            wait = wait if wait.isdigit() else "60"
            return (
                f"{where}: GitHub limits how fast this token may {action} (secondary rate limit){said}",
                f"wait {wait} seconds, then publish again",
            )
        if status == 403:
            return (
                f"{where}: the token may not {action}{said}",
                "give the token write access to the repository's contents: in GitHub Actions `permissions: contents:"
                " write`; a fine-grained token needs Contents: read and write",
            )
        if status == 404:
            return (
                f"{where}: GitHub does not know {self.location.repository}, or the token cannot see it, so it could"
                f" not {action}{said}",
                "check OWNER/REPO in mcpb_url under [targets.server-json], and that the token has access to it",
            )
        if status == 422:
            return (
                f"{where}: GitHub refused to {action}{said}",
                "see GitHub's message; a tag name must be a valid git ref, an asset name unique in the release",
            )
        if status >= 500:
            return f"{where}: GitHub failed to {action}: HTTP {status}{said}", "retry later (GitHub failed)"
        return f"{where}: could not {action}: HTTP {status}{said}", "see GitHub's message"


def _chunks(handle: Any) -> Iterator[bytes]:
    while chunk := handle.read(1 << 20):
        yield chunk


def loads_or_none(response: httpx.Response) -> Any:
    try:
        return loads_untrusted(response.content)
    except ValueError:
        return None


def _message(response: httpx.Response) -> str:
    """GitHub's ``message`` plus each ``errors[]`` entry's message or code."""
    body = loads_or_none(response)
    if not isinstance(body, dict):
        return ""
    parts = [str(body.get("message") or "")]
    errors = body.get("errors")
    for error in errors[:5] if isinstance(errors, list) else []:
        if isinstance(error, dict):
            parts.append(str(error.get("message") or error.get("code") or ""))
        elif isinstance(error, str):
            parts.append(error)
    return ": ".join(part for part in parts if part)


def _error_code(response: httpx.Response) -> str | None:
    body = loads_or_none(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    first = errors[0] if isinstance(errors, list) and errors else None
    return str(first.get("code")) if isinstance(first, dict) else None


def _segment(text: str) -> str:
    """A tag as one path segment (a tag may hold ``/``)."""
    return text.replace("%", "%25").replace("/", "%2F").replace("?", "%3F").replace("#", "%23")


def _release_id(release: dict[str, Any]) -> int:
    value = release.get("id")
    if not isinstance(value, int) or isinstance(value, bool):
        raise PublishError("GitHub's release has no numeric id", hint="check $GITHUB_API_URL points at the GitHub API")
    return value


def _asset_id(asset: dict[str, Any]) -> int:
    value = asset.get("id")
    if not isinstance(value, int) or isinstance(value, bool):
        raise PublishError("GitHub's release asset has no numeric id", hint="check $GITHUB_API_URL")
    return value


def _download_url(asset: dict[str, Any]) -> str:
    return str(asset.get("browser_download_url") or "")

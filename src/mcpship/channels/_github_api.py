"""The GitHub REST API calls of the ``github-release`` channel: one repository's releases and their assets.

Every answer is read bounded (:data:`MAX_JSON_BYTES`), every refusal becomes a :class:`~mcpship.PublishError`
with a fix, and the token goes only to the API and its uploads address, never into a message.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, NoReturn

import httpx

from mcpship.__about__ import __version__
from mcpship._bounded_body import BodyTooLargeError, pieces, read_bounded
from mcpship._exceptions import PublishError
from mcpship._untrusted_json import loads_untrusted

__all__ = [
    "MAX_HASHED_BYTES",
    "MAX_JSON_BYTES",
    "TOKEN_HINT",
    "GitHubReleases",
    "ReleaseAssetOutcome",
    "ReleaseLocation",
    "Upload",
]

MAX_HASHED_BYTES = 512 << 20
"""An existing asset without a ``digest`` is downloaded to compare it; a larger one is not (the hint says so)."""
MAX_JSON_BYTES = 8 << 20
"""An API answer (a release, a page of 100 assets) is kilobytes; anything near this is not one."""
MAX_ASSET_PAGES = 10
"""100 assets a page; GitHub keeps at most 1000 assets per release."""
TOKEN_HINT = (
    "give a token that may write the repository's releases: $GITHUB_TOKEN (in GitHub Actions, with "
    "`permissions: contents: write`) or $GH_TOKEN, or pipe it to --password-stdin"
)
_CONTENT_TYPES = {".mcpb": "application/zip", ".json": "application/json", ".txt": "text/plain"}


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
class Upload:
    name: str
    path: Path
    sha256: str
    size: int


class GitHubReleases:
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
            listed = _loads_or_none(response)
            if not isinstance(listed, list):
                self._malformed("the asset list")
            assets.update((str(a.get("name")), a) for a in listed if isinstance(a, dict))
            if 'rel="next"' not in response.headers.get("link", ""):
                break
        return assets

    # -- assets

    def attach(self, release: dict[str, Any], upload: Upload) -> ReleaseAssetOutcome:
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

    def _compare(self, asset: dict[str, Any], upload: Upload) -> ReleaseAssetOutcome:
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

    def _check_digest(self, asset: dict[str, Any], upload: Upload) -> None:
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

    def _upload(self, release: dict[str, Any], upload: Upload) -> dict[str, Any] | None:
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
        body = _loads_or_none(response)
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
            return f"{where}: GitHub refused the token to {action}{said}", TOKEN_HINT
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


def _loads_or_none(response: httpx.Response) -> Any:
    try:
        return loads_untrusted(response.content)
    except ValueError:
        return None


def _message(response: httpx.Response) -> str:
    """GitHub's ``message`` plus each ``errors[]`` entry's message or code."""
    body = _loads_or_none(response)
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
    body = _loads_or_none(response)
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

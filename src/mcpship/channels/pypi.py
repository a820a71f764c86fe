"""Upload wheels and sdists to a PyPI-compatible index with the API twine uses (the "legacy" upload API).

Before anything is sent, each file is looked up in the index's simple API (PEP 691 JSON when offered, PEP 503
HTML otherwise): a file already there with the same sha256 is skipped, one with a different sha256 is an error
naming both digests (an index never takes a second file under one name, and mcpship never tries). So a run cut
short after its first file finishes on the rerun without a duplicate upload.

Credentials: an API token (user ``__token__``) or a user and password, given by the caller or found by
:func:`find_pypi_credentials` (``$MCPSHIP_PYPI_TOKEN``, ``$PYPI_API_TOKEN``, else a trusted-publishing token minted
from the GitHub Actions OIDC token: PyPI's documented exchange at ``/_/oidc/mint-token``). Secrets go in headers
only, never in a message.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urljoin, urlsplit

import httpx
from packaging.metadata import Metadata, parse_email
from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from mcpship._archive_members import open_zip, read_tar_member, read_zip_member
from mcpship._bounded_body import BodyTooLargeError, read_bounded
from mcpship._exceptions import PublishError
from mcpship._untrusted_json import loads_untrusted

__all__ = [
    "DEFAULT_PYPI_UPLOAD_URL",
    "FileStatus",
    "PypiCredentials",
    "PypiFileOutcome",
    "find_pypi_credentials",
    "mint_trusted_publishing_token",
    "simple_index_url",
    "upload_distributions",
]

DEFAULT_PYPI_UPLOAD_URL = "https://upload.pypi.org/legacy/"
TOKEN_VARIABLES = ("MCPSHIP_PYPI_TOKEN", "PYPI_API_TOKEN")
MAX_ANSWER_BYTES = 8 << 20
"""A simple-API page lists every file of a project; PyPI's largest are a few MB."""
MAX_ERROR_QUOTE = 300
TIMEOUT = httpx.Timeout(60.0, connect=10.0)
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"

FileStatus = Literal["published", "skipped", "would-publish"]


@dataclass(frozen=True)
class PypiCredentials:
    username: str
    password: str = field(repr=False)
    source: str
    """Where they came from, for messages (never the secret): ``$MCPSHIP_PYPI_TOKEN``, ``trusted publishing``..."""


@dataclass(frozen=True)
class PypiFileOutcome:
    path: Path
    sha256: str
    status: FileStatus
    url: str
    """Where users find it: the file's URL in the index when known, else the project's page."""


@dataclass(frozen=True)
class _Distribution:
    path: Path
    name: str
    version: str
    filetype: str
    pyversion: str
    sha256: str
    fields: list[tuple[str, str]]


# -- credentials -----------------------------------------------------------------------------------------------


def find_pypi_credentials(
    repository_url: str, *, environ: Mapping[str, str], client: httpx.Client | None = None
) -> PypiCredentials:
    """An API token from the environment, else a trusted-publishing token when running in GitHub Actions with
    ``id-token: write``; a :class:`PublishError` saying how to give one otherwise."""
    for variable in TOKEN_VARIABLES:
        if environ.get(variable):
            return PypiCredentials("__token__", environ[variable].strip(), f"${variable}")
    if environ.get("ACTIONS_ID_TOKEN_REQUEST_URL") and environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN"):
        token = mint_trusted_publishing_token(repository_url, environ=environ, client=client)
        return PypiCredentials("__token__", token, "trusted publishing")
    raise PublishError(
        f"no credentials for {repository_url}: neither $MCPSHIP_PYPI_TOKEN nor $PYPI_API_TOKEN is set, and this is"
        " not a GitHub Actions job that may request an OIDC token",
        hint="create an API token on the index and set MCPSHIP_PYPI_TOKEN, or pipe it in: --password-stdin;"
        " in GitHub Actions, configure a trusted publisher on PyPI and give the job `permissions: id-token: write`",
    )


def mint_trusted_publishing_token(
    repository_url: str, *, environ: Mapping[str, str], client: httpx.Client | None = None
) -> str:
    """PyPI's trusted publishing: ask the index for its OIDC audience, get an OIDC token for it from GitHub Actions,
    and exchange that at the index's ``/_/oidc/mint-token`` for a short-lived API token."""
    parts = urlsplit(repository_url)
    index = f"{parts.scheme}://{parts.netloc}"
    with _client(client) as http:
        audience = _json_field(
            http,
            "GET",
            f"{index}/_/oidc/audience",
            "audience",
            what="the OIDC audience (trusted publishing)",
            hint=f"{index} may not offer trusted publishing: give an API token in MCPSHIP_PYPI_TOKEN instead",
        )
        request_url = str(httpx.URL(environ["ACTIONS_ID_TOKEN_REQUEST_URL"]).copy_merge_params({"audience": audience}))
        oidc = _json_field(
            http,
            "GET",
            request_url,
            "value",
            what="an OIDC token from GitHub Actions",
            headers={"Authorization": f"bearer {environ['ACTIONS_ID_TOKEN_REQUEST_TOKEN']}"},
            hint="give the job `permissions: id-token: write`",
        )
        return _json_field(
            http,
            "POST",
            f"{index}/_/oidc/mint-token",
            "token",
            what="an API token for the OIDC token (trusted publishing)",
            json={"token": oidc},
            hint=f"add this repository and workflow as a trusted publisher of the project on {index}"
            " (Your projects > Manage > Publishing), then rerun the job",
        )


def _json_field(
    http: httpx.Client, method: str, url: str, key: str, *, what: str, hint: str | None = None, **kwargs: Any
) -> str:
    """One string field of a JSON answer; the answer's own words (``message``, ``errors``) on a refusal."""
    shown = urlsplit(url)._replace(query="", fragment="").geturl()  # the Actions URL's query carries a secret
    try:
        with http.stream(
            method, url, headers={"Accept-Encoding": "identity", **kwargs.pop("headers", {})}, **kwargs
        ) as r:
            body = read_bounded(r, 1 << 20)
            status = r.status_code
    except (httpx.HTTPError, BodyTooLargeError) as error:
        raise PublishError(f"could not get {what} from {shown}: {_reason(error)}", hint=hint) from error
    try:
        data = loads_untrusted(body)
    except ValueError:
        data = None
    value = data.get(key) if isinstance(data, dict) else None
    if status != 200 or not isinstance(value, str) or not value:
        raise PublishError(
            f"could not get {what} from {shown}: HTTP {status}{_quote_refusal(data, body)}",
            hint=hint or "check the index URL (--repository-url)",
        )
    return value


def _quote_refusal(data: object, body: bytes) -> str:
    if isinstance(data, dict):
        words = data.get("message") or data.get("errors") or data.get("detail")
        if words:
            return f": {str(words)[:MAX_ERROR_QUOTE]}"
    text = body.decode("utf-8", "replace").strip()
    return f": {text[:MAX_ERROR_QUOTE]}" if text else ""


# -- the upload ------------------------------------------------------------------------------------------------


def simple_index_url(repository_url: str) -> str:
    """The simple API next to an upload URL: PyPI's and TestPyPI's by name, ``…/legacy/`` → ``…/simple/``, and
    otherwise ``simple/`` under the upload URL (pypiserver, devpi-style roots)."""
    parts = urlsplit(repository_url)
    if parts.netloc == "upload.pypi.org":
        return "https://pypi.org/simple/"
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    path = path[: -len("legacy/")] if path.endswith("/legacy/") else path
    return parts._replace(path=path + "simple/", query="", fragment="").geturl()


def upload_distributions(
    files: Sequence[Path],
    *,
    repository_url: str = DEFAULT_PYPI_UPLOAD_URL,
    credentials: PypiCredentials | None,
    index_url: str | None = None,
    dry_run: bool = False,
    client: httpx.Client | None = None,
) -> list[PypiFileOutcome]:
    """Upload ``files`` (wheels and sdists of one project) that the index does not hold yet; see the module doc.

    ``index_url`` is the simple API to look files up in (default: :func:`simple_index_url`). With ``dry_run``
    nothing is uploaded (and ``credentials`` may be None): the outcomes say what a real run would do."""
    distributions = [_read_distribution(path) for path in files]
    simple = index_url or simple_index_url(repository_url)
    outcomes: list[PypiFileOutcome] = []
    with _client(client) as http:
        listed: dict[str, dict[str, tuple[str, str]]] = {}
        for dist in distributions:
            if dist.name not in listed:
                listed[dist.name] = _listed_files(
                    http, simple, dist.name, _auth_for(simple, repository_url, credentials)
                )
            there = listed[dist.name].get(dist.path.name)
            if there is not None:
                outcomes.append(_already_there(dist, there, simple))
                continue
            if dry_run:
                outcomes.append(PypiFileOutcome(dist.path, dist.sha256, "would-publish", _page(simple, dist)))
                continue
            if credentials is None:
                raise PublishError(f"no credentials to upload {dist.path.name}", hint="set MCPSHIP_PYPI_TOKEN")
            outcomes.append(_upload(http, repository_url, simple, dist, credentials))
    return outcomes


def _already_there(dist: _Distribution, there: tuple[str, str], simple: str) -> PypiFileOutcome:
    digest, url = there
    if digest != dist.sha256:
        raise PublishError(
            f"{simple} already holds {dist.path.name} with sha256 {digest or '(none listed)'}, but the file to"
            f" publish has sha256 {dist.sha256}; an index never replaces a file, and mcpship does not try",
            hint=f"the version {dist.version} is taken: raise the version (`mcpship bump patch`),"
            " rebuild and publish again",
        )
    return PypiFileOutcome(dist.path, dist.sha256, "skipped", url)


def _upload(
    http: httpx.Client, repository_url: str, simple: str, dist: _Distribution, credentials: PypiCredentials
) -> PypiFileOutcome:
    data: dict[str, Any] = {}
    for key, value in dist.fields:
        data.setdefault(key, []).append(value)
    content = dist.path.read_bytes()
    files = {"content": (dist.path.name, content, "application/octet-stream")}
    auth = httpx.BasicAuth(credentials.username, credentials.password)
    try:
        with http.stream(
            "POST", repository_url, data=data, files=files, auth=auth, headers={"Accept-Encoding": "identity"}
        ) as response:
            body = read_bounded(response, 1 << 20)
            status = response.status_code
            reason = response.reason_phrase
    except (httpx.HTTPError, BodyTooLargeError) as error:
        raise PublishError(
            f"could not upload {dist.path.name} to {repository_url}: {_reason(error)}",
            hint="check the URL and the network, then rerun: files already uploaded are skipped",
        ) from error
    if 200 <= status < 300:
        return PypiFileOutcome(dist.path, dist.sha256, "published", _page(simple, dist))
    if status in (400, 409) and b"exist" in body.lower():
        # Uploaded meanwhile (another job, or a lookup the index's cache answered stale): judge it by checksum.
        there = _listed_files(http, simple, dist.name, _auth_for(simple, repository_url, credentials))
        if dist.path.name in there:
            return _already_there(dist, there[dist.path.name], simple)
    raise _refusal(dist, repository_url, status, reason, body, credentials)


def _refusal(
    dist: _Distribution, repository_url: str, status: int, reason: str, body: bytes, credentials: PypiCredentials
) -> PublishError:
    said = _quote_refusal(None, body) or f": {reason}"
    message = f"{repository_url} refused {dist.path.name} (HTTP {status}){said}"
    if status in (401, 403):
        hint = (
            f"the index did not accept the credentials from {credentials.source} (user {credentials.username}):"
            f" check the token is current and may upload to the project {dist.name}"
        )
    elif status == 400 and b"name" in body.lower() and b"not allowed" in body.lower():
        hint = f"the project name {dist.name} is taken or too close to another: rename it in pyproject.toml"
    elif status == 413:
        hint = "the file is larger than the index allows; ask its maintainers for a larger limit"
    else:
        hint = "fix what the index says, then rerun: files already uploaded are skipped"
    return PublishError(message, hint=hint)


def _auth_for(simple: str, repository_url: str, credentials: PypiCredentials | None) -> httpx.BasicAuth | None:
    """Credentials go to the simple API only when it is on the upload URL's own host (a private index)."""
    if credentials is None or urlsplit(simple).netloc != urlsplit(repository_url).netloc:
        return None
    return httpx.BasicAuth(credentials.username, credentials.password)


def _page(simple: str, dist: _Distribution) -> str:
    if urlsplit(simple).netloc in ("pypi.org", "test.pypi.org"):
        return urljoin(simple, f"/project/{dist.name}/{dist.version}/")
    return urljoin(simple, f"{dist.name}/")


# -- looking files up in the simple API ------------------------------------------------------------------------


def _listed_files(
    http: httpx.Client, simple: str, name: str, auth: httpx.BasicAuth | None
) -> dict[str, tuple[str, str]]:
    """``{filename: (sha256, url)}`` of what the index lists for ``name`` (empty for a project it does not have)."""
    page = urljoin(simple, f"{name}/")
    headers = {"Accept": f"{SIMPLE_JSON}, text/html;q=0.1", "Accept-Encoding": "identity"}
    try:
        with http.stream("GET", page, headers=headers, auth=auth or httpx.USE_CLIENT_DEFAULT) as response:
            if response.status_code == 404:
                return {}
            body = read_bounded(response, MAX_ANSWER_BYTES)
            status = response.status_code
            content_type = response.headers.get("content-type", "").split(";")[0].strip()
            final_url = str(response.url)
    except (httpx.HTTPError, BodyTooLargeError) as error:
        raise PublishError(
            f"could not look up {name} in {simple}: {_reason(error)}",
            hint="mcpship checks what the index holds before uploading: check the index is up and its URL"
            " (--repository-url; its simple API, if elsewhere: --index-url)",
        ) from error
    if status != 200:
        raise PublishError(
            f"could not look up {name} in {simple}: HTTP {status}",
            hint="give the simple API of the index you upload to with --index-url (and credentials that may read it)",
        )
    if content_type == SIMPLE_JSON:
        return _json_files(body, page)
    return _html_files(body.decode("utf-8", "replace"), final_url)


def _json_files(body: bytes, page: str) -> dict[str, tuple[str, str]]:
    try:
        data = loads_untrusted(body)
    except ValueError as error:
        raise PublishError(f"{page} is not valid JSON: {error}", hint="check the index URL (--index-url)") from error
    entries = data.get("files") if isinstance(data, dict) else None
    found: dict[str, tuple[str, str]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("filename"), str):
            continue
        hashes = entry.get("hashes")
        digest = hashes.get("sha256") if isinstance(hashes, dict) else None
        url = entry.get("url")
        found[entry["filename"]] = (
            digest.lower() if isinstance(digest, str) else "",
            urljoin(page, url) if isinstance(url, str) else page,
        )
    return found


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


_SHA256_FRAGMENT = re.compile(r"(?:^|&)sha256=([0-9a-fA-F]{64})(?:&|$)")


def _html_files(text: str, page: str) -> dict[str, tuple[str, str]]:
    anchors = _Anchors()
    anchors.feed(text)
    found: dict[str, tuple[str, str]] = {}
    for href, label in anchors.links:
        url = urljoin(page, href)
        parts = urlsplit(url)
        filename = label or unquote(parts.path.rsplit("/", 1)[-1])
        match = _SHA256_FRAGMENT.search(parts.fragment)
        found[filename] = (match.group(1).lower() if match else "", url)
    return found


# -- reading a distribution ------------------------------------------------------------------------------------

# packaging's RawMetadata keys → the upload form's field names (twine's, which warehouse reads); others are not sent.
_FIELD_NAMES = {
    **{key: key for key in ("summary", "description", "keywords", "home_page", "author", "author_email", "license")},
    **{key: key for key in ("download_url", "classifiers", "requires", "provides", "obsoletes", "maintainer")},
    **{key: key for key in ("maintainer_email", "requires_dist", "provides_dist", "obsoletes_dist", "dynamic")},
    **{key: key for key in ("requires_python", "requires_external", "project_urls", "description_content_type")},
    **{key: key for key in ("provides_extra", "license_expression")},
    "platforms": "platform",
    "supported_platforms": "supported_platform",
    "license_files": "license_file",
}


def _read_distribution(path: Path) -> _Distribution:
    """Name, version and every metadata field of a wheel or sdist, from its own METADATA / PKG-INFO."""
    try:
        if path.name.endswith(".whl"):
            parse_wheel_filename(path.name)  # refuses a name that is not a wheel's
            filetype, pyversion = "bdist_wheel", path.name[: -len(".whl")].split("-")[-3]  # the python tag: py3
            with open_zip(path) as archive:
                names = [n for n in archive.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
                if len(names) != 1:
                    raise ValueError(f"it holds {len(names)} .dist-info/METADATA files, not one")
                text = read_zip_member(archive, names[0])
        elif path.name.endswith(".tar.gz"):
            filetype, pyversion = "sdist", "source"
            member = read_tar_member(path, lambda m: re.fullmatch(r"[^/]+/PKG-INFO", m.name) is not None)
            if member is None:
                raise ValueError("it has no top-level PKG-INFO")
            text = member[1]
        else:
            raise ValueError("it is neither a wheel (.whl) nor an sdist (.tar.gz)")
        raw, _ = parse_email(text)
        metadata = Metadata.from_raw(raw, validate=True)
    except (OSError, ValueError, InvalidWheelFilename, InvalidSdistFilename, ExceptionGroup) as error:
        raise PublishError(
            f"cannot upload {path}: {_reason(error)}", hint="rebuild it: mcpship build --target pypi"
        ) from error
    fields = [("metadata_version", str(metadata.metadata_version)), ("name", metadata.name)]
    fields.append(("version", str(metadata.version)))
    for key, value in raw.items():
        name = _FIELD_NAMES.get(key)
        if name is None:
            continue
        if isinstance(value, dict):
            fields += [(name, f"{label}, {url}") for label, url in value.items()]
        elif isinstance(value, list):
            fields += [(name, ", ".join(value))] if key == "keywords" else [(name, str(item)) for item in value]
        else:
            fields.append((name, str(value)))
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    fields += [("filetype", filetype), ("pyversion", pyversion), ("sha256_digest", sha256)]
    fields += [(":action", "file_upload"), ("protocol_version", "1")]
    name = str(canonicalize_name(metadata.name))
    return _Distribution(path, name, str(metadata.version), filetype, pyversion, sha256, fields)


def _reason(error: BaseException) -> str:
    if isinstance(error, ExceptionGroup):
        return "; ".join(_reason(inner) for inner in error.exceptions)
    if isinstance(error, httpx.TimeoutException):
        return "no answer in time"
    return str(error) or type(error).__name__


@contextmanager
def _client(client: httpx.Client | None) -> Iterator[httpx.Client]:
    if client is not None:
        yield client
        return
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as owned:
        yield owned

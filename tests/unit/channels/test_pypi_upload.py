"""``upload_distributions`` and trusted publishing against an index behind ``httpx.MockTransport``: what the index
holds decides (PEP 691 JSON or HTML, by sha256), the upload form carries the artifact's own metadata, refusals
say what to fix without the secret, and an OIDC token from GitHub Actions becomes an API token."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import jwt
import pytest

from mcpship._exceptions import PublishError
from mcpship.channels.pypi import (
    PypiCredentials,
    find_pypi_credentials,
    simple_index_url,
    upload_distributions,
)
from tests.registry_support.oidc_issuer import LocalOidcIssuer

UPLOAD = "https://upload.example.test/legacy/"
SIMPLE = "https://upload.example.test/simple/"
SECRET = "pypi-secret-token-value"
CREDENTIALS = PypiCredentials("__token__", SECRET, "$MCPSHIP_PYPI_TOKEN")
METADATA = (
    "Metadata-Version: 2.1\nName: Acme_Notes\nVersion: 1.0\nSummary: Notes\nClassifier: A :: B\n"
    "Classifier: C :: D\nProject-URL: Home, https://acme.test\nRequires-Dist: mcp>=2\n"
    "Description-Content-Type: text/markdown\n\n# Notes\n"
)


def make_wheel(folder: Path, comment: bytes = b"") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "acme_notes-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("acme_notes/__init__.py", "")
        archive.writestr("acme_notes-1.0.dist-info/METADATA", METADATA)
        archive.comment = comment
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class FakeIndex:
    """A simple API answering JSON or HTML, and an upload endpoint; records every request."""

    files: dict[str, str] = field(default_factory=dict)
    """filename → sha256 the index holds."""
    html: bool = False
    upload_status: int = 200
    upload_body: bytes = b"OK"
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "POST":
            return httpx.Response(self.upload_status, content=self.upload_body)
        if request.url.path != "/simple/acme-notes/":
            return httpx.Response(404)
        if not self.files:
            return httpx.Response(404)
        if self.html:
            links = "".join(f'<a href="/f/{n}#sha256={d}">{n}</a><br>' for n, d in self.files.items())
            return httpx.Response(200, text=f"<html><body>{links}</body></html>", headers={"content-type": "text/html"})
        body = {"files": [{"filename": n, "url": f"/f/{n}", "hashes": {"sha256": d}} for n, d in self.files.items()]}
        return httpx.Response(200, json=body, headers={"content-type": "application/vnd.pypi.simple.v1+json"})

    def posts(self) -> list[httpx.Request]:
        return [request for request in self.requests if request.method == "POST"]


def client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_the_upload_form_carries_the_artifacts_own_metadata_and_its_digest(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path)
    index = FakeIndex()
    (outcome,) = upload_distributions([wheel], repository_url=UPLOAD, credentials=CREDENTIALS, client=client(index))
    assert outcome.status == "published"
    (post,) = index.posts()
    assert post.url == UPLOAD
    assert post.headers["authorization"] == "Basic " + base64.b64encode(f"__token__:{SECRET}".encode()).decode()
    form = post.read()
    for name, value in [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        ("name", "Acme_Notes"),
        ("version", "1.0"),
        ("filetype", "bdist_wheel"),
        ("pyversion", "py3"),
        ("sha256_digest", sha256(wheel)),
        ("classifiers", "A :: B"),
        ("classifiers", "C :: D"),
        ("project_urls", "Home, https://acme.test"),
        ("requires_dist", "mcp>=2"),
        ("description_content_type", "text/markdown"),
    ]:
        assert f'name="{name}"\r\n\r\n{value}\r\n'.encode() in form, name
    assert b'name="content"; filename="acme_notes-1.0-py3-none-any.whl"' in form


@pytest.mark.parametrize("html", [False, True], ids=["pep691-json", "html"])
def test_a_file_the_index_holds_with_the_same_sha256_is_skipped_without_an_upload(tmp_path: Path, html: bool) -> None:
    wheel = make_wheel(tmp_path)
    index = FakeIndex(files={wheel.name: sha256(wheel)}, html=html)
    (outcome,) = upload_distributions([wheel], repository_url=UPLOAD, credentials=CREDENTIALS, client=client(index))
    assert outcome.status == "skipped"
    assert outcome.url == f"https://upload.example.test/f/{wheel.name}" + (f"#sha256={sha256(wheel)}" if html else "")
    assert index.posts() == []
    assert "application/vnd.pypi.simple.v1+json" in index.requests[0].headers["accept"]


def test_a_file_the_index_holds_with_another_sha256_is_an_error_naming_both_and_nothing_is_sent(
    tmp_path: Path,
) -> None:
    wheel = make_wheel(tmp_path)
    index = FakeIndex(files={wheel.name: "ab" * 32})
    with pytest.raises(PublishError) as refused:
        upload_distributions([wheel], repository_url=UPLOAD, credentials=CREDENTIALS, client=client(index))
    assert "ab" * 32 in refused.value.message
    assert sha256(wheel) in refused.value.message
    assert "bump" in (refused.value.hint or "")
    assert index.posts() == []


def test_a_dry_run_says_what_would_be_uploaded_and_sends_nothing(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path)
    index = FakeIndex()
    (outcome,) = upload_distributions(
        [wheel], repository_url=UPLOAD, credentials=None, dry_run=True, client=client(index)
    )
    assert outcome.status == "would-publish"
    assert index.posts() == []


def test_refused_credentials_name_where_they_came_from_but_never_the_secret(tmp_path: Path) -> None:
    index = FakeIndex(upload_status=403, upload_body=b"Invalid or non-existent authentication information.")
    with pytest.raises(PublishError) as refused:
        upload_distributions(
            [make_wheel(tmp_path)], repository_url=UPLOAD, credentials=CREDENTIALS, client=client(index)
        )
    assert "HTTP 403" in refused.value.message
    assert "Invalid or non-existent authentication" in refused.value.message
    assert "$MCPSHIP_PYPI_TOKEN" in (refused.value.hint or "")
    assert SECRET not in refused.value.message + (refused.value.hint or "")


def test_an_upload_refused_as_existing_is_judged_by_the_digest_the_index_then_lists(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path)
    index = FakeIndex(upload_status=400, upload_body=b"File already exists.")
    lookups = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal lookups
        if request.method == "GET":
            lookups += 1
            index.files = {wheel.name: sha256(wheel)} if lookups > 1 else {}  # listed once the upload raced in
        return index(request)

    (outcome,) = upload_distributions([wheel], repository_url=UPLOAD, credentials=CREDENTIALS, client=client(handler))
    assert outcome.status == "skipped"


def test_a_simple_page_larger_than_the_bound_is_refused(tmp_path: Path) -> None:
    huge = b"<a>" + b"x" * (9 << 20)
    handler = lambda request: httpx.Response(200, content=huge, headers={"content-type": "text/html"})  # noqa: E731
    with pytest.raises(PublishError, match="larger than"):
        upload_distributions(
            [make_wheel(tmp_path)], repository_url=UPLOAD, credentials=CREDENTIALS, client=client(handler)
        )


def test_a_file_that_is_no_distribution_is_refused_before_any_request(tmp_path: Path) -> None:
    stray = tmp_path / "notes.zip"
    stray.write_bytes(b"PK")
    index = FakeIndex()
    with pytest.raises(PublishError, match="neither a wheel"):
        upload_distributions([stray], repository_url=UPLOAD, credentials=CREDENTIALS, client=client(index))
    assert index.requests == []


@pytest.mark.parametrize(
    ("upload", "simple"),
    [
        ("https://upload.pypi.org/legacy/", "https://pypi.org/simple/"),
        ("https://test.pypi.org/legacy/", "https://test.pypi.org/simple/"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/simple/"),
        ("https://pkgs.acme.test/pypi/upload", "https://pkgs.acme.test/pypi/upload/simple/"),
    ],
)
def test_the_simple_api_is_found_next_to_the_upload_url(upload: str, simple: str) -> None:
    assert simple_index_url(upload) == simple


def test_a_token_from_the_environment_is_used_as_the_token_user() -> None:
    found = find_pypi_credentials(UPLOAD, environ={"PYPI_API_TOKEN": " pypi-abc \n"})
    assert (found.username, found.password, found.source) == ("__token__", "pypi-abc", "$PYPI_API_TOKEN")
    assert "pypi-abc" not in repr(found)


def test_no_credentials_at_all_says_how_to_give_them() -> None:
    with pytest.raises(PublishError) as missing:
        find_pypi_credentials(UPLOAD, environ={})
    assert "MCPSHIP_PYPI_TOKEN" in (missing.value.hint or "")
    assert "id-token: write" in (missing.value.hint or "")


ACTIONS_URL = "https://actions.test/token?api-version=2.0"
ACTIONS_SECRET = "actions-request-secret"
ACTIONS = {"ACTIONS_ID_TOKEN_REQUEST_URL": ACTIONS_URL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": ACTIONS_SECRET}


@dataclass
class TrustedPublishing:
    """GitHub Actions' token endpoint and the index's OIDC audience and mint-token endpoints."""

    issuer: LocalOidcIssuer
    trusted_repository: str = "octo-org/notes"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "actions.test":
            assert request.headers["authorization"] == f"bearer {ACTIONS_SECRET}"
            assert request.url.params["api-version"] == "2.0"
            audience = request.url.params["audience"]
            return httpx.Response(200, json={"value": self.issuer.mint(self.issuer.claims(aud=audience))})
        if request.url.path == "/_/oidc/audience":
            return httpx.Response(200, json={"audience": "acme-index"})
        if request.url.path == "/_/oidc/mint-token":
            oidc = json.loads(request.content)["token"]
            claims = jwt.decode(oidc, self.issuer.rsa_key.public_key(), algorithms=["RS256"], audience="acme-index")
            if claims["repository"] != self.trusted_repository:
                return httpx.Response(422, json={"message": "Token request failed", "errors": ["no trusted publisher"]})
            return httpx.Response(200, json={"success": True, "token": "pypi-minted-" + claims["repository"]})
        return httpx.Response(404)


def test_trusted_publishing_exchanges_the_actions_oidc_token_for_an_api_token() -> None:
    issuer = LocalOidcIssuer()
    found = find_pypi_credentials(UPLOAD, environ=ACTIONS, client=client(TrustedPublishing(issuer)))
    assert (found.username, found.password, found.source) == (
        "__token__",
        "pypi-minted-octo-org/notes",
        "trusted publishing",
    )


def test_a_refused_exchange_says_to_add_the_trusted_publisher_and_hides_the_actions_secret() -> None:
    issuer = LocalOidcIssuer()
    handler = TrustedPublishing(issuer, trusted_repository="someone/else")
    with pytest.raises(PublishError) as refused:
        find_pypi_credentials(UPLOAD, environ=ACTIONS, client=client(handler))
    assert "HTTP 422" in refused.value.message
    assert "Token request failed" in refused.value.message
    assert "trusted publisher" in (refused.value.hint or "")
    assert ACTIONS_SECRET not in refused.value.message + (refused.value.hint or "")


def test_an_actions_token_endpoint_that_refuses_names_the_permission_without_its_query() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "actions.test":
            return httpx.Response(403, json={"message": "forbidden"})
        return httpx.Response(200, json={"audience": "pypi"})

    with pytest.raises(PublishError) as refused:
        find_pypi_credentials(UPLOAD, environ=ACTIONS, client=client(handler))
    assert "id-token: write" in (refused.value.hint or "")
    assert "api-version" not in refused.value.message


def make_sdist(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "acme_notes-1.0.tar.gz"
    data = METADATA.encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("acme_notes-1.0/PKG-INFO")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def form_field(form: bytes, name: str) -> list[str]:
    pattern = re.compile(rb'name="' + re.escape(name.encode()) + rb'"\r\n\r\n(.*?)\r\n--', re.S)
    return [value.decode() for value in pattern.findall(form)]


def test_an_sdist_is_sent_as_source_with_its_pkg_info_and_a_universal_wheel_with_its_python_tag(
    tmp_path: Path,
) -> None:
    sdist = make_sdist(tmp_path / "s")
    universal = make_wheel(tmp_path / "w").rename(tmp_path / "w" / "acme_notes-1.0-py2.py3-none-any.whl")
    index = FakeIndex()
    upload_distributions([sdist, universal], repository_url=UPLOAD, credentials=CREDENTIALS, client=client(index))
    sent_sdist, sent_wheel = (post.read() for post in index.posts())
    assert (form_field(sent_sdist, "filetype"), form_field(sent_sdist, "pyversion")) == (["sdist"], ["source"])
    assert form_field(sent_sdist, "sha256_digest") == [sha256(sdist)]
    assert form_field(sent_sdist, "description") == ["# Notes\n"]
    assert form_field(sent_wheel, "pyversion") == ["py2.py3"]
    assert form_field(sent_wheel, "metadata_version") == ["2.1"]


def test_an_index_without_trusted_publishing_says_to_use_a_token_instead() -> None:
    handler = lambda request: httpx.Response(404, text="Not Found")  # noqa: E731
    with pytest.raises(PublishError) as refused:
        find_pypi_credentials("http://127.0.0.1:8080/", environ=ACTIONS, client=client(handler))
    assert "OIDC audience" in refused.value.message
    assert "MCPSHIP_PYPI_TOKEN" in (refused.value.hint or "")

"""PyPI proofs over MockTransport: the JSON API, the simple-index fallback (PEP 503 HTML and PEP 691 JSON)."""

from __future__ import annotations

import hashlib
import io
import zipfile

import httpx
import pytest

from mcpship.registry.config import OwnershipSettings
from mcpship.registry.ownership._common import mcp_name_marker_found
from tests.unit.registry.test_ownership import NAME, run_check

INDEX = "https://pypi.example"
SETTINGS = OwnershipSettings(pypi_url=INDEX)
PEP_691 = "application/vnd.pypi.simple.v1+json"


def pypi(version: str = "1.0.0", **extra: str) -> list[dict[str, str]]:
    return [{"registryType": "pypi", "identifier": "tiny-mcp", "version": version, **extra}]


def json_api(description: str | None) -> httpx.Response:
    return httpx.Response(200, json={"info": {"name": "tiny-mcp", "version": "1.0.0", "description": description}})


def wheel(description: str, version: str = "1.0.0") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        metadata = f"Metadata-Version: 2.4\nName: tiny-mcp\nVersion: {version}\n\n{description}"
        archive.writestr(f"tiny_mcp-{version}.dist-info/METADATA", metadata)
    return buffer.getvalue()


def test_the_json_api_description_is_used_when_the_index_serves_it() -> None:
    messages, seen = run_check(pypi(), lambda r: json_api(f"# Tiny\n<!-- mcp-name: {NAME} -->\n"), SETTINGS)
    assert messages == []
    assert [str(r.url) for r in seen] == [f"{INDEX}/pypi/tiny-mcp/1.0.0/json"]


def test_a_release_without_readme_lacks_the_marker() -> None:
    [message], seen = run_check(pypi(), lambda r: json_api(None), SETTINGS)
    assert "must appear as 'mcp-name: io.github.test/x'" in message
    assert len(seen) == 1


def test_the_default_index_is_pypi_org() -> None:
    _, [request] = run_check(pypi(), lambda r: json_api(f"mcp-name: {NAME}"))
    assert str(request.url) == "https://pypi.org/pypi/tiny-mcp/1.0.0/json"


def test_a_pypi_package_needs_a_version() -> None:
    [message], seen = run_check([{"registryType": "pypi", "identifier": "tiny-mcp"}], lambda r: json_api(""))
    assert "pypi packages need a version" in message
    assert seen == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (f"mcp-name: {NAME}", True),
        (f"<!-- mcp-name: {NAME} -->", True),
        (f"<!--mcp-name: {NAME}-->", True),
        (f"Registry name: mcp-name: {NAME}.", True),
        (f"mcp-name: {NAME}y", False),
        (f"mcp-name: {NAME}-2", False),
        (f"mcp-name: {NAME}.beta", False),
        (f"mcp-name:{NAME}", False),
        (f"mcp-name: {NAME}y and later mcp-name: {NAME}\n", True),
    ],
)
def test_the_marker_must_name_exactly_this_server(text: str, found: bool) -> None:
    assert mcp_name_marker_found(text, NAME) is found


def simple_index(files: dict[str, bytes], *, json_pages: bool = False, bad_hash: bool = False) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.startswith("/pypi/"):
            return httpx.Response(404, text="Not Found")
        if path == "/simple/tiny-mcp/":
            digests = {name: hashlib.sha256(b"x" if bad_hash else data).hexdigest() for name, data in files.items()}
            if json_pages:
                listed = [
                    {"filename": n, "url": f"../../files/{n}", "hashes": {"sha256": d}} for n, d in digests.items()
                ]
                return httpx.Response(200, json={"files": listed}, headers={"Content-Type": PEP_691})
            anchors = "".join(f'<a href="/files/{n}#sha256={d}">{n}</a><br>' for n, d in digests.items())
            return httpx.Response(200, html=f"<html><body>{anchors}</body></html>")
        if path.startswith("/files/"):
            return httpx.Response(200, content=files[path.removeprefix("/files/")])
        return httpx.Response(404)

    return httpx.MockTransport(handle)


def via(transport: httpx.MockTransport, version: str = "1.0.0") -> tuple[list[str], list[httpx.Request]]:
    return run_check(pypi(version), transport.handle_request, SETTINGS)


def test_an_index_without_json_api_is_read_through_its_simple_page_preferring_the_wheel() -> None:
    files = {"tiny_mcp-1.0.0.tar.gz": b"not read", "tiny_mcp-1.0.0-py3-none-any.whl": wheel(f"mcp-name: {NAME}")}
    messages, seen = via(simple_index(files))
    assert messages == []
    assert seen[-1].url.path == "/files/tiny_mcp-1.0.0-py3-none-any.whl"


def test_a_pep_691_json_simple_page_is_understood() -> None:
    files = {"tiny_mcp-1.0-py3-none-any.whl": wheel(f"mcp-name: {NAME}", "1.0")}
    messages, _ = via(simple_index(files, json_pages=True))
    assert messages == []  # and 1.0 is 1.0.0


def test_a_file_that_does_not_match_the_index_hash_proves_nothing() -> None:
    [message], _ = via(simple_index({"tiny_mcp-1.0.0-py3-none-any.whl": wheel(f"mcp-name: {NAME}")}, bad_hash=True))
    assert "does not match the sha256 the index lists" in message


def test_other_projects_files_on_the_page_are_ignored() -> None:
    files = {"tiny_mcp_extra-1.0.0-py3-none-any.whl": wheel(f"mcp-name: {NAME}")}
    [message], _ = via(simple_index(files))
    assert "has no release 1.0.0" in message
    assert "releases found: none" in message


def test_an_unreadable_release_file_is_a_clear_failure() -> None:
    [message], _ = via(simple_index({"tiny_mcp-1.0.0-py3-none-any.whl": b"not a zip"}))
    assert "cannot read the metadata of tiny_mcp-1.0.0-py3-none-any.whl" in message

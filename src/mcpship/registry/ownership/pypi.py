"""PyPI: the release's long description (its README) must contain ``mcp-name: <server name>``.

Upstream reads ``info.description`` from the PyPI JSON API. Indexes that do not serve that API (pypiserver,
devpi without plugins, Artifactory's simple repos) are read through the simple index instead: find a file of
the release (a wheel if there is one), download it, and read the long description from its METADATA/PKG-INFO.
"""

from __future__ import annotations

import asyncio
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from mcpship._untrusted_json import loads_untrusted
from mcpship.registry.ownership._common import OwnershipError, PackageCheck, mcp_name_marker_found
from mcpship.server_json._artifact_files import read_python_metadata

__all__ = ["check_pypi"]

_SIMPLE_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"


async def check_pypi(check: PackageCheck) -> None:
    index = check.require_base_url("pypi", check.settings.pypi_url)
    version = check.require_version("pypi")
    description = await _json_api_description(check, index, version)
    if description is None:
        description = await _simple_index_description(check, index, version)
    if not mcp_name_marker_found(description, check.server_name):
        name = check.server_name
        raise OwnershipError(
            f"PyPI package '{check.identifier}' ownership validation failed. The server name '{name}' must appear"
            f" as 'mcp-name: {name}' in the package README (its long description). Add the line"
            f" <!-- mcp-name: {name} --> to the README (invisible on PyPI) and publish a new release: the"
            f" description of {version} cannot change"
        )


async def _json_api_description(check: PackageCheck, index: str, version: str) -> str | None:
    """``info.description`` from ``/pypi/<project>/<version>/json``, or None when the index has no such API."""
    url = f"{index}/pypi/{quote(check.identifier, safe='')}/{quote(version, safe='')}/json"
    response = await check.get(url, what="the PyPI release metadata", headers={"Accept": "application/json"})
    if response.status_code != 200:
        return None  # PyPI's 404 for a missing release is confirmed (with a better message) by the simple index
    try:
        document = loads_untrusted(response.content)
    except ValueError:
        return None
    info = document.get("info") if isinstance(document, dict) else None
    if not isinstance(info, dict):
        return None
    description = info.get("description")
    return description if isinstance(description, str) else ""  # a release without a README


async def _simple_index_description(check: PackageCheck, index: str, version: str) -> str:
    project = canonicalize_name(check.identifier)
    url = f"{index}/simple/{project}/"
    response = await check.get(url, what="the PyPI simple index page", headers={"Accept": _SIMPLE_ACCEPT})
    if response.status_code == 404:
        raise OwnershipError(f"PyPI package '{check.identifier}' not found on {index} (status: 404)")
    if response.status_code != 200:
        raise OwnershipError(f"PyPI package '{check.identifier}': {url} answered status {response.status_code}")
    try:
        files = _index_files(response)
    except (ValueError, httpx.InvalidURL) as exc:
        raise OwnershipError(f"PyPI package '{check.identifier}': {url} is not a simple index page: {exc}") from exc
    releases = _release_files(files, project)
    wanted = _parse_version(version)
    chosen = releases.get(wanted) if wanted is not None else None
    if not chosen:
        known = ", ".join(str(found) for found in sorted(releases)) or "none"
        raise OwnershipError(
            f"PyPI package '{check.identifier}' has no release {version} on {index} (releases found: {known});"
            " upload it before publishing the server"
        )
    file_url, expected_sha256 = chosen[0]
    with tempfile.TemporaryDirectory(prefix="mcpship-ownership-") as folder:
        filename = httpx.URL(file_url).path.rsplit("/", 1)[-1]
        path = Path(folder) / filename
        download = await check.download(file_url, path, what="the release file")
        if expected_sha256 and download.sha256 != expected_sha256.lower():
            raise OwnershipError(f"{file_url} does not match the sha256 the index lists for it")
        try:  # a thread: inflating even bounded metadata must not stall the event loop
            limit = check.settings.max_document_bytes
            return (await asyncio.to_thread(read_python_metadata, path, limit=limit)).description
        except (OSError, ValueError) as exc:
            raise OwnershipError(f"cannot read the metadata of {filename}: {exc}") from exc


def _index_files(response: httpx.Response) -> list[tuple[str, str]]:
    """``(filename, absolute URL with its #fragment)`` of every file a simple index page lists (PEP 691 or 503)."""
    base = response.url
    if response.headers.get("content-type", "").startswith("application/vnd.pypi.simple.v1+json"):
        document: Any = loads_untrusted(response.content)
        if not isinstance(document, dict) or not isinstance(document.get("files", []), list):
            raise ValueError("no list of files")
        return [
            (str(item["filename"]), _with_hash(str(base.join(str(item["url"]))), item.get("hashes") or {}))
            for item in document.get("files", [])
            if isinstance(item, dict) and "filename" in item and "url" in item
        ]
    parser = _AnchorParser()
    parser.feed(response.text)
    files = []
    for href, text in parser.anchors:
        absolute = base.join(href)
        files.append((text.strip() or absolute.path.rsplit("/", 1)[-1], str(absolute)))
    return files


def _with_hash(url: str, hashes: object) -> str:
    sha256 = hashes.get("sha256") if isinstance(hashes, dict) else None
    return f"{url.split('#', 1)[0]}#sha256={sha256}" if isinstance(sha256, str) else url


def _parse_version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _release_files(files: list[tuple[str, str]], project: str) -> dict[Version, list[tuple[str, str | None]]]:
    """Files by version (1.0 is 1.0.0), wheels first: ``(URL without fragment, sha256 from the fragment or None)``."""
    releases: dict[Version, list[tuple[int, str, str | None]]] = {}
    for filename, url in files:
        parsed = _parse_filename(filename)
        if parsed is None or parsed[0] != project:
            continue
        location, _, fragment = url.partition("#")
        algorithm, _, value = fragment.partition("=")
        sha256 = value if algorithm == "sha256" and value else None
        releases.setdefault(parsed[1], []).append((0 if filename.endswith(".whl") else 1, location, sha256))
    return {version: [(url, sha) for _, url, sha in sorted(found)] for version, found in releases.items()}


def _parse_filename(filename: str) -> tuple[str, Version] | None:
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        elif filename.endswith(".tar.gz"):
            name, version = parse_sdist_filename(filename)
        else:
            return None
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return str(name), version


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.anchors.append((self._href, "".join(self._text)))
            self._href = None

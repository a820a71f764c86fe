"""What the templates show, computed once in Python: links, badges, package rows, tolerant of odd stored entries.

A page renders a bounded amount whatever the entry holds: at most :data:`MAX_INSTALL_OPTIONS` install options and
:data:`MAX_ROWS` rows per list (packages, remotes, tools, versions; :data:`MAX_ENV_ROWS` variables or headers per
package or remote), each cut list saying how many there are and linking the entry's JSON. A deleted version shows
no install path at all (no snippet, one-click link or bundle download): the Registry API answers 404 for it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from mcpship.registry.records import OfficialMeta, ServerRecord, tool_names
from mcpship.registry.web.snippets import InstallOption, install_option_count, install_options

__all__ = [
    "MAX_DESCRIPTION",
    "MAX_ENV_ROWS",
    "MAX_INSTALL_OPTIONS",
    "MAX_ROWS",
    "MAX_TITLE",
    "REGISTRY_TYPES",
    "TRANSPORTS",
    "PackageRow",
    "ServerDetail",
    "Summary",
    "VersionRow",
    "api_href",
    "detail",
    "safe_href",
    "server_href",
    "summary",
    "version_rows",
]

REGISTRY_TYPES = ("npm", "pypi", "oci", "nuget", "mcpb")
TRANSPORTS = ("stdio", "streamable-http", "sse")
MAX_INSTALL_OPTIONS = 10
MAX_ROWS = 100
MAX_ENV_ROWS = 50
MAX_TITLE = 120
MAX_DESCRIPTION = 300
"""A result list shows titles and descriptions cut to these lengths (the schema allows 100 characters, mirrors
may hold anything); a server page shows them whole."""


def server_href(name: str, version: str | None = None) -> str:
    """Names hold ``/`` (kept as a path separator); anything else odd is percent-encoded."""
    href = "/servers/" + quote(name, safe="/")
    return href if version is None else f"{href}/versions/{quote(version, safe='')}"


def api_href(name: str, version: str | None = None) -> str:
    """The Registry API's URL for one version (the whole entry as JSON, where a cut list is complete), or for the
    list of versions."""
    href = f"/v0.1/servers/{quote(name, safe='')}/versions"
    return href if version is None else f"{href}/{quote(version, safe='')}"


def safe_href(url: object) -> str | None:
    """Only http(s) links reach an ``href``: a stored ``javascript:`` URL must not become clickable."""
    if not isinstance(url, str):
        return None
    return url if urlsplit(url).scheme in ("http", "https") else None


def badges(server: Mapping[str, Any]) -> list[str]:
    """One badge per kind of package (unknown registry types as ``other``) and ``remote``, in the listed order."""
    kinds = [package.get("registryType") for package in _mappings(server.get("packages"))]
    known = [kind if kind in REGISTRY_TYPES else "other" for kind in kinds]
    if _mappings(server.get("remotes")):
        known.append("remote")
    return list(dict.fromkeys(known))


@dataclass(frozen=True)
class Summary:
    """One line of a result list."""

    name: str
    title: str
    description: str
    version: str
    status: str
    status_message: str | None
    badges: list[str]
    href: str


def summary(record: ServerRecord) -> Summary:
    server = record.server
    return Summary(
        name=record.name,
        title=_text(server.get("title")) or record.name,
        description=_text(server.get("description")) or "",
        version=record.version,
        status=record.official.status,
        status_message=record.official.status_message,
        badges=badges(server),
        href=server_href(record.name),
    )


@dataclass(frozen=True)
class EnvRow:
    name: str
    description: str
    required: bool
    secret: bool
    default: str | None


@dataclass(frozen=True)
class PackageRow:
    registry_type: str
    identifier: str
    version: str
    transport: str
    env: list[EnvRow]
    env_total: int
    identifier_href: str | None


@dataclass(frozen=True)
class RemoteRow:
    transport: str
    url: str
    headers: list[EnvRow]
    headers_total: int


@dataclass(frozen=True)
class ServerDetail:
    record: ServerRecord
    summary: Summary
    repository_href: str | None
    website_href: str | None
    packages: list[PackageRow]
    remotes: list[RemoteRow]
    tools: list[str]
    json_href: str
    deleted: bool
    deprecated: bool
    packages_total: int = 0
    remotes_total: int = 0
    tools_total: int = 0
    install: list[InstallOption] = field(default_factory=list)
    install_total: int = 0
    """How many install options the entry has; ``install`` holds the first :data:`MAX_INSTALL_OPTIONS`."""


def detail(record: ServerRecord) -> ServerDetail:
    server = record.server
    deleted = record.official.status == "deleted"
    packages = _mappings(server.get("packages"))
    remotes = _mappings(server.get("remotes"))
    tools = tool_names(server)
    return ServerDetail(
        record=record,
        summary=summary(record),
        repository_href=safe_href(_mapping(server.get("repository")).get("url")),
        website_href=safe_href(server.get("websiteUrl")),
        packages=[_package_row(package, deleted=deleted) for package in packages[:MAX_ROWS]],
        packages_total=len(packages),
        remotes=[_remote_row(remote) for remote in remotes[:MAX_ROWS]],
        remotes_total=len(remotes),
        tools=tools[:MAX_ROWS],
        tools_total=len(tools),
        json_href=api_href(record.name, record.version),
        deleted=deleted,
        deprecated=record.official.status == "deprecated",
        install=[] if deleted else install_options(server, limit=MAX_INSTALL_OPTIONS),
        install_total=0 if deleted else install_option_count(server),
    )


@dataclass(frozen=True)
class VersionRow:
    version: str
    official: OfficialMeta


def version_rows(records: Sequence[ServerRecord]) -> list[VersionRow]:
    """The first :data:`MAX_ROWS` versions; each document is decoded alone and dropped (one row needs one string,
    not a hundred megabytes of decoded packages held at once)."""
    return [VersionRow(_version_of(record), record.official) for record in records[:MAX_ROWS]]


def _version_of(record: ServerRecord) -> str:
    if record.stored_json is None:
        return record.version
    return str(json.loads(record.stored_json).get("version", ""))


def _package_row(package: Mapping[str, Any], *, deleted: bool) -> PackageRow:
    registry_type = str(package.get("registryType", ""))
    identifier = str(package.get("identifier", ""))
    transport = _mapping(package.get("transport"))
    env = _mappings(package.get("environmentVariables"))
    return PackageRow(
        registry_type=registry_type,
        identifier=identifier,
        version=str(package.get("version", "")),
        transport=str(transport.get("type", "")),
        env=[_env_row(item) for item in env[:MAX_ENV_ROWS]],
        env_total=len(env),
        identifier_href=safe_href(identifier) if registry_type == "mcpb" and not deleted else None,
    )


def _remote_row(remote: Mapping[str, Any]) -> RemoteRow:
    headers = _mappings(remote.get("headers"))
    return RemoteRow(
        transport=str(remote.get("type", "")),
        url=str(remote.get("url", "")),
        headers=[_env_row(item) for item in headers[:MAX_ENV_ROWS]],
        headers_total=len(headers),
    )


def _env_row(item: Mapping[str, Any]) -> EnvRow:
    default = item.get("default")
    return EnvRow(
        name=str(item.get("name", "")),
        description=_text(item.get("description")) or "",
        required=bool(item.get("isRequired")),
        secret=bool(item.get("isSecret")),
        default=None if default is None or item.get("isSecret") else str(default),
    )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _mappings(value: object) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None

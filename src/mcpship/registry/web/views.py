"""What the templates show, computed once in Python: links, badges, package rows, tolerant of odd stored entries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from mcpship.registry.records import ServerRecord, tool_names
from mcpship.registry.web.snippets import InstallOption, install_options

__all__ = [
    "REGISTRY_TYPES",
    "TRANSPORTS",
    "PackageRow",
    "ServerDetail",
    "Summary",
    "detail",
    "safe_href",
    "server_href",
    "summary",
]

REGISTRY_TYPES = ("npm", "pypi", "oci", "nuget", "mcpb")
TRANSPORTS = ("stdio", "streamable-http", "sse")


def server_href(name: str, version: str | None = None) -> str:
    """Names hold ``/`` (kept as a path separator); anything else odd is percent-encoded."""
    href = "/servers/" + quote(name, safe="/")
    return href if version is None else f"{href}/versions/{quote(version, safe='')}"


def safe_href(url: object) -> str | None:
    """Only http(s) links reach an ``href``: a stored ``javascript:`` URL must not become clickable."""
    if not isinstance(url, str):
        return None
    return url if urlsplit(url).scheme in ("http", "https") else None


def badges(server: Mapping[str, Any]) -> list[str]:
    kinds = [str(package.get("registryType")) for package in _mappings(server.get("packages"))]
    if _mappings(server.get("remotes")):
        kinds.append("remote")
    return list(dict.fromkeys(kind for kind in kinds if kind))


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
    identifier_href: str | None


@dataclass(frozen=True)
class RemoteRow:
    transport: str
    url: str
    headers: list[EnvRow]


@dataclass(frozen=True)
class ServerDetail:
    record: ServerRecord
    summary: Summary
    repository_href: str | None
    website_href: str | None
    packages: list[PackageRow]
    remotes: list[RemoteRow]
    tools: list[str]
    install: list[InstallOption] = field(default_factory=list)


def detail(record: ServerRecord) -> ServerDetail:
    server = record.server
    return ServerDetail(
        record=record,
        summary=summary(record),
        repository_href=safe_href(_mapping(server.get("repository")).get("url")),
        website_href=safe_href(server.get("websiteUrl")),
        packages=[_package_row(package) for package in _mappings(server.get("packages"))],
        remotes=[_remote_row(remote) for remote in _mappings(server.get("remotes"))],
        tools=tool_names(server),
        install=install_options(server),
    )


def _package_row(package: Mapping[str, Any]) -> PackageRow:
    registry_type = str(package.get("registryType", ""))
    identifier = str(package.get("identifier", ""))
    transport = _mapping(package.get("transport"))
    return PackageRow(
        registry_type=registry_type,
        identifier=identifier,
        version=str(package.get("version", "")),
        transport=str(transport.get("type", "")),
        env=[_env_row(item) for item in _mappings(package.get("environmentVariables"))],
        identifier_href=safe_href(identifier) if registry_type == "mcpb" else None,
    )


def _remote_row(remote: Mapping[str, Any]) -> RemoteRow:
    return RemoteRow(
        transport=str(remote.get("type", "")),
        url=str(remote.get("url", "")),
        headers=[_env_row(item) for item in _mappings(remote.get("headers"))],
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

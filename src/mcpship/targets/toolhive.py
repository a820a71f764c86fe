"""The ``toolhive`` target: a ToolHive registry entry, from the spec, the interface lock and the image.

ToolHive reads the upstream MCP registry format: each entry is a ``server.json`` (here with one ``oci``
package), and ToolHive's own data rides in ``_meta["io.modelcontextprotocol.registry/publisher-provided"]
["io.github.stacklok"][<image>]`` (runtime.md §3.3; ``stacklok/toolhive:docs/registry/schema.md@e25de16``,
``stacklok/toolhive-core:registry/types/data/publisher-provided.schema.json@24d618f``): ``status``, ``tier``,
``tools`` (names, from the lock), ``tags``, ``permissions`` (default: ToolHive's built-in ``network`` profile,
i.e. all outbound traffic, unless the config narrows it), ``docker_tags``, ``proxy_port``. Environment
variables are the package's ``environmentVariables``, which ToolHive reads for container servers.

The entry goes into a registry file's ``data.servers`` list (or is served by a registry API) as is; it
passes :func:`mcpship.server_json.validate_server_json`, so it is also a valid server.json.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from mcpship._exceptions import InvalidArtifactError
from mcpship._forges import forge_of
from mcpship._problems import Findings, Problem
from mcpship._safe_load import read_json_file
from mcpship.server_json import (
    CURRENT_SCHEMA_URL,
    PUBLISHER_META_KEY,
    Icon,
    Package,
    PositionalArgument,
    Repository,
    ServerJSON,
    ServerMeta,
    StdioTransport,
    StreamableHttpTransport,
    dump_server_json,
    validate_server_json,
)
from mcpship.targets._base import BuildContext, target_config
from mcpship.targets._catalog import CatalogTarget, config_problem, repository_url, resolve_image
from mcpship.targets.server_json import environment_variable, given

__all__ = ["STACKLOK", "TOOLHIVE_JSON", "ToolhiveConfig", "ToolhiveTarget", "compose_entry", "validate_toolhive"]

TOOLHIVE_JSON = "toolhive.json"
TARGET = "toolhive"
STACKLOK = "io.github.stacklok"
_TOOL_NAME = re.compile(r"^[\w-]+$")
_TAG = re.compile(r"^[a-z0-9][a-z0-9_-]*[a-z0-9]$")
_MOUNT_PATH = re.compile(r"^(/[^/\0]+)+/?$")
_STATUSES = ("active", "deprecated", "Active", "Deprecated")
_TIERS = ("Official", "Community")
_COMMON_KEYS = frozenset({"status", "tier", "tools", "tags", "overview", "tool_definitions", "metadata"})
_EXTENSION_KEYS = _COMMON_KEYS | {"custom_metadata", "permissions", "args", "provenance", "docker_tags", "proxy_port"}
_EXTENSION_KEYS |= {"stateless", "oauth_config", "env_vars"}
_MAX_ENTRY_BYTES = 1024 * 1024
"""A registry entry is a few kilobytes (the official registry caps publisher _meta at 4 KB)."""
_Port = Annotated[int, Field(ge=1, le=65535)]


class ToolhiveConfig(BaseModel):
    """``[targets.toolhive]``: ``image`` is required, the rest optional.

    - ``image``: the image reference (``{version}`` is filled in; no tag means the version).
    - ``status``: ``active`` (default) or ``deprecated``; ``tier``: ``Community`` (default) or ``Official``.
    - ``tags``: default: the spec's keywords (lower-cased; those ToolHive cannot take are left out).
    - ``transport``: ``stdio`` (default) or ``streamable-http`` (the spec's ``[http]``, started with its args).
    - ``allow_hosts``, ``allow_ports``: narrow outbound traffic to these hosts (``.example.com`` for
      subdomains) and ports; without them the server gets the ``network`` profile (all outbound traffic).
    - ``read``, ``write``: absolute host paths to mount read-only / writable.
    - ``proxy_port``, ``docker_tags``: passed through.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    image: str | None = Field(default=None, min_length=1)
    status: Literal["active", "deprecated"] = "active"
    tier: Literal["Official", "Community"] = "Community"
    tags: list[str] | None = None
    transport: Literal["stdio", "streamable-http"] = "stdio"
    allow_hosts: list[str] | None = None
    allow_ports: list[_Port] | None = None
    read: list[str] = Field(default_factory=list)
    write: list[str] = Field(default_factory=list)
    proxy_port: _Port | None = None
    docker_tags: list[str] | None = None


class ToolhiveTarget(CatalogTarget):
    """Writes ``toolhive.json``; takes the image from its config (or from the ``oci`` target's destination)."""

    name: ClassVar[str] = TARGET
    config_class: ClassVar[type[BaseModel]] = ToolhiveConfig
    needs: ClassVar[tuple[str, ...]] = ("oci",)
    file_name: ClassVar[str] = TOOLHIVE_JSON
    kind: ClassVar[str] = "toolhive"
    rules: ClassVar[str] = "server.json rules + ToolHive's extension schema"

    def compose(self, context: BuildContext) -> tuple[dict[str, Any] | None, list[Problem]]:
        config = target_config(context, TARGET, ToolhiveConfig)
        image = resolve_image(context, config.image)
        problems = _config_problems(context, config, image)
        if image is None or any(problem.severity == "error" for problem in problems):
            return None, problems
        entry, notes = compose_entry(context, config, image)
        return entry, problems + notes

    def validate(self, data: object, *, source: str) -> list[Problem]:
        return validate_toolhive(data, source=source)

    def dump(self, document: dict[str, Any]) -> str:
        return dump_server_json(document)

    def parse(self, path: Path) -> object:
        return read_json_file(path, error=InvalidArtifactError, max_bytes=_MAX_ENTRY_BYTES)


def _config_problems(context: BuildContext, config: ToolhiveConfig, image: str | None) -> list[Problem]:
    problems: list[Problem] = []
    if image is None:
        name = context.resolved.spec.server_name.lower()
        problems.append(
            config_problem(
                context,
                TARGET,
                "image",
                "a ToolHive registry entry needs the image ToolHive runs",
                f'set image = "ghcr.io/OWNER/{name}:{{version}}" (where the image is pushed)',
            )
        )
    if config.transport == "streamable-http" and context.resolved.spec.http is None:
        problems.append(
            config_problem(
                context, TARGET, "transport", 'transport "streamable-http" needs the spec\'s [http] table', "add [http]"
            )
        )
    for key, paths in (("read", config.read), ("write", config.write)):
        for path in paths:
            if not _MOUNT_PATH.fullmatch(path):
                problems.append(
                    config_problem(context, TARGET, key, f"{path!r} is not an absolute path", "use e.g. /data")
                )
    return problems


def compose_entry(context: BuildContext, config: ToolhiveConfig, image: str) -> tuple[dict[str, Any], list[Problem]]:
    """The registry entry (a server.json object) and warnings about what it had to leave out."""
    spec = context.resolved.spec
    notes: list[Problem] = []
    package = Package(
        registry_type="oci",
        identifier=image,
        transport=_transport(context, config),
        **given(
            environment_variables=[environment_variable(env) for env in spec.env] or None,
            package_arguments=_http_arguments(context, config),
        ),
    )
    extension = _extension(context, config, notes)
    server = ServerJSON(
        schema_url=CURRENT_SCHEMA_URL,
        name=spec.name,
        description=spec.description,
        version=spec.version,
        packages=[package],
        meta=ServerMeta(publisher_provided={STACKLOK: {image: extension}}),
        **given(
            title=spec.title,
            repository=_repository(spec.repository),
            icons=[Icon(src=icon.src, **given(mime_type=icon.mime_type)) for icon in spec.icons] or None,
        ),
    )
    return server.to_wire(), notes


def _repository(declared: str | None) -> Repository | None:
    url = repository_url(declared)
    source = forge_of(url) if url else None
    return Repository(url=url, source=source) if url and source else None


def _transport(context: BuildContext, config: ToolhiveConfig) -> StdioTransport | StreamableHttpTransport:
    http = context.resolved.spec.http
    if config.transport == "streamable-http" and http is not None:
        # ToolHive reads the container's port from this URL (target_port).
        return StreamableHttpTransport(type="streamable-http", url=f"http://localhost:{http.port}{http.path}")
    return StdioTransport(type="stdio")


def _http_arguments(context: BuildContext, config: ToolhiveConfig) -> list[PositionalArgument] | None:
    http = context.resolved.spec.http
    if config.transport != "streamable-http" or http is None or not http.args:
        return None
    port = str(http.port)
    return [PositionalArgument(type="positional", value=argument.replace("{port}", port)) for argument in http.args]


def _extension(context: BuildContext, config: ToolhiveConfig, notes: list[Problem]) -> dict[str, Any]:
    extension: dict[str, Any] = {"status": config.status, "tier": config.tier}
    tools = _tools(context, notes)
    if tools:
        extension["tools"] = tools
    tags = _tags(context, config, notes)
    if tags:
        extension["tags"] = tags
    extension["permissions"] = _permissions(config)
    if config.docker_tags:
        extension["docker_tags"] = config.docker_tags
    if config.proxy_port is not None:
        extension["proxy_port"] = config.proxy_port
    return extension


def _tools(context: BuildContext, notes: list[Problem]) -> list[str]:
    if context.lock is None:
        notes.append(
            config_problem(
                context,
                TARGET,
                "tools",
                "there is no interface lock, so the entry lists no tools",
                "run `mcpship lock` and build again",
                severity="warning",
            )
        )
        return []
    names = sorted(context.lock.items("tools"))
    for name in names:
        if not _TOOL_NAME.fullmatch(name):
            notes.append(
                config_problem(
                    context,
                    TARGET,
                    "tools",
                    f"ToolHive's registry takes tool names of letters, digits, _ and - only; {name!r} is left out",
                    "rename the tool if ToolHive users should see it listed",
                    severity="warning",
                )
            )
    return [name for name in names if _TOOL_NAME.fullmatch(name)]


def _tags(context: BuildContext, config: ToolhiveConfig, notes: list[Problem]) -> list[str]:
    if config.tags is not None:
        return list(dict.fromkeys(config.tags))  # the validator reports tags ToolHive refuses
    tags: list[str] = []
    for keyword in context.resolved.spec.keywords:
        tag = re.sub(r"\s+", "-", keyword.strip().lower())
        if _TAG.fullmatch(tag) and tag not in tags:
            tags.append(tag)
        elif not _TAG.fullmatch(tag):
            notes.append(
                config_problem(
                    context,
                    TARGET,
                    "tags",
                    f"keyword {keyword!r} is not a ToolHive tag (lowercase letters, digits, _ and -); it is left out",
                    "set tags under [targets.toolhive]",
                    severity="warning",
                )
            )
    return tags


def _permissions(config: ToolhiveConfig) -> dict[str, Any]:
    if config.allow_hosts is None and config.allow_ports is None:
        outbound: dict[str, Any] = {"insecure_allow_all": True}  # ToolHive's built-in "network" profile
    else:
        outbound = given(allow_host=config.allow_hosts, allow_port=config.allow_ports)
    permissions: dict[str, Any] = {"network": {"outbound": outbound}}
    if config.read:
        permissions["read"] = config.read
    if config.write:
        permissions["write"] = config.write
    return permissions


def validate_toolhive(data: object, *, source: str) -> list[Problem]:
    """Problems in a ToolHive registry entry: the server.json rules, then ToolHive's extension schema."""
    findings = Findings(source, problems=validate_server_json(data, source=source))
    if not isinstance(data, Mapping):
        return findings.problems
    meta = data.get("_meta")
    provided = meta.get(PUBLISHER_META_KEY) if isinstance(meta, Mapping) else None
    stacklok = provided.get(STACKLOK) if isinstance(provided, Mapping) else None
    at = ("_meta", PUBLISHER_META_KEY, STACKLOK)
    if not isinstance(stacklok, Mapping) or not stacklok:
        findings.error(at, "the entry carries no ToolHive data", f"add _meta.{PUBLISHER_META_KEY}.{STACKLOK}")
        return findings.problems
    keys = _entry_keys(data)
    for key, extension in stacklok.items():
        if key not in keys:
            findings.error(
                (*at, str(key)),
                f"{key!r} is neither an oci package identifier nor a remote URL of this entry",
                "key ToolHive's data by the image reference (or remote URL) it describes",
            )
        _validate_extension(extension, (*at, str(key)), findings)
    return findings.problems


def _entry_keys(data: Mapping[str, Any]) -> set[str]:
    keys = {
        package.get("identifier")
        for package in data.get("packages") or []
        if isinstance(package, Mapping) and package.get("registryType") == "oci"
    }
    keys |= {remote.get("url") for remote in data.get("remotes") or [] if isinstance(remote, Mapping)}
    return {key for key in keys if isinstance(key, str)}


def _validate_extension(extension: object, at: tuple[str, ...], findings: Findings) -> None:
    if not isinstance(extension, Mapping):
        findings.error(at, "ToolHive's data must be an object", "fix it")
        return
    for key in sorted(set(extension) - _EXTENSION_KEYS, key=str):
        findings.warning((*at, str(key)), f"unknown key {key!r}", "ToolHive ignores it")
    if extension.get("status") not in _STATUSES:
        findings.error((*at, "status"), "status is required: active or deprecated", 'set "status": "active"')
    if "tier" in extension and extension["tier"] not in _TIERS:
        findings.error((*at, "tier"), f"tier must be one of {', '.join(_TIERS)}", 'set "tier": "Community"')
    _validate_names(extension.get("tools"), _TOOL_NAME, "tool names", (*at, "tools"), findings)
    _validate_names(extension.get("tags"), _TAG, "tags", (*at, "tags"), findings)
    _validate_names(extension.get("docker_tags"), None, "docker_tags", (*at, "docker_tags"), findings)
    port = extension.get("proxy_port")
    if port is not None and not _is_port(port):
        findings.error((*at, "proxy_port"), "proxy_port must be a port number (1-65535)", "fix proxy_port")
    if "permissions" in extension:
        _validate_permissions(extension["permissions"], (*at, "permissions"), findings)


def _validate_names(
    values: object, pattern: re.Pattern[str] | None, what: str, at: tuple[str, ...], findings: Findings
) -> None:
    if values is None:
        return
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        findings.error(at, f"{what} must be a list of strings", "fix the list")
        return
    if len(set(values)) != len(values):
        findings.error(at, f"{what} must be unique", "remove the duplicates")
    for index, value in enumerate(values):
        if pattern is not None and not pattern.fullmatch(value):
            findings.error(
                (*at, index), f"{value!r} is not valid among {what} (pattern {pattern.pattern})", "rename or drop it"
            )


def _validate_permissions(permissions: object, at: tuple[str, ...], findings: Findings) -> None:
    if not isinstance(permissions, Mapping):
        findings.error(at, "permissions must be an object", "fix permissions")
        return
    for key in ("read", "write"):
        for index, path in enumerate(permissions.get(key) or []):
            if not (isinstance(path, str) and _MOUNT_PATH.fullmatch(path)):
                findings.error((*at, key, index), f"{path!r} is not an absolute path", "use e.g. /data")
    network = permissions.get("network")
    outbound = network.get("outbound") if isinstance(network, Mapping) else None
    if network is None:
        return
    if not isinstance(outbound, Mapping):
        findings.error(
            (*at, "network"), "network needs outbound rules", 'use {"outbound": {"insecure_allow_all": true}}'
        )
        return
    out_at = (*at, "network", "outbound")
    if "insecure_allow_all" in outbound and not isinstance(outbound["insecure_allow_all"], bool):
        findings.error((*out_at, "insecure_allow_all"), "insecure_allow_all must be true or false", "fix it")
    _validate_names(outbound.get("allow_host"), None, "allow_host", (*out_at, "allow_host"), findings)
    ports = outbound.get("allow_port") or []
    if not isinstance(ports, list) or not all(_is_port(port) for port in ports):
        findings.error((*out_at, "allow_port"), "allow_port must list port numbers (1-65535)", "fix allow_port")


def _is_port(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535

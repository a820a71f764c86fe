"""Copy-paste install snippets, one per MCP client, derived from one version's ``server.json``.

Each package (or remote) becomes an :class:`InstallOption`: how the server starts (a :class:`Launch`) or where it
listens (an :class:`Endpoint`), rendered in every client's own format (see ``shared/reference/clients.md``).
Secrets are never filled in: they become ``<NAME>`` placeholders, or the client's own secret mechanism where it
has one (VS Code ``inputs`` with ``password``, Codex ``env_vars`` forwarding).
"""

from __future__ import annotations

import base64
import json
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import tomlkit

__all__ = ["DeepLink", "Endpoint", "EnvVar", "InstallOption", "Launch", "Snippet", "install_options", "server_key"]

_NPM_REGISTRY = "https://registry.npmjs.org"
_PYPI = "https://pypi.org"
_TEMPLATE_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class EnvVar:
    """One environment variable or header a client must set; ``value`` is a placeholder when secret or unknown."""

    name: str
    value: str
    secret: bool = False
    description: str = ""


@dataclass(frozen=True)
class Launch:
    """A stdio server: the command line a client runs."""

    command: str
    args: list[str]
    env: list[EnvVar] = field(default_factory=list)


@dataclass(frozen=True)
class Endpoint:
    """A server reached over HTTP: ``transport`` is ``streamable-http`` or ``sse``."""

    transport: str
    url: str
    headers: list[EnvVar] = field(default_factory=list)


@dataclass(frozen=True)
class Snippet:
    client: str
    where: str
    """Where the text goes (a file path, or "a terminal")."""
    language: str
    """``json``, ``toml`` or ``shell``: what the text parses as."""
    text: str

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.client.lower()).strip("-")


@dataclass(frozen=True)
class DeepLink:
    """A one-click install URL (``cursor://…``, ``vscode:mcp/install?…``): the same config as the snippet."""

    client: str
    url: str


@dataclass(frozen=True)
class InstallOption:
    label: str
    snippets: list[Snippet] = field(default_factory=list)
    links: list[DeepLink] = field(default_factory=list)
    download_url: str | None = None
    sha256: str | None = None
    note: str | None = None


def server_key(name: str) -> str:
    """The entry name in a client config: the part after ``/``, restricted to what every client accepts."""
    key = re.sub(r"[^A-Za-z0-9_-]+", "-", name.rsplit("/", 1)[-1]).strip("-")
    return key or "server"


def install_options(server: Mapping[str, Any]) -> list[InstallOption]:
    """One option per package and per remote of ``server``, in the order the publisher listed them."""
    key = server_key(str(server.get("name", "")))
    options = [_package_option(key, package) for package in _mappings(server.get("packages"))]
    options += [_remote_option(key, remote) for remote in _mappings(server.get("remotes"))]
    return options


def _package_option(key: str, package: Mapping[str, Any]) -> InstallOption:
    registry_type = str(package.get("registryType", ""))
    identifier = str(package.get("identifier", ""))
    label = f"{registry_type} · {identifier}"
    if registry_type == "mcpb":
        return InstallOption(
            label=f"mcpb · {identifier.rsplit('/', 1)[-1]}",
            download_url=identifier if identifier.startswith("https://") else None,
            sha256=_text(package.get("fileSha256")),
            note="Download the bundle and open it with Claude Desktop (or any MCPB-aware client).",
        )
    launch = _launch(package)
    if launch is None:
        return InstallOption(label=label, note=f"No install recipe for {registry_type!r} packages yet.")
    transport = _mapping(package.get("transport"))
    if transport.get("type") in ("streamable-http", "sse") and transport.get("url"):
        endpoint = _endpoint(transport, variables={})
        note = f"Start it with the command line below; clients then connect to {endpoint.url}."
        snippets = [_command_line(launch), *_remote_snippets(key, endpoint)]
        return InstallOption(label=label, snippets=snippets, links=_deep_links(key, snippets), note=note)
    snippets = _stdio_snippets(key, launch)
    return InstallOption(label=label, snippets=snippets, links=_deep_links(key, snippets))


def _remote_option(key: str, remote: Mapping[str, Any]) -> InstallOption:
    endpoint = _endpoint(remote, variables=_mapping(remote.get("variables")))
    snippets = _remote_snippets(key, endpoint)
    return InstallOption(label=f"remote · {endpoint.url}", snippets=snippets, links=_deep_links(key, snippets))


# --- how a package starts -------------------------------------------------------------------------------------------


def _launch(package: Mapping[str, Any]) -> Launch | None:
    registry_type = package.get("registryType")
    identifier = str(package.get("identifier", ""))
    version = _text(package.get("version"))
    runtime = _arguments(package.get("runtimeArguments"))
    arguments = _arguments(package.get("packageArguments"))
    env = [_input(item) for item in _mappings(package.get("environmentVariables")) if _wanted(item)]
    base = (_text(package.get("registryBaseUrl")) or "").rstrip("/")
    if registry_type == "npm":
        spec = f"{identifier}@{version}" if version else identifier
        registry = ["--registry", base] if base and base != _NPM_REGISTRY else []
        return Launch("npx", ["-y", *registry, *runtime, spec, *arguments], env)
    if registry_type == "pypi":
        spec = f"{identifier}=={version}" if version else identifier
        index = ["--default-index", _simple_index(base)] if base and base != _PYPI else []
        return Launch("uvx", [*index, *runtime, spec, *arguments], env)
    if registry_type == "nuget":
        spec = f"{identifier}@{version}" if version else identifier
        return Launch("dnx", [*runtime, spec, "--yes", *arguments], env)
    if registry_type == "oci":
        passed = [flag for variable in env for flag in ("-e", variable.name)]
        image = _image_ref(identifier, version)
        return Launch("docker", ["run", "-i", "--rm", *passed, *runtime, image, *arguments], env)
    return None


def _simple_index(base: str) -> str:
    """A self-hosted PyPI (pypiserver, devpi) named by its root serves the PEP 503 index under ``/simple/``."""
    return f"{base}/" if base.endswith("/simple") else f"{base}/simple/"


def _image_ref(identifier: str, version: str | None) -> str:
    """The reference as published; older entries keep the tag in ``version``."""
    last_segment = identifier.rsplit("/", 1)[-1]
    if version and ":" not in last_segment and "@" not in last_segment:
        return f"{identifier}:{version}"
    return identifier


def _arguments(items: object) -> list[str]:
    """Fixed and required arguments; required ones without a value become ``<hint>`` placeholders."""
    words: list[str] = []
    for argument in _mappings(items):
        value = _value_of(argument)
        named = argument.get("type") == "named"
        if value is None and not argument.get("isRequired"):
            continue
        if value is None or argument.get("isSecret"):
            hint = _text(argument.get("valueHint")) or str(argument.get("name", "value")).lstrip("-")
            value = f"<{hint}>"
        if named:
            words.append(str(argument.get("name", "")))
            if argument.get("format") == "boolean" and value == "true":
                continue
        words.append(value)
    return words


def _wanted(item: Mapping[str, Any]) -> bool:
    """Required variables and those with a known value go into a snippet; optional blanks would only confuse."""
    return bool(item.get("isRequired") or item.get("isSecret") or _value_of(item) is not None)


def _input(item: Mapping[str, Any]) -> EnvVar:
    name = str(item.get("name", ""))
    secret = bool(item.get("isSecret"))
    value = None if secret else _value_of(item)
    return EnvVar(name, value if value is not None else f"<{name}>", secret, _text(item.get("description")) or "")


def _value_of(item: Mapping[str, Any]) -> str | None:
    for key in ("value", "default"):
        value = item.get(key)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float) and str(value):
            return _fill(str(value))
    return None


def _fill(template: str) -> str:
    """``{token}`` template variables become ``<token>`` placeholders the user replaces."""
    return _TEMPLATE_VARIABLE.sub(lambda match: f"<{match.group(1)}>", template)


def _endpoint(transport: Mapping[str, Any], variables: Mapping[str, Any]) -> Endpoint:
    url = str(transport.get("url", ""))
    for name, variable in variables.items():
        value = _value_of(_mapping(variable)) if not _mapping(variable).get("isSecret") else None
        if value is not None:
            url = url.replace("{" + str(name) + "}", value)
    headers = [_header(item) for item in _mappings(transport.get("headers"))]
    return Endpoint(str(transport.get("type", "streamable-http")), _fill(url), headers)


def _header(item: Mapping[str, Any]) -> EnvVar:
    name = str(item.get("name", ""))
    secret = bool(item.get("isSecret"))
    template = _text(item.get("value"))
    if template is not None and _TEMPLATE_VARIABLE.search(template):
        value = _fill(template)  # e.g. "Bearer {token}" -> "Bearer <token>": the secret part is a placeholder
    elif secret or template is None:
        value = f"<{_env_name(name)}>"
    else:
        value = template
    return EnvVar(name, value, secret, _text(item.get("description")) or "")


def _env_name(header: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", header.upper()).strip("_") or "HEADER"


# --- one snippet per client -----------------------------------------------------------------------------------------


def _stdio_snippets(key: str, launch: Launch) -> list[Snippet]:
    entry: dict[str, Any] = {"command": launch.command, "args": launch.args}
    if launch.env:
        entry["env"] = {variable.name: variable.value for variable in launch.env}
    return [
        _json("Claude Desktop", "claude_desktop_config.json", {"mcpServers": {key: entry}}),
        _json("Cursor", "~/.cursor/mcp.json or .cursor/mcp.json", {"mcpServers": {key: entry}}),
        _json("VS Code", ".vscode/mcp.json", _vscode_stdio(key, launch)),
        Snippet("Claude Code", "a terminal", "shell", _claude_code_stdio(key, launch)),
        Snippet("Codex", "~/.codex/config.toml", "toml", _codex_stdio(key, launch)),
        _command_line(launch),
    ]


def _remote_snippets(key: str, endpoint: Endpoint) -> list[Snippet]:
    headers = {header.name: header.value for header in endpoint.headers}
    cursor_entry: dict[str, Any] = {"url": endpoint.url, **({"headers": headers} if headers else {})}
    vscode_entry: dict[str, Any] = {"type": _vscode_type(endpoint), **cursor_entry}
    bridge = _bridge(endpoint)
    return [
        _json("Claude Desktop", "claude_desktop_config.json (bridged by mcp-remote)", {"mcpServers": {key: bridge}}),
        _json("Cursor", "~/.cursor/mcp.json or .cursor/mcp.json", {"mcpServers": {key: cursor_entry}}),
        _json("VS Code", ".vscode/mcp.json", {"servers": {key: vscode_entry}}),
        Snippet("Claude Code", "a terminal", "shell", _claude_code_remote(key, endpoint)),
        Snippet("Codex", "~/.codex/config.toml", "toml", _codex_remote(key, endpoint)),
        Snippet("Command line", "a terminal", "shell", _shell([bridge["command"], *bridge["args"]])),
    ]


def _deep_links(key: str, snippets: Sequence[Snippet]) -> list[DeepLink]:
    """Built from the Cursor and VS Code snippets themselves, so a link installs exactly what the page shows."""
    by_client = {snippet.client: json.loads(snippet.text) for snippet in snippets if snippet.language == "json"}
    links = []
    if "Cursor" in by_client:
        inner = json.dumps(by_client["Cursor"]["mcpServers"][key], separators=(",", ":"))
        query = urlencode({"name": key, "config": base64.b64encode(inner.encode()).decode()})
        links.append(DeepLink("Cursor", f"cursor://anysphere.cursor-deeplink/mcp/install?{query}"))
    if "VS Code" in by_client:
        document = by_client["VS Code"]
        config = {
            "name": key,
            **document["servers"][key],
            **({"inputs": document["inputs"]} if "inputs" in document else {}),
        }
        links.append(
            DeepLink("VS Code", "vscode:mcp/install?" + quote(json.dumps(config, separators=(",", ":")), safe=""))
        )
    return links


def _json(client: str, where: str, document: Mapping[str, Any]) -> Snippet:
    return Snippet(client, where, "json", json.dumps(document, indent=2, ensure_ascii=False))


def _vscode_stdio(key: str, launch: Launch) -> dict[str, Any]:
    """VS Code prompts for secrets once and stores them securely: ``inputs`` + ``${input:id}``."""
    entry: dict[str, Any] = {"type": "stdio", "command": launch.command, "args": launch.args}
    if launch.env:
        entry["env"] = {v.name: f"${{input:{v.name}}}" if v.secret else v.value for v in launch.env}
    document: dict[str, Any] = {"servers": {key: entry}}
    inputs = [
        {"type": "promptString", "id": v.name, "description": v.description or v.name, "password": True}
        for v in launch.env
        if v.secret
    ]
    if inputs:
        document["inputs"] = inputs
    return document


def _vscode_type(endpoint: Endpoint) -> str:
    return "sse" if endpoint.transport == "sse" else "http"


def _claude_code_stdio(key: str, launch: Launch) -> str:
    # --env is variadic: another option must sit between it and the server name.
    env = [word for variable in launch.env for word in ("--env", f"{variable.name}={variable.value}")]
    return _shell(["claude", "mcp", "add", *env, "--transport", "stdio", key, "--", launch.command, *launch.args])


def _claude_code_remote(key: str, endpoint: Endpoint) -> str:
    headers = [word for header in endpoint.headers for word in ("--header", f"{header.name}: {header.value}")]
    transport = "sse" if endpoint.transport == "sse" else "http"
    return _shell(["claude", "mcp", "add", *headers, "--transport", transport, key, endpoint.url])


def _codex_stdio(key: str, launch: Launch) -> str:
    """Codex has no interpolation; secrets are forwarded from the environment by name (``env_vars``)."""
    table = tomlkit.table()
    table["command"] = launch.command
    table["args"] = launch.args
    plain = {v.name: v.value for v in launch.env if not v.secret}
    secret = [v.name for v in launch.env if v.secret]
    if plain:
        table["env"] = _inline(plain)
    if secret:
        table["env_vars"] = secret
    return _codex_document(key, table, secret)


def _codex_remote(key: str, endpoint: Endpoint) -> str:
    table = tomlkit.table()
    table["url"] = endpoint.url
    plain = {h.name: h.value for h in endpoint.headers if not h.secret}
    secret = {h.name: _env_name(h.name) for h in endpoint.headers if h.secret}
    if plain:
        table["http_headers"] = _inline(plain)
    if secret:
        table["env_http_headers"] = _inline(secret)
    return _codex_document(key, table, list(secret.values()))


def _codex_document(key: str, table: Any, exported: Sequence[str]) -> str:
    document = tomlkit.document()
    for name in exported:
        document.add(tomlkit.comment(f"export {name}=<{name}> before starting Codex"))
    servers = tomlkit.table(is_super_table=True)
    servers[key] = table
    document["mcp_servers"] = servers
    return tomlkit.dumps(document).strip()


def _inline(values: Mapping[str, str]) -> Any:
    table = tomlkit.inline_table()
    table.update(values)
    return table


def _command_line(launch: Launch) -> Snippet:
    assignments = [f"{variable.name}={shlex.quote(variable.value)}" for variable in launch.env]
    command = _shell([launch.command, *launch.args])
    return Snippet("Command line", "a terminal", "shell", " ".join([*assignments, command]))


def _bridge(endpoint: Endpoint) -> dict[str, Any]:
    """Claude Desktop reads only stdio entries from its file: bridge with ``mcp-remote``."""
    args = ["-y", "mcp-remote", endpoint.url]
    if endpoint.transport == "sse":
        args += ["--transport", "sse-only"]
    for header in endpoint.headers:
        args += ["--header", f"{header.name}: {header.value}"]
    return {"command": "npx", "args": args}


def _shell(words: Iterable[str]) -> str:
    return shlex.join(list(words))


# --- tolerant readers (stored entries may be imported from mirrors with odd shapes) ---------------------------------


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _mappings(value: object) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None

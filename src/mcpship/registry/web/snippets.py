"""Copy-paste install snippets, one per MCP client, derived from one version's ``server.json``.

Each package (or remote) becomes an :class:`InstallOption`: how the server starts (a :class:`Launch`) or where it
listens (an :class:`Endpoint`), rendered in every client's own format (see ``shared/reference/clients.md``).
Secrets are never filled in: they become ``<NAME>`` placeholders, or the client's own secret mechanism where it
has one (VS Code ``inputs`` with ``password``, Codex ``env_vars`` forwarding).

Every stored entry is hostile (it may come from a mirror or predate today's publish checks), so every text is
produced by an encoder for its format (``shlex.join``, ``json.dumps``, ``tomlkit``, ``urlencode``/``quote``), never
by string formatting, and what no encoder can make safe is refused before it reaches one: environment variable
names outside ``[A-Za-z_][A-Za-z0-9_]*`` and header names that are not HTTP tokens are left out with a visible
warning; an identifier that would read as an option, a URL that is not http(s), or text no process can receive
(NUL, unpaired surrogates) leaves the option without snippets and says why.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import tomlkit

__all__ = [
    "ENV_NAME",
    "HEADER_NAME",
    "MAX_OPTION_CHARS",
    "DeepLink",
    "Endpoint",
    "EnvVar",
    "InstallOption",
    "Launch",
    "Snippet",
    "install_option_count",
    "install_options",
    "server_key",
]

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""What a process environment variable name may be (POSIX shell names): anything else no client can set."""
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
"""An HTTP field name is a token (RFC 9110 §5.1): no space, colon or line break that could split it."""
MAX_OPTION_CHARS = 65_536
"""All snippets and links of one install option together: beyond this the option points to the JSON instead."""

_NPM_REGISTRY = "https://registry.npmjs.org"
_PYPI = "https://pypi.org"
_TEMPLATE_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_HEADER_VALUE_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # RFC 9110 §5.5: no CR, LF, NUL or other controls
_NOT_IN_ARGV = re.compile(r"[\x00\ud800-\udfff]")  # execve stops at NUL; UTF-8 has no lone surrogates
_NOT_IN_WORD = re.compile(r"[\s\x00-\x1f\x7f]")
_SHOWN_CHARS = 60


@dataclass(frozen=True)
class EnvVar:
    """One environment variable or header a client must set; ``value`` is a placeholder when secret or unknown.

    ``name`` is always safe for its use: an :data:`ENV_NAME` for variables, an HTTP token for headers.
    """

    name: str
    value: str
    secret: bool = False
    description: str = ""


@dataclass(frozen=True)
class Launch:
    """A stdio server: the command line a client runs (``env`` set on top of the client's environment)."""

    command: str
    args: list[str]
    env: list[EnvVar] = field(default_factory=list)


@dataclass(frozen=True)
class Endpoint:
    """A server reached over HTTP: ``transport`` is ``streamable-http`` or ``sse``; ``url`` is http(s)."""

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
    """One way to install: snippets for every client, or a ``note`` saying why there are none.

    ``launch``/``endpoint`` are the model every snippet was encoded from; ``warnings`` name what was left out of it.
    """

    label: str
    snippets: list[Snippet] = field(default_factory=list)
    links: list[DeepLink] = field(default_factory=list)
    download_url: str | None = None
    sha256: str | None = None
    note: str | None = None
    warnings: list[str] = field(default_factory=list)
    launch: Launch | None = None
    endpoint: Endpoint | None = None


class _RefusedError(Exception):
    """The entry cannot be turned into a safe snippet; the message says why, for the page."""


def server_key(name: str) -> str:
    """The entry name in a client config: the part after ``/``, restricted to what every client accepts.

    It never starts with ``-`` (``claude mcp add`` would read it as an option).
    """
    key = re.sub(r"[^A-Za-z0-9_-]+", "-", name.rsplit("/", 1)[-1]).strip("-")
    return key or "server"


def install_option_count(server: Mapping[str, Any]) -> int:
    """How many options :func:`install_options` would give without a limit (cheap: nothing is rendered)."""
    return len(_mappings(server.get("packages"))) + len(_mappings(server.get("remotes")))


def install_options(server: Mapping[str, Any], *, limit: int | None = None) -> list[InstallOption]:
    """One option per package and per remote of ``server``, in the order the publisher listed them.

    ``limit`` renders only the first options: a page shows a few, not the 10,000 an entry may list.
    """
    key = server_key(str(server.get("name", "")))
    sources = [(True, package) for package in _mappings(server.get("packages"))]
    sources += [(False, remote) for remote in _mappings(server.get("remotes"))]
    return [
        _package_option(key, item) if is_package else _remote_option(key, item) for is_package, item in sources[:limit]
    ]


def _package_option(key: str, package: Mapping[str, Any]) -> InstallOption:
    registry_type = str(package.get("registryType", ""))
    identifier = str(package.get("identifier", ""))
    label = f"{registry_type} · {identifier}"
    if registry_type == "mcpb":
        return InstallOption(
            label=f"mcpb · {identifier.rsplit('/', 1)[-1]}",
            download_url=identifier if _is_http_url(identifier, schemes=("https",)) else None,
            sha256=_text(package.get("fileSha256")),
            note="Download the bundle and open it with Claude Desktop (or any MCPB-aware client).",
        )
    warnings: list[str] = []
    try:
        launch = _launch(package, warnings)
        if launch is None:
            return InstallOption(label=label, note=f"No install recipe for {_shown(registry_type)} packages yet.")
        transport = _mapping(package.get("transport"))
        if transport.get("type") in ("streamable-http", "sse") and transport.get("url"):
            endpoint = _endpoint(transport, variables={}, warnings=warnings)
            note = f"Start it with the command line below; clients then connect to {endpoint.url}."
            snippets = [_command_line(launch), *_remote_snippets(key, endpoint)]
            return _option(key, label, snippets, warnings, launch=launch, endpoint=endpoint, note=note)
        return _option(key, label, _stdio_snippets(key, launch), warnings, launch=launch)
    except _RefusedError as refused:
        return InstallOption(label=label, note=str(refused), warnings=warnings)


def _remote_option(key: str, remote: Mapping[str, Any]) -> InstallOption:
    warnings: list[str] = []
    label = f"remote · {remote.get('url', '')}"
    try:
        endpoint = _endpoint(remote, variables=_mapping(remote.get("variables")), warnings=warnings)
    except _RefusedError as refused:
        return InstallOption(label=label, note=str(refused), warnings=warnings)
    return _option(key, f"remote · {endpoint.url}", _remote_snippets(key, endpoint), warnings, endpoint=endpoint)


def _option(
    key: str,
    label: str,
    snippets: list[Snippet],
    warnings: list[str],
    *,
    launch: Launch | None = None,
    endpoint: Endpoint | None = None,
    note: str | None = None,
) -> InstallOption:
    links = _deep_links(key, snippets)
    size = sum(len(snippet.text) for snippet in snippets) + sum(len(link.url) for link in links)
    if size > MAX_OPTION_CHARS:
        too_large = (
            f"Too large to show here ({size:,} characters of snippets, more than {MAX_OPTION_CHARS:,}): "
            "read the package in the entry's JSON."
        )
        return InstallOption(label=label, note=too_large, warnings=warnings)
    return InstallOption(label, snippets, links, note=note, warnings=warnings, launch=launch, endpoint=endpoint)


# --- how a package starts -------------------------------------------------------------------------------------------


def _launch(package: Mapping[str, Any], warnings: list[str]) -> Launch | None:
    registry_type = package.get("registryType")
    if registry_type not in ("npm", "pypi", "nuget", "oci"):
        return None
    identifier = _package_identifier(package.get("identifier"))
    version = _text(package.get("version"))
    runtime = _arguments(package.get("runtimeArguments"))
    arguments = _arguments(package.get("packageArguments"))
    env = _environment(package.get("environmentVariables"), warnings)
    base = (_text(package.get("registryBaseUrl")) or "").rstrip("/")
    if base and not _is_http_url(base):
        raise _RefusedError(f"No snippet: registryBaseUrl {_shown(base)} is not an http(s) URL.")
    if registry_type == "npm":
        spec = f"{identifier}@{version}" if version else identifier
        registry = ["--registry", base] if base and base != _NPM_REGISTRY else []
        launch = Launch("npx", ["-y", *registry, *runtime, spec, *arguments], env)
    elif registry_type == "pypi":
        spec = f"{identifier}=={version}" if version else identifier
        index = ["--default-index", _simple_index(base)] if base and base != _PYPI else []
        launch = Launch("uvx", [*index, *runtime, spec, *arguments], env)
    elif registry_type == "nuget":
        spec = f"{identifier}@{version}" if version else identifier
        launch = Launch("dnx", [*runtime, spec, "--yes", *arguments], env)
    else:
        passed = [flag for variable in env for flag in ("-e", variable.name)]
        image = _image_ref(identifier, version)
        launch = Launch("docker", ["run", "-i", "--rm", *passed, *runtime, image, *arguments], env)
    _require_carriable([launch.command, *launch.args, *(v.value for v in launch.env)])
    return launch


def _package_identifier(value: object) -> str:
    """A package name or image reference: one word that no runtime can read as an option (``npx --call=…``)."""
    identifier = value if isinstance(value, str) else ""
    if not identifier or identifier.startswith("-") or _NOT_IN_WORD.search(identifier):
        raise _RefusedError(
            f"No snippet: the identifier {_shown(identifier)} is not a package name "
            "(it is empty, starts with '-' or holds a space or control character)."
        )
    return identifier


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


def _environment(items: object, warnings: list[str]) -> list[EnvVar]:
    """The variables a snippet sets, each name once and only names a process environment can hold."""
    variables: dict[str, EnvVar] = {}
    for item in _mappings(items):
        if not _wanted(item):
            continue
        name = item.get("name")
        if not isinstance(name, str) or not ENV_NAME.fullmatch(name):
            warnings.append(
                f"Left out the environment variable {_shown(name)}: a name must match [A-Za-z_][A-Za-z0-9_]*, "
                "so no client could set it."
            )
        elif name in variables:
            warnings.append(f"The environment variable {name} is listed twice: the first one is used.")
        else:
            variables[name] = _input(item, name)
    return list(variables.values())


def _wanted(item: Mapping[str, Any]) -> bool:
    """Required variables and those with a known value go into a snippet; optional blanks would only confuse."""
    return bool(item.get("isRequired") or item.get("isSecret") or _value_of(item) is not None)


def _input(item: Mapping[str, Any], name: str) -> EnvVar:
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


def _endpoint(transport: Mapping[str, Any], variables: Mapping[str, Any], warnings: list[str]) -> Endpoint:
    url = str(transport.get("url", ""))
    for name, variable in variables.items():
        value = _value_of(_mapping(variable)) if not _mapping(variable).get("isSecret") else None
        if value is not None:
            url = url.replace("{" + str(name) + "}", value)
    url = _fill(url)
    if not _is_http_url(url):
        raise _RefusedError(f"No snippet: the URL {_shown(url)} is not an http(s) URL.")
    headers = _headers(transport.get("headers"), warnings)
    _require_carriable([url, *(header.value for header in headers)])
    return Endpoint(str(transport.get("type", "streamable-http")), url, headers)


def _headers(items: object, warnings: list[str]) -> list[EnvVar]:
    """Headers a client sends, each once (names are case-insensitive) and only what HTTP can carry."""
    headers: dict[str, EnvVar] = {}
    for item in _mappings(items):
        name = item.get("name")
        if not isinstance(name, str) or not HEADER_NAME.fullmatch(name):
            warnings.append(
                f"Left out the header {_shown(name)}: a header name is a token (RFC 9110), with no space, colon or "
                "control character."
            )
            continue
        header = _header(item, name)
        if _HEADER_VALUE_FORBIDDEN.search(header.value):
            warnings.append(f"Left out the header {name}: its value holds a line break or control character.")
        elif name.lower() in headers:
            warnings.append(f"The header {name} is listed twice: the first one is used.")
        else:
            headers[name.lower()] = header
    return list(headers.values())


def _header(item: Mapping[str, Any], name: str) -> EnvVar:
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
    """The variable Codex reads a secret header from: an :data:`ENV_NAME` derived from the header's name."""
    name = re.sub(r"[^A-Z0-9]+", "_", header.upper()).strip("_") or "HEADER"
    return f"HEADER_{name}" if name[0].isdigit() else name


def _is_http_url(value: str, schemes: tuple[str, ...] = ("http", "https")) -> bool:
    """One word (urlsplit silently drops tabs and newlines: they are refused first) with a scheme and a host."""
    if _NOT_IN_WORD.search(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return False
    return parts.scheme in schemes and bool(parts.netloc)


def _require_carriable(texts: Iterable[str]) -> None:
    for text in texts:
        if _NOT_IN_ARGV.search(text):
            raise _RefusedError(
                "No snippet: this entry holds a NUL character or an unpaired surrogate, which no command line, "
                "environment or config file can carry."
            )


def _shown(value: object) -> str:
    """A stored value quoted for a message, control characters escaped and long values cut."""
    text = repr(value if isinstance(value, str) else str(value))
    return text if len(text) <= _SHOWN_CHARS else f"{text[: _SHOWN_CHARS - 1]}…"


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
    return _codex_document(key, table, list(dict.fromkeys(secret.values())))


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
    """``env NAME=value … command args``: one argv, quoted word by word, so no name or value can end the command.

    ``env`` (rather than shell-level ``NAME=value`` prefixes, which only work unquoted) keeps every word encoded by
    ``shlex`` and works in any POSIX shell, csh and fish alike.
    """
    assignments = [f"{variable.name}={variable.value}" for variable in launch.env]
    prefix = ["env", *assignments] if assignments else []
    return Snippet("Command line", "a terminal", "shell", _shell([*prefix, launch.command, *launch.args]))


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

"""Validate a ``server.json`` the way the official MCP Registry will: its schema, then its semantic rules.

Severity follows one line: an **error** is something the official registry refuses (at ``/validate`` or at
publish time, ownership proofs aside), or a value no client could use that mcpship refuses on top
(``_characters.py``: environment variable names that are not shell names, header names that are not HTTP
tokens, control characters in names, versions and URLs, NUL anywhere); a **warning** is accepted upstream but
almost certainly a mistake (a key the registry silently drops, an outdated ``$schema``). Every ported rule cites
registry.md in its docstring; the ports keep upstream's regexes and order so our verdicts match the registry's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from mcpship._problems import Problem
from mcpship.server_json._characters import check_characters
from mcpship.server_json._findings import (
    Findings,
    Location,
    Node,
    absent_or_text,
    as_node,
    check_unknown_keys,
    nodes,
    text,
)
from mcpship.server_json._package_rules import check_package
from mcpship.server_json._structure import structure_problems
from mcpship.server_json._urls import (
    REPOSITORY_SOURCES,
    is_valid_remote_url,
    is_valid_repository_url,
    is_valid_subfolder,
    parse_url,
    template_variables,
)
from mcpship.server_json._versions import check_version
from mcpship.server_json.model import (
    CURRENT_SCHEMA_URL,
    CURRENT_SCHEMA_VERSION,
    KNOWN_SCHEMA_VERSIONS,
    PUBLISHER_META_KEY,
    Icon,
    Repository,
    ServerJSON,
    StreamableHttpRemote,
    wire_keys,
)
from mcpship.server_json.policy import PackagePolicy

__all__ = ["PUBLISHER_META_LIMIT", "publisher_meta_bytes", "validate_server_json"]

_SCHEMA_VERSION = re.compile(r"/schemas/([A-Za-z0-9_~.-]+)/server\.schema\.json")
_NAMESPACE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9]")
_SERVER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]*[a-zA-Z0-9]")
_NAME_HINT = (
    'use a reverse-DNS namespace you can prove you own, one slash, then the server name: "io.github.USER/SERVER"'
    ' (GitHub login) or "com.example/SERVER" (your domain)'
)
PUBLISHER_META_LIMIT = 4096
"""Bytes of ``_meta[publisher-provided]`` as Go's ``json.Marshal`` writes it (``validatePublisherExtensions``)."""


def validate_server_json(
    data: object, *, source: str, policy: PackagePolicy | None = None, publisher_meta_limit: bool = True
) -> list[Problem]:
    """Every problem in a decoded server.json, each with ``file=source``, a JSON path and a hint.

    An empty list (or warnings only) means the official registry would accept the document, apart from
    the ownership proofs it fetches from npm/PyPI/OCI (see :func:`check_ownership_markers` for local builds).
    ``policy`` replaces the official package registries with a self-hosted deployment's own.
    ``publisher_meta_limit=False`` leaves out the 4 KB limit of the publisher's ``_meta``, which the official
    registry checks at publish time only, as a 400 (the registry service does the same).
    """
    document = as_node(data)
    if document is None:
        return [Problem(file=source, path="$", message="server.json must be a JSON object", hint="wrap it in {...}")]
    _, structural = structure_problems(document, source=source)
    findings = Findings(source, policy=policy or PackagePolicy())
    _check_schema(document, findings)
    _check_name(document, findings)
    check_version(document.get("version"), ("version",), findings)
    _check_repository(document, findings)
    _check_website(document, findings)
    _check_title(document, findings)
    _check_icons(document, findings)
    for index, package in nodes(document, "packages"):
        check_package(package, ("packages", index), findings)
    _check_remotes(document, findings)
    _check_meta(document, findings, limit=publisher_meta_limit)
    check_characters(document, findings)
    check_unknown_keys(document, wire_keys(ServerJSON), (), findings)
    return _merge(structural, findings.problems)


def _merge(structural: Sequence[Problem], semantic: Sequence[Problem]) -> list[Problem]:
    """One problem per fault: where a semantic rule explains a path, its message replaces pydantic's."""
    explained = {problem.path for problem in semantic if problem.severity == "error"}
    kept = [problem for problem in structural if problem.path not in explained]
    return sorted([*kept, *semantic], key=lambda problem: _path_key(problem.path))


def _path_key(path: str) -> tuple[tuple[int, int, str], ...]:
    # $.packages[2] before $.packages[10]: indices compare as numbers, keys as text.
    tokens = re.findall(r"\[(\d+)\]|\.([^.\[]+)", path)
    return tuple((0, int(index), "") if index else (1, 0, key) for index, key in tokens)


def _check_schema(document: Node, findings: Findings) -> None:
    """``$schema`` is required and must name an embedded version; non-current ones warn (registry.md §2.1, §2.2)."""
    at: Location = ("$schema",)
    value = document.get("$schema")
    if value is not None and not isinstance(value, str):
        return
    current = f'set "$schema": "{CURRENT_SCHEMA_URL}"'
    if not value:
        findings.error(
            at, "$schema is missing: the registry needs it to know which server.json version this is", current
        )
        return
    match = _SCHEMA_VERSION.search(value)
    if match is None:
        findings.error(at, f'"{value}" is not a server.json schema URL (…/schemas/VERSION/server.schema.json)', current)
    elif match.group(1) not in KNOWN_SCHEMA_VERSIONS:
        findings.error(
            at,
            f'schema version "{match.group(1)}" is not one the registry knows ({", ".join(KNOWN_SCHEMA_VERSIONS)})',
            current,
        )
    elif value != CURRENT_SCHEMA_URL:
        outdated = f"schema version {match.group(1)} is not the current version ({CURRENT_SCHEMA_VERSION})"
        if match.group(1) == KNOWN_SCHEMA_VERSIONS[0]:
            outdated += "; that version spelled keys in snake_case, the current one in camelCase"
        findings.warning(at, outdated, current)


def _check_name(document: Node, findings: Findings) -> None:
    """Exactly one slash; namespace and name start and end alphanumeric (``parseServerName``; registry.md §2.2)."""
    name = document.get("name")
    if not isinstance(name, str):
        return
    at: Location = ("name",)
    namespace, _, server = name.partition("/")
    if not name:
        findings.error(at, "server name is empty", _NAME_HINT)
    elif "/" not in name:
        findings.error(at, f'server name "{name}" has no namespace: it must be "dns-namespace/name"', _NAME_HINT)
    elif name.count("/") > 1:
        findings.error(at, f'server name "{name}" has more than one "/"', _NAME_HINT)
    elif not namespace or not server:
        findings.error(at, f'server name "{name}" needs a namespace and a name on both sides of "/"', _NAME_HINT)
    elif not _NAMESPACE.fullmatch(namespace):
        findings.error(
            at,
            f'namespace "{namespace}" must start and end with a letter or digit (dots and hyphens only inside)',
            _NAME_HINT,
        )
    elif not _SERVER_NAME.fullmatch(server):
        findings.error(
            at,
            f'name "{server}" must start and end with a letter or digit (dots, underscores, hyphens only inside)',
            _NAME_HINT,
        )


def _check_repository(document: Node, findings: Findings) -> None:
    """``source`` github|gitlab with a matching URL; a clean relative ``subfolder`` (registry.md §2.3)."""
    repository = as_node(document.get("repository"))
    if repository is None:
        return
    at: Location = ("repository",)
    url, source, subfolder = text(repository, "url"), text(repository, "source"), text(repository, "subfolder")
    typed = absent_or_text(repository, "url") and absent_or_text(repository, "source")
    if typed and (url or source):
        if source not in REPOSITORY_SOURCES:
            findings.error(
                (*at, "source"),
                f'repository source "{source}" is not supported by the registry' if source else "source is missing",
                'set "source" to "github" or "gitlab" (other forges are not accepted)',
            )
        elif not is_valid_repository_url(source, url):
            findings.error(
                (*at, "url"),
                f'repository url "{url}" is not a {source} repository URL' if url else "url is missing",
                f'use "https://{source}.com/OWNER/REPO" (no deeper path; put a monorepo folder in "subfolder")',
            )
    if subfolder and not is_valid_subfolder(subfolder):
        findings.error(
            (*at, "subfolder"),
            f'subfolder "{subfolder}" is not a clean relative path',
            'write it like "servers/weather": no leading or trailing "/", no "." or ".." segments',
        )
    check_unknown_keys(repository, wire_keys(Repository), at, findings)


def _check_website(document: Node, findings: Findings) -> None:
    """``websiteUrl`` is absolute and https (``validateWebsiteURL``; registry.md §2.2)."""
    url = document.get("websiteUrl")
    if isinstance(url, str):
        # An empty string is not a URI (the schema's `format: uri`); registries that store the document
        # verbatim would echo it back as an invalid URL.
        problem = _https_problem(url, "websiteUrl") if url else "websiteUrl is empty"
        if problem:
            findings.error(("websiteUrl",), problem, "use the https:// address of the server's home page or docs")


def _check_title(document: Node, findings: Findings) -> None:
    """``title`` may be omitted but not blank (``validateTitle``; registry.md §2.2)."""
    title = document.get("title")
    if isinstance(title, str) and title and not title.strip():
        findings.error(("title",), "title is only whitespace", 'give a display name such as "Weather", or remove it')


def _check_icons(document: Node, findings: Findings) -> None:
    """Icon ``src`` is an absolute https URL: no http, no data: URIs (``validateIcon``; registry.md §2.4)."""
    for index, icon in nodes(document, "icons"):
        src = text(icon, "src")
        problem = _https_problem(src, "icon src") if src else None
        if src == "" and isinstance(icon.get("src"), str):
            problem = "icon src is empty"
        if problem:
            findings.error(("icons", index, "src"), problem, "host the icon and use its https:// URL")
        check_unknown_keys(icon, wire_keys(Icon), ("icons", index), findings)


def _https_problem(url: str, what: str) -> str | None:
    parsed = parse_url(url)
    if parsed is None:
        return f'{what} "{url}" is not a valid URL'
    if not parsed.scheme:
        return f'{what} "{url}" must be an absolute URL'
    if parsed.scheme != "https":
        return f'{what} "{url}" must use https, not {parsed.scheme}'
    return None


def _check_remotes(document: Node, findings: Findings) -> None:
    """streamable-http or sse only; public https URL; ``{vars}`` declared in ``variables`` (registry.md §2.7).

    A URL listed twice is a warning: upstream only refuses a URL that *another* server already uses.
    """
    seen: dict[str, int] = {}
    for index, remote in nodes(document, "remotes"):
        at: Location = ("remotes", index)
        kind, url = text(remote, "type"), text(remote, "url")
        if kind and kind not in ("streamable-http", "sse"):
            findings.error(
                (*at, "type"),
                f'remotes cannot use transport "{kind}"',
                'use "streamable-http" (or "sse"); stdio servers go in "packages"',
            )
            continue
        if url:
            _check_remote_url(remote, url, (*at, "url"), findings)
            if url in seen:
                findings.warning(
                    (*at, "url"), f'remote url "{url}" is listed twice (also remotes[{seen[url]}])', "remove one"
                )
            seen.setdefault(url, index)
        check_unknown_keys(remote, wire_keys(StreamableHttpRemote), at, findings)


def _check_remote_url(remote: Node, url: str, at: Location, findings: Findings) -> None:
    if not is_valid_remote_url(url):
        findings.error(
            at,
            f'remote url "{url}" must be a public https URL',
            "use the https:// address clients reach the server at (http, localhost and 127.0.0.1 are refused)",
        )
        return
    variables = as_node(remote.get("variables")) or {}
    undefined = [name for name in template_variables(url) if name not in variables]
    if undefined:
        findings.error(
            at,
            f'remote url "{url}" uses {", ".join("{" + name + "}" for name in undefined)}, not declared in variables',
            f'declare it: "variables": {{"{undefined[0]}": {{"description": "...", "isRequired": true}}}}',
        )


def _check_meta(document: Node, findings: Findings, *, limit: bool) -> None:
    """Only ``_meta[publisher-provided]`` survives publishing, and it must stay under 4 KB (registry.md §2.2)."""
    meta = as_node(document.get("_meta"))
    if meta is None:
        return
    for key in meta:
        if key != PUBLISHER_META_KEY:
            findings.warning(
                ("_meta", key),
                f'the registry keeps only "_meta"."{PUBLISHER_META_KEY}" and drops "{key}"',
                f'move this data under "{PUBLISHER_META_KEY}"',
            )
    size = publisher_meta_bytes(document)
    if limit and size is not None and size > PUBLISHER_META_LIMIT:
        findings.error(
            ("_meta", PUBLISHER_META_KEY),
            f"publisher-provided metadata is {size} bytes as JSON; the limit is {PUBLISHER_META_LIMIT}",
            "keep only what downstream registries need (build info, links); host the rest elsewhere",
        )


def publisher_meta_bytes(document: Mapping[str, object]) -> int | None:
    """The size upstream measures ``_meta[publisher-provided]`` at; ``None`` when there is none."""
    meta = document.get("_meta")
    if not isinstance(meta, Mapping) or meta.get(PUBLISHER_META_KEY) is None:
        return None
    return _go_json_size(meta[PUBLISHER_META_KEY])


def _go_json_size(value: object) -> int:
    """Bytes of Go's ``json.Marshal`` output, which escapes <, > and & (and U+2028/9) as \\uXXXX.

    A lone surrogate (refused by ``_characters.py``, but a document built in code may hold one) counts 3 bytes,
    as the U+FFFD Go decodes it to.
    """
    # Go sorts a map's keys, but the size does not depend on their order, and sorting would raise on a mapping
    # built in code with keys of mixed types.
    encoded = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    escaped = sum(encoded.count(character) for character in "<>&")
    separators = sum(encoded.count(character) for character in "\u2028\u2029")
    return len(encoded.encode(errors="surrogatepass")) + 5 * escaped + 3 * separators

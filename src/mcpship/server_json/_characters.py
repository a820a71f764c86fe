"""Values no client can use: mcpship's own rules, stricter than the official registry's, all errors.

A server.json is written by anyone and read by clients that put its values into shells, HTTP requests, config
files and URLs. Where a value names something (a variable, a header, a flag) or addresses something (a
version, a package, a URL), a character that the thing it names cannot hold is refused rather than escaped
somewhere downstream:

- an environment variable name is a shell name, ``[A-Za-z_][A-Za-z0-9_]*``: ``API_KEY=x; touch ~/pwned`` is
  not a variable any client could set, only an injection into the one that tries;
- a header name is an HTTP token (RFC 9110 §5.6.2): a colon, space or line break in it splits the request;
- no name, version, identifier, URL or other addressing value holds a control character (C0, DEL, C1): a
  version ending in a newline or holding a NUL can be stored but never asked for again;
- no string anywhere (``_meta`` included) holds a NUL or a lone UTF-16 surrogate: PostgreSQL cannot store the
  one, UTF-8 cannot encode the other.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator

from mcpship.server_json._findings import Findings, Location, Node, as_node, nodes

__all__ = ["ENV_VAR_NAME", "HEADER_NAME", "check_characters"]

ENV_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", re.ASCII)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

_TOP_LEVEL = ("$schema", "version", "websiteUrl")  # "name" has its own, stricter rule
_REPOSITORY = ("url", "source", "id", "subfolder")
_PACKAGE = ("registryType", "registryBaseUrl", "identifier", "version", "fileSha256", "runtimeHint")
_ARGUMENT = ("type", "name", "valueHint")
_ARGUMENT_LISTS = ("runtimeArguments", "packageArguments")


def check_characters(document: Node, findings: Findings) -> None:
    addressing = dict(_addressing_values(document))
    _check_every_string(document, findings, skip_nul=addressing.keys())
    for at, (what, value) in addressing.items():
        if _CONTROL.search(value):
            findings.error(
                at,
                f"{what} {_shown(value)} holds a control character (such as a line break or NUL)",
                "remove it: names, versions, identifiers and URLs are used to look things up and cannot hold one",
            )
    for index, package in nodes(document, "packages"):
        for item, variable in nodes(package, "environmentVariables"):
            name = variable.get("name")
            if isinstance(name, str) and not ENV_VAR_NAME.fullmatch(name):
                findings.error(
                    ("packages", index, "environmentVariables", item, "name"),
                    f"environment variable name {_shown(name)} is not a variable name clients can set",
                    "use letters, digits and underscores, not starting with a digit ([A-Za-z_][A-Za-z0-9_]*), "
                    'e.g. "API_KEY"',
                )
    for at, name in _header_names(document):
        if not HEADER_NAME.fullmatch(name):
            findings.error(
                at,
                f"header name {_shown(name)} is not an HTTP header name",
                'use letters, digits and - (RFC 9110 token characters), e.g. "X-API-Key"; no spaces or colons',
            )


def _check_every_string(document: Node, findings: Findings, *, skip_nul: Collection[Location]) -> None:
    """NUL and lone surrogates anywhere, keys included (NUL in an addressing value is a control character
    there); walked without recursion (documents may nest deeply)."""
    stack: list[tuple[object, Location]] = [(document, ())]
    while stack:
        node, at = stack.pop()
        if isinstance(node, str):
            _check_string(node, at, findings, nul=at not in skip_nul)
        elif isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str):
                    _check_string(key, at, findings, key=True)
                stack.append((value, (*at, str(key))))
        elif isinstance(node, list):
            stack.extend((item, (*at, index)) for index, item in enumerate(node))


def _check_string(value: str, at: Location, findings: Findings, *, key: bool = False, nul: bool = True) -> None:
    what = "a key here" if key else "this text"
    if nul and "\x00" in value:
        findings.error(at, f"{what} holds a NUL character (\\u0000)", "remove it: no registry can store it")
    if not value.isascii() and _SURROGATE.search(value):
        findings.error(
            at,
            f"{what} holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not a character",
            "write the character itself (or its full surrogate pair)",
        )


def _addressing_values(document: Node) -> Iterator[tuple[Location, tuple[str, str]]]:
    """``(where, (what, value))`` for every string that names or addresses something."""
    yield from _strings(document, (), _TOP_LEVEL)
    repository = as_node(document.get("repository"))
    if repository is not None:
        yield from _strings(repository, ("repository",), _REPOSITORY)
    for index, icon in nodes(document, "icons"):
        yield from _strings(icon, ("icons", index), ("src",))
    for index, package in nodes(document, "packages"):
        at: Location = ("packages", index)
        yield from _strings(package, at, _PACKAGE)
        for key in _ARGUMENT_LISTS:
            for item, argument in nodes(package, key):
                yield from _strings(argument, (*at, key, item), _ARGUMENT)
                yield from _variable_names(argument, (*at, key, item))
        for item, variable in nodes(package, "environmentVariables"):
            yield from _variable_names(variable, (*at, "environmentVariables", item))
        transport = as_node(package.get("transport"))
        if transport is not None:
            yield from _transport(transport, (*at, "transport"))
    for index, remote in nodes(document, "remotes"):
        yield from _transport(remote, ("remotes", index))


def _transport(transport: Node, at: Location) -> Iterator[tuple[Location, tuple[str, str]]]:
    yield from _strings(transport, at, ("type", "url"))
    yield from _variable_names(transport, at)
    for item, header in nodes(transport, "headers"):
        yield from _variable_names(header, (*at, "headers", item))


def _variable_names(holder: Node, at: Location) -> Iterator[tuple[Location, tuple[str, str]]]:
    """The keys of ``variables``: what ``{name}`` placeholders refer to."""
    variables = as_node(holder.get("variables"))
    for name in variables or ():
        yield (*at, "variables", name), ("variable name", name)


def _header_names(document: Node) -> Iterator[tuple[Location, str]]:
    holders: list[tuple[Location, Node]] = [
        (("remotes", index), remote) for index, remote in nodes(document, "remotes")
    ]
    for index, package in nodes(document, "packages"):
        transport = as_node(package.get("transport"))
        if transport is not None:
            holders.append((("packages", index, "transport"), transport))
    for at, holder in holders:
        for item, header in nodes(holder, "headers"):
            name = header.get("name")
            if isinstance(name, str):
                yield (*at, "headers", item, "name"), name


def _strings(node: Node, at: Location, keys: tuple[str, ...]) -> Iterator[tuple[Location, tuple[str, str]]]:
    for key in keys:
        value = node.get(key)
        if isinstance(value, str):
            yield (*at, key), (key, value)


def _shown(value: str) -> str:
    """The value quoted, control characters and surrogates escaped: the message stays one printable line."""
    shown = value if len(value) <= 80 else value[:80] + "…"
    return '"' + _UNPRINTABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", shown) + '"'

"""Semantic rules for one entry of ``packages`` (registry ``validatePackageField`` and the per-type checks;
registry.md §2.5 to §2.8)."""

from __future__ import annotations

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
from mcpship.server_json._registry_types import check_registry_type
from mcpship.server_json._urls import is_valid_templated_url, template_variables
from mcpship.server_json._versions import check_version
from mcpship.server_json.model import Package, wire_keys

__all__ = ["check_package"]

_ARGUMENT_LISTS = ("runtimeArguments", "packageArguments")
_FORBIDDEN_IN_FLAG = ("<", ">", " ", "$")


def check_package(package: Node, at: Location, findings: Findings) -> None:
    identifier = text(package, "identifier")
    if " " in identifier:
        findings.error(
            (*at, "identifier"),
            f'package identifier "{identifier}" contains spaces',
            "use the package name, image reference or URL exactly as the package registry spells it",
        )
    check_version(package.get("version"), (*at, "version"), findings)
    for key in _ARGUMENT_LISTS:
        for index, argument in nodes(package, key):
            _check_named_argument(argument, (*at, key, index), findings)
    _check_transport(package, at, findings)
    check_registry_type(package, at, findings)
    if package.get("runtimeArguments") and "runtimeHint" not in package:
        findings.warning(
            (*at, "runtimeHint"),
            "runtimeArguments are given without a runtimeHint",
            'add "runtimeHint" (npx, uvx, docker or dnx) so clients know which runtime takes these arguments',
        )
    check_unknown_keys(package, wire_keys(Package), at, findings)


def _check_named_argument(argument: Node, at: Location, findings: Findings) -> None:
    if text(argument, "type") != "named" or not absent_or_text(argument, "name"):
        return
    name = text(argument, "name")
    if not name:
        findings.error((*at, "name"), "a named argument needs a name", 'add "name": the flag, e.g. "--port"')
        return
    if any(character in name for character in _FORBIDDEN_IN_FLAG):
        findings.error(
            (*at, "name"),
            f'named argument "{name}" has a space, "<", ">" or "$" in its name',
            'put only the flag in "name" (e.g. "--port") and the value in "value" or "default"',
        )
    for key in ("value", "default"):
        value = text(argument, key)
        if value.startswith(name):
            findings.error(
                (*at, key),
                f'{key} "{value}" starts with the flag "{name}"',
                f'drop "{name}" from the {key}: clients put the flag before the value themselves',
            )


def _check_transport(package: Node, at: Location, findings: Findings) -> None:
    transport = as_node(package.get("transport"))
    if transport is None:
        return  # missing or not an object: the structure pass reports it with the fix
    at = (*at, "transport")
    kind = text(transport, "type")
    url = text(transport, "url")
    if kind == "stdio":
        if url:
            findings.error(
                (*at, "url"),
                "a stdio transport has no url",
                'remove "url", or use "type": "streamable-http" for a server that listens on HTTP',
            )
    elif kind in ("streamable-http", "sse"):
        if url:
            _check_package_url(package, url, (*at, "url"), findings)
    elif kind:
        findings.error((*at, "type"), f'unsupported transport type "{kind}"', 'use "stdio", "streamable-http" or "sse"')


def _check_package_url(package: Node, url: str, at: Location, findings: Findings) -> None:
    available = _template_sources(package)
    if is_valid_templated_url(url, available):
        return
    undefined = [name for name in template_variables(url) if name not in available]
    if not is_valid_templated_url(url, [*available, *undefined]):
        findings.error(at, f'transport url "{url}" is not an http(s) URL', 'use e.g. "http://localhost:{port}/mcp"')
        return
    findings.error(
        at,
        f'transport url "{url}" uses {", ".join("{" + name + "}" for name in undefined)}, which this package'
        " does not define",
        "name an environment variable, an argument name or a positional valueHint of this package"
        + (f" (defined: {', '.join(sorted(available))})" if available else ""),
    )


def _template_sources(package: Node) -> set[str]:
    """What ``{name}`` in a package's transport URL may refer to."""
    names = {text(variable, "name") for _, variable in nodes(package, "environmentVariables")}
    for key in _ARGUMENT_LISTS:
        for _, argument in nodes(package, key):
            names.update((text(argument, "name"), text(argument, "valueHint")))
    names.discard("")
    return names

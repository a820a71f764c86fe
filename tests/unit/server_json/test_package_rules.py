"""The rules for one entry of ``packages``: its identifier, version, named arguments, transport and its URL's
``{variables}``, and the runtime hint its runtime arguments need."""

from __future__ import annotations

from typing import Any

import pytest

from mcpship.server_json import validate_server_json

from .conftest import valid_server
from .test_rules import DELETE, changed

Found = tuple[str, str, str, str | None]
FLAG_HINT = 'put only the flag in "name" (e.g. "--port") and the value in "value" or "default"'
DEFINE_HINT = "name an environment variable, an argument name or a positional valueHint of this package"


def found(document: object) -> list[Found]:
    return [
        (problem.path, problem.severity, problem.message, problem.hint)
        for problem in validate_server_json(document, source="server.json")
    ]


def error(path: str, message: str, hint: str) -> Found:
    return (path, "error", message, hint)


def npm_package(**changes: Any) -> dict[str, Any]:
    """The valid document with its npm package (``packages[2]``) changed: ``None`` deletes a key."""
    document = valid_server()
    package = document["packages"][2]
    for key, value in changes.items():
        if value is None:
            del package[key]
        else:
            package[key] = value
    return document


def test_an_identifier_with_a_space_is_refused() -> None:
    assert found(changed("$.packages[2].identifier", "@acme/weather mcp")) == [
        error(
            "$.packages[2].identifier",
            'package identifier "@acme/weather mcp" contains spaces',
            "use the package name, image reference or URL exactly as the package registry spells it",
        )
    ]


def test_a_package_version_follows_the_version_rules() -> None:
    assert found(changed("$.packages[2].version", "^1.2")) == [
        error(
            "$.packages[2].version",
            'version "^1.2" is a range, not a specific version',
            'use the exact version being published, e.g. "1.2.0"',
        )
    ]


@pytest.mark.parametrize("name", ["--port <port>", "--port=<port>", "--port>x", "--port $PORT", "$PORT"])
def test_a_flag_holding_a_placeholder_or_a_space_is_refused(name: str) -> None:
    at = "$.packages[0].packageArguments[0].name"
    message = f'named argument "{name}" has a space, "<", ">" or "$" in its name'
    assert found(changed(at, name)) == [error(at, message, FLAG_HINT)]


def test_runtime_arguments_are_checked_as_package_arguments_are() -> None:
    at = "$.packages[2].runtimeArguments[0].name"
    message = 'named argument "--yes please" has a space, "<", ">" or "$" in its name'
    assert found(changed(at, "--yes please")) == [error(at, message, FLAG_HINT)]


def test_a_named_argument_with_an_empty_name_needs_one_and_nothing_else_is_said() -> None:
    document = changed("$.packages[0].packageArguments[0].name", "")
    document["packages"][0]["packageArguments"][0]["value"] = "metric"
    assert found(document) == [
        error(
            "$.packages[0].packageArguments[0].name",
            "a named argument needs a name",
            'add "name": the flag, e.g. "--port"',
        )
    ]


@pytest.mark.parametrize("key", ["value", "default"])
def test_a_value_or_default_that_repeats_the_flag_is_refused(key: str) -> None:
    at = f"$.packages[0].packageArguments[0].{key}"
    assert found(changed(at, "--units=imperial")) == [
        error(
            at,
            f'{key} "--units=imperial" starts with the flag "--units"',
            f'drop "--units" from the {key}: clients put the flag before the value themselves',
        )
    ]


def test_a_value_and_a_default_that_both_repeat_the_flag_are_both_refused() -> None:
    document = changed("$.packages[0].packageArguments[0].value", "--units metric")
    document["packages"][0]["packageArguments"][0]["default"] = "--units metric"
    assert [path for path, *_ in found(document)] == [
        "$.packages[0].packageArguments[0].default",
        "$.packages[0].packageArguments[0].value",
    ]


def test_a_value_merely_containing_the_flag_is_accepted() -> None:
    assert found(changed("$.packages[0].packageArguments[0].value", "metric --units")) == []


def test_a_positional_argument_may_hold_anything() -> None:
    document = changed("$.packages[2].packageArguments[0]", {"type": "positional", "value": "<$ x >"})
    document["packages"][2]["transport"]["url"] = "http://localhost:8080/mcp"
    assert found(document) == []


def test_a_stdio_transport_has_no_url() -> None:
    assert found(changed("$.packages[0].transport", {"type": "stdio", "url": "http://localhost:8000"})) == [
        error(
            "$.packages[0].transport.url",
            "a stdio transport has no url",
            'remove "url", or use "type": "streamable-http" for a server that listens on HTTP',
        )
    ]


def test_an_unknown_transport_type_is_refused_with_the_choices() -> None:
    assert found(changed("$.packages[0].transport", {"type": "websocket", "url": "ws://x"})) == [
        error(
            "$.packages[0].transport.type",
            'unsupported transport type "websocket"',
            'use "stdio", "streamable-http" or "sse"',
        )
    ]


@pytest.mark.parametrize("kind", ["streamable-http", "sse"])
def test_an_http_transport_url_must_be_http(kind: str) -> None:
    document = changed("$.packages[2].transport", {"type": kind, "url": "ftp://localhost:{port}/mcp"})
    assert found(document) == [
        error(
            "$.packages[2].transport.url",
            'transport url "ftp://localhost:{port}/mcp" is not an http(s) URL',
            'use e.g. "http://localhost:{port}/mcp"',
        )
    ]


@pytest.mark.parametrize("kind", ["streamable-http", "sse"])
def test_a_transport_url_variable_the_package_does_not_define_is_refused_with_what_it_defines(kind: str) -> None:
    document = changed("$.packages[2].transport", {"type": kind, "url": "http://{host}:{port}/{path}"})
    assert found(document) == [
        error(
            "$.packages[2].transport.url",
            'transport url "http://{host}:{port}/{path}" uses {host}, {path}, which this package does not define',
            f"{DEFINE_HINT} (defined: --yes, port)",
        )
    ]


def test_a_package_that_defines_nothing_says_only_what_may_define_a_variable() -> None:
    document = npm_package(runtimeArguments=None, packageArguments=None, runtimeHint=None)
    assert found(document) == [
        error(
            "$.packages[2].transport.url",
            'transport url "http://localhost:{port}/mcp" uses {port}, which this package does not define',
            DEFINE_HINT,
        )
    ]


def test_arguments_without_a_name_or_value_hint_define_nothing() -> None:
    document = npm_package(
        runtimeArguments=[{"type": "positional", "value": "--yes"}],
        packageArguments=[{"type": "positional", "value": "8080"}],
        environmentVariables=[{"name": "HOST"}],
    )
    (problem,) = found(document)
    assert problem[3] == f"{DEFINE_HINT} (defined: HOST)"


@pytest.mark.parametrize(
    "package",
    [
        {"environmentVariables": [{"name": "port"}]},
        {"runtimeArguments": [{"type": "named", "name": "port"}]},
        {"runtimeArguments": [{"type": "positional", "valueHint": "port"}]},
        {"packageArguments": [{"type": "named", "name": "port"}]},
        {"packageArguments": [{"type": "positional", "valueHint": "port"}]},
    ],
    ids=["environment", "runtime-flag", "runtime-hint", "package-flag", "package-hint"],
)
def test_each_kind_of_input_defines_a_transport_url_variable(package: dict[str, Any]) -> None:
    document = npm_package(**{"runtimeArguments": None, "packageArguments": None, **package})
    assert found(document) == []


def test_runtime_arguments_without_a_runtime_hint_are_a_warning() -> None:
    assert found(npm_package(runtimeHint=None)) == [
        (
            "$.packages[2].runtimeHint",
            "warning",
            "runtimeArguments are given without a runtimeHint",
            'add "runtimeHint" (npx, uvx, docker or dnx) so clients know which runtime takes these arguments',
        )
    ]


def test_no_runtime_arguments_need_no_runtime_hint() -> None:
    assert found(npm_package(runtimeHint=None, runtimeArguments=[])) == []
    assert found(npm_package(runtimeHint=None, runtimeArguments=None)) == []


def test_an_unknown_package_key_is_a_warning_at_its_path() -> None:
    (problem,) = found(changed("$.packages[2].color", "red"))
    assert problem[:3] == ("$.packages[2].color", "warning", 'unknown key "color": the official registry drops it')


def test_each_package_is_checked() -> None:
    document = valid_server()
    document["packages"] += [{**document["packages"][0], "identifier": "a b"}]
    assert [path for path, *_ in found(document)] == ["$.packages[4].identifier"]


@pytest.mark.parametrize("transport", [None, "stdio", {"url": "http://x"}])
def test_a_missing_or_malformed_transport_is_left_to_the_structure_pass(transport: object) -> None:
    document = changed("$.packages[0].transport", DELETE if transport is None else transport)
    assert [(path, severity) for path, severity, *_ in found(document)] == [
        ("$.packages[0].transport" + (".type" if isinstance(transport, dict) else ""), "error")
    ]

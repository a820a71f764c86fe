"""Values no client can use: control characters in addressing values, NUL and lone surrogates anywhere, variable
names that are not shell names and header names that are not HTTP tokens."""

from __future__ import annotations

from typing import Any

import pytest

from mcpship.server_json import PUBLISHER_META_KEY, validate_server_json

from .conftest import valid_server
from .test_rules import changed

CONTROL_HINT = "remove it: names, versions, identifiers and URLs are used to look things up and cannot hold one"
NUL_HINT = "remove it: no registry can store it"
SURROGATE_HINT = "write the character itself (or its full surrogate pair)"
ENV_HINT = 'use letters, digits and underscores, not starting with a digit ([A-Za-z_][A-Za-z0-9_]*), e.g. "API_KEY"'
HEADER_HINT = 'use letters, digits and - (RFC 9110 token characters), e.g. "X-API-Key"; no spaces or colons'

Found = tuple[str, str, str, str | None]


def found(document: object) -> list[Found]:
    return [
        (problem.path, problem.severity, problem.message, problem.hint)
        for problem in validate_server_json(document, source="server.json")
    ]


def control(path: str, what: str, shown: str) -> Found:
    return (path, "error", f'{what} "{shown}" holds a control character (such as a line break or NUL)', CONTROL_HINT)


ADDRESSING = [
    ("$.$schema", "$schema"),
    ("$.version", "version"),
    ("$.websiteUrl", "websiteUrl"),
    ("$.repository.url", "url"),
    ("$.repository.source", "source"),
    ("$.repository.id", "id"),
    ("$.repository.subfolder", "subfolder"),
    ("$.icons[0].src", "src"),
    ("$.packages[0].registryType", "registryType"),
    ("$.packages[0].registryBaseUrl", "registryBaseUrl"),
    ("$.packages[0].identifier", "identifier"),
    ("$.packages[0].version", "version"),
    ("$.packages[1].fileSha256", "fileSha256"),
    ("$.packages[0].runtimeHint", "runtimeHint"),
    ("$.packages[0].packageArguments[0].type", "type"),
    ("$.packages[0].packageArguments[0].name", "name"),
    ("$.packages[2].packageArguments[0].valueHint", "valueHint"),
    ("$.packages[2].runtimeArguments[0].name", "name"),
    ("$.packages[2].transport.type", "type"),
    ("$.packages[2].transport.url", "url"),
    ("$.remotes[0].type", "type"),
    ("$.remotes[1].url", "url"),
]


@pytest.mark.parametrize(("path", "what"), ADDRESSING, ids=[path for path, _ in ADDRESSING])
def test_a_control_character_in_an_addressing_value_is_refused_there(path: str, what: str) -> None:
    problems = found(changed(path, "x\u0001y"))
    assert control(path, what, "x\\u0001y") in problems
    assert [problem for problem in problems if "NUL character" in problem[2]] == []


@pytest.mark.parametrize(
    "value",
    ["x\u0000y", "x\ny", "x\ty", "x\u001by", "x\u007fy", "x\u0080y", "x\u009fy"],
    ids=lambda value: f"U+{ord(value[1]):04X}",
)
def test_every_c0_c1_and_delete_character_is_a_control_character(value: str) -> None:
    shown = value.replace(value[1], f"\\u{ord(value[1]):04x}")
    assert found(changed("$.repository.id", value)) == [control("$.repository.id", "id", shown)]


@pytest.mark.parametrize("value", ["x\u00a0y", "x\u200by", "Wéather ✓"])
def test_other_characters_in_an_addressing_value_are_accepted(value: str) -> None:
    assert found(changed("$.repository.id", value)) == []


def test_a_control_character_in_a_variable_name_is_refused_wherever_variables_are_declared() -> None:
    document = valid_server()
    bad = {"a\u0002": {"description": "x"}}
    document["remotes"][0]["variables"] |= bad
    document["remotes"][0]["headers"][0]["variables"] = bad
    document["packages"][2]["transport"]["variables"] = bad
    document["packages"][0]["packageArguments"][0]["variables"] = bad
    document["packages"][0]["environmentVariables"][0]["variables"] = bad
    paths = [
        "$.packages[0].environmentVariables[0].variables.a\u0002",
        "$.packages[0].packageArguments[0].variables.a\u0002",
        "$.packages[2].transport.variables.a\u0002",
        "$.remotes[0].headers[0].variables.a\u0002",
        "$.remotes[0].variables.a\u0002",
    ]
    assert found(document) == [control(path, "variable name", "a\\u0002") for path in paths]


def test_a_control_character_in_a_runtime_argument_is_refused() -> None:
    document = changed("$.packages[2].runtimeArguments[0].name", "--yes\n")
    assert found(document) == [control("$.packages[2].runtimeArguments[0].name", "name", "--yes\\u000a")]


def test_a_long_value_is_shown_cut_at_80_characters() -> None:
    exactly = "x" * 79 + "\n"
    assert found(changed("$.repository.id", exactly)) == [control("$.repository.id", "id", "x" * 79 + "\\u000a")]
    longer = "x" * 80 + "\n"
    assert found(changed("$.repository.id", longer)) == [control("$.repository.id", "id", "x" * 80 + "…")]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("$.description", "Weather\u0000"),
        ("$.title", "\u0000"),
        ("$.packages[0].environmentVariables[0].description", "a\u0000b"),
        ("$.remotes[0].headers[0].value", "Bearer \u0000"),
        ("$.icons[0].sizes[0]", "\u0000"),
    ],
)
def test_a_nul_in_free_text_is_refused_as_a_nul(path: str, value: str) -> None:
    document = changed(path, value)
    nul = (path, "error", "this text holds a NUL character (\\u0000)", NUL_HINT)
    assert nul in found(document)


def test_free_text_may_hold_other_control_characters() -> None:
    assert found(changed("$.description", "Line one\nline two\ttabbed")) == []


def test_a_nul_or_a_lone_surrogate_in_a_key_is_refused_where_the_key_is() -> None:
    document = valid_server()
    document["_meta"][PUBLISHER_META_KEY] = {"a\u0000": 1, "b\udc00": 2}
    at = f"$._meta.{PUBLISHER_META_KEY}"
    assert found(document) == [
        (at, "error", "a key here holds a NUL character (\\u0000)", NUL_HINT),
        (
            at,
            "error",
            "a key here holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not a character",
            SURROGATE_HINT,
        ),
    ]


@pytest.mark.parametrize(
    "surrogate", [chr(0xD800), chr(0xDBFF), chr(0xDC00), chr(0xDFFF)], ids=lambda value: f"U+{ord(value):04X}"
)
def test_a_lone_surrogate_in_any_text_is_refused(surrogate: str) -> None:
    message = "this text holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not a character"
    assert found(changed("$.description", f"Weather {surrogate}")) == [
        ("$.description", "error", message, SURROGATE_HINT)
    ]


def test_a_surrogate_in_an_addressing_value_is_shown_escaped() -> None:
    problems = found(changed("$.repository.id", "x\ud800"))
    message = "this text holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not a character"
    assert problems == [("$.repository.id", "error", message, SURROGATE_HINT)]


def test_text_beyond_the_basic_plane_is_not_a_surrogate() -> None:
    assert found(changed("$.description", "Weather 🌦 \U0010ffff")) == []


def test_nested_lists_and_objects_are_walked() -> None:
    document = valid_server()
    document["_meta"][PUBLISHER_META_KEY] = {"a": [[{"b": ["\u0000"]}]]}
    at = f"$._meta.{PUBLISHER_META_KEY}.a[0][0].b[0]"
    assert found(document) == [(at, "error", "this text holds a NUL character (\\u0000)", NUL_HINT)]


@pytest.mark.parametrize("name", ["A=x; touch ~/pwned; B", "1TOKEN", "WEATHER-TOKEN", "TOKEN ", "", "ÄPI"])
def test_an_environment_variable_name_must_be_a_shell_name(name: str) -> None:
    at = "$.packages[0].environmentVariables[0].name"
    message = f'environment variable name "{name}" is not a variable name clients can set'
    assert (at, "error", message, ENV_HINT) in found(changed(at, name))


@pytest.mark.parametrize("name", ["_", "API_KEY", "a1", "_9"])
def test_a_shell_name_is_an_environment_variable_name(name: str) -> None:
    assert found(changed("$.packages[0].environmentVariables[0].name", name)) == []


def test_environment_variables_of_every_package_are_checked() -> None:
    document = valid_server()
    document["packages"][2]["environmentVariables"] = [{"name": "ok"}, {"name": "not ok"}]
    at = "$.packages[2].environmentVariables[1].name"
    message = 'environment variable name "not ok" is not a variable name clients can set'
    assert found(document) == [(at, "error", message, ENV_HINT)]


@pytest.mark.parametrize(
    "path", ["$.remotes[0].headers[0].name", "$.packages[2].transport.headers[0].name"], ids=["remote", "package"]
)
@pytest.mark.parametrize("name", ["X-A: b", "X A", "X-A\r\nX-B", "Ä", "X(A)", ""])
def test_a_header_name_must_be_an_http_token(path: str, name: str) -> None:
    document = valid_server()
    document["packages"][2]["transport"]["headers"] = [{"name": "X-Ok"}]
    target: Any = changed(path, name) if path.startswith("$.remotes") else document
    if target is document:
        document["packages"][2]["transport"]["headers"][0]["name"] = name
    message = f'header name "{name}"'.replace("\r", "\\u000d").replace("\n", "\\u000a")
    expected = (path, "error", f"{message} is not an HTTP header name", HEADER_HINT)
    assert expected in found(target)


@pytest.mark.parametrize("name", ["X-API-Key", "!#$%&'*+.^_`|~0-9", "Authorization"])
def test_an_http_token_is_a_header_name(name: str) -> None:
    assert found(changed("$.remotes[0].headers[0].name", name)) == []


def test_headers_of_every_remote_are_checked() -> None:
    document = valid_server()
    document["remotes"][1]["headers"] = [{"name": "Good"}, {"name": "Bad:"}]
    at = "$.remotes[1].headers[1].name"
    assert found(document) == [(at, "error", 'header name "Bad:" is not an HTTP header name', HEADER_HINT)]

"""validate_server_json: the official schema plus the registry's semantic rules, each with a JSON path and a fix.

The broken variants mirror upstream's table tests (internal/validators/validators_test.go at the commit
registry.md describes); each also records whether the JSON schema alone catches it, checked with jsonschema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import jsonschema
import pytest

from mcpship.server_json import PUBLISHER_META_KEY, validate_server_json
from mcpship.server_json._versions import looks_like_version_range
from mcpship.server_json.model import schema_url

from .conftest import valid_server

SOURCE = "dist/server.json"
DELETE = object()


@dataclass(frozen=True)
class Broken:
    id: str
    change: str
    """JSON path of the value to replace (or delete)."""
    value: object
    says: str
    schema: bool = False
    """Whether the JSON schema alone refuses it too (checked with jsonschema)."""
    at: str | None = None
    """Where the problem is reported, when not at ``change``."""


def changed(change: str, value: object) -> dict[str, Any]:
    document = valid_server()
    *parents, last = [int(index) if index else key for key, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", change)]
    target: Any = document
    for key in parents:
        target = target[key]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return document


P0, P1, P2, P3 = "$.packages[0]", "$.packages[1]", "$.packages[2]", "$.packages[3]"
RELEASE = "https://github.com/acme/weather-mcp/releases/download/v1/w.mcpb"
RELEASE_WITHOUT_MCP = "https://github.com/acme/weather/releases/download/v1/w.zip"  # ".mcpb" would contain it

BROKEN = [
    # name (registry.md §2.2: the schema pattern, then the stricter namespace / name regexes)
    Broken("name-without-namespace", "$.name", "weather", "no namespace", schema=True),
    Broken("name-with-two-slashes", "$.name", "io.github.acme/a/b", "more than one", schema=True),
    Broken("namespace-ending-in-dot", "$.name", "io.github.acme./weather", "namespace"),
    Broken("name-starting-with-dash", "$.name", "io.github.acme/-weather", "start and end"),
    Broken("name-too-long", "$.name", "io.github.acme/" + "w" * 190, "limit is 200", schema=True),
    # $schema (§2.1)
    Broken("schema-missing", "$.$schema", DELETE, "missing"),
    Broken("schema-unknown-version", "$.$schema", schema_url("2025-01-27"), "not one the"),
    Broken("schema-not-a-schema-url", "$.$schema", "https://example.com/schema.json", "not a"),
    # version (§2.8)
    Broken("version-latest", "$.version", "latest", "reserved"),
    Broken("version-blank", "$.version", " ", "empty"),
    Broken("package-version-range", f"{P0}.version", ">=1.0", "range"),
    Broken("package-version-latest", f"{P0}.version", "latest", "reserved", schema=True),
    # description and title (§2.2)
    Broken("description-101-chars", "$.description", "d" * 101, "101 characters", schema=True),
    Broken("description-empty", "$.description", "", "empty", schema=True),
    Broken("description-missing", "$.description", DELETE, "missing", schema=True),
    Broken("title-blank", "$.title", "   ", "whitespace"),
    Broken("title-101-chars", "$.title", "t" * 101, "101 characters", schema=True),
    Broken("title-null", "$.title", None, "null", schema=True),
    # https only (§2.2, §2.4)
    Broken("website-http", "$.websiteUrl", "http://acme.dev", "https"),
    Broken("website-relative", "$.websiteUrl", "/weather", "absolute"),
    Broken("website-empty", "$.websiteUrl", "", "empty"),
    Broken("icon-src-empty", "$.icons[0].src", "", "empty"),
    Broken("icon-http", "$.icons[0].src", "http://acme.dev/i.png", "https"),
    Broken("icon-data-uri", "$.icons[0].src", "data:image/png;base64,AA", "https"),
    Broken("icon-size", "$.icons[0].sizes[0]", "48", "sizes", schema=True),
    Broken("icon-mime-type", "$.icons[0].mimeType", "image/gif", "mimeType", schema=True),
    # repository (§2.3)
    Broken("repository-source", "$.repository.source", "bitbucket", "bitbucket"),
    Broken("repository-url", "$.repository.url", "https://github.com/acme", "github"),
    Broken("subfolder-parent", "$.repository.subfolder", "../x", "relative"),
    Broken("subfolder-absolute", "$.repository.subfolder", "/srv", "relative"),
    Broken("subfolder-empty-segment", "$.repository.subfolder", "a//b", "relative"),
    # packages: structure
    Broken("package-without-transport", f"{P0}.transport", DELETE, "missing", schema=True),
    Broken("package-without-registry-type", f"{P0}.registryType", DELETE, "missing", schema=True),
    Broken("transport-type", f"{P0}.transport", {"type": "ws"}, "ws", schema=True, at=f"{P0}.transport.type"),
    Broken("transport-without-url", f"{P2}.transport.url", DELETE, "missing", schema=True),
    Broken("env-without-name", f"{P0}.environmentVariables[0].name", DELETE, "missing", schema=True),
    Broken("boolean-as-string", f"{P0}.environmentVariables[0].isRequired", "true", "boolean", schema=True),
    Broken("positional-without-value", f"{P0}.packageArguments[0]", {"type": "positional"}, "valueHint", schema=True),
    Broken("argument-type", f"{P0}.packageArguments[0].type", "flag", "flag", schema=True),
    Broken("named-without-name", f"{P0}.packageArguments[0].name", DELETE, "name", schema=True),
    # packages: semantics (§2.5 to §2.7)
    Broken("identifier-with-space", f"{P0}.identifier", "weather mcp", "spaces"),
    Broken("stdio-with-url", f"{P0}.transport.url", "http://localhost:8000", "no url"),
    Broken("undefined-url-variable", f"{P2}.transport.url", "http://localhost:{nope}/mcp", "{nope}"),
    Broken("flag-with-placeholder", f"{P0}.packageArguments[0].name", "--units <u>", "space"),
    Broken("value-repeats-flag", f"{P0}.packageArguments[0].value", "--units metric", "starts with"),
    Broken("default-repeats-flag", f"{P0}.packageArguments[0].default", "--units=metric", "starts with"),
    # per registry type (§2.5)
    Broken("unsupported-registry-type", f"{P0}.registryType", "cargo", "cargo"),
    Broken("pypi-without-version", f"{P0}.version", DELETE, "need a version"),
    Broken("pypi-with-file-sha", f"{P0}.fileSha256", "b" * 64, "only for mcpb"),
    Broken("pypi-other-index", f"{P0}.registryBaseUrl", "https://test.pypi.org", "not valid"),
    Broken("mcpb-without-sha", f"{P1}.fileSha256", DELETE, "fileSha256"),
    Broken("mcpb-sha-uppercase", f"{P1}.fileSha256", "A" * 64, "pattern", schema=True),
    Broken("mcpb-http-url", f"{P1}.identifier", RELEASE.replace("https:", "http:"), "https"),
    Broken("mcpb-other-host", f"{P1}.identifier", "https://cdn.acme.dev/weather-mcp.mcpb", "GitHub or GitLab"),
    Broken("mcpb-not-a-release", f"{P1}.identifier", "https://github.com/acme/weather-mcp/raw/main/w.mcpb", "release"),
    Broken("mcpb-url-without-mcp", f"{P1}.identifier", RELEASE_WITHOUT_MCP, "contain"),
    Broken("mcpb-with-base-url", f"{P1}.registryBaseUrl", "https://github.com", "must not"),
    Broken("oci-with-version", f"{P3}.version", "1.2.0", "tag"),
    Broken("oci-other-registry", f"{P3}.identifier", "registry.acme.dev/weather:1", "registry.acme.dev"),
    Broken("oci-uppercase", f"{P3}.identifier", "ghcr.io/Acme/Weather:1", "lowercase"),
    # remotes (§2.7)
    Broken("remote-stdio", "$.remotes[1].type", "stdio", "stdio", schema=True),
    Broken("remote-http", "$.remotes[1].url", "http://sse.acme.dev/events", "public https"),
    Broken("remote-localhost", "$.remotes[1].url", "https://localhost/mcp", "public https"),
    Broken("remote-undeclared-variable", "$.remotes[0].variables", {}, "{tenant}", at="$.remotes[0].url"),
    Broken("remote-without-url", "$.remotes[1].url", DELETE, "missing", schema=True),
    # values no client can use (mcpship's own rules: the official registry accepts these)
    Broken("env-name-injects-a-command", f"{P0}.environmentVariables[0].name", "A=x; touch ~/pwned; B", "variable"),
    Broken("env-name-with-newline", f"{P0}.environmentVariables[0].name", "TOKEN\nrm -rf ~", "variable"),
    Broken("env-name-starting-with-digit", f"{P0}.environmentVariables[0].name", "1TOKEN", "variable"),
    Broken("env-name-with-dash", f"{P0}.environmentVariables[0].name", "WEATHER-TOKEN", "variable"),
    Broken("header-name-with-colon", "$.remotes[0].headers[0].name", "X-A: b", "header name"),
    Broken("header-name-with-crlf", "$.remotes[0].headers[0].name", "X-A\r\nX-B", "header name"),
    Broken("version-with-nul", "$.version", "1.2.0\u0000", "control character"),
    Broken("version-with-newline", "$.version", "1.2.0\n", "control character"),
    Broken("version-with-c1-control", "$.version", "1.2.0\u0085", "control character"),
    Broken("package-version-with-escape", f"{P0}.version", "1.2.0\u001b[2J", "control character"),
    Broken("identifier-with-newline", f"{P0}.identifier", "weather\nmcp", "control character"),
    Broken("flag-with-tab", f"{P0}.packageArguments[0].name", "--units\t", "control character"),
    Broken("transport-url-with-control", f"{P2}.transport.url", "http://localhost:{port}/\u0001", "control"),
    Broken("remote-url-with-delete", "$.remotes[1].url", "https://sse.acme.dev/\u007f", "control character"),
    Broken(
        "variable-name-with-newline",
        "$.remotes[0].variables",
        {"tenant": {}, "a\nb": {}},
        "control",
        at="$.remotes[0].variables.a\nb",
    ),
    Broken(
        "nul-in-publisher-metadata",
        "$._meta",
        {PUBLISHER_META_KEY: {"tool": "mcp\u0000ship"}},
        "NUL",
        at=f"$._meta.{PUBLISHER_META_KEY}.tool",
    ),
    Broken("nul-in-description", "$.description", "Weather\u0000", "NUL"),
    Broken("lone-surrogate-in-title", "$.title", "Weather \ud800", "surrogate"),
]


@pytest.mark.parametrize("case", BROKEN, ids=lambda case: case.id)
def test_broken_variant_fails_at_its_json_path_with_a_hint(case: Broken, official_schema: dict[str, Any]) -> None:
    document = changed(case.change, case.value)
    problems = validate_server_json(document, source=SOURCE)
    errors = [problem for problem in problems if problem.severity == "error"]
    assert [problem.path for problem in errors] == [case.at or case.change], [problem.render() for problem in errors]
    (error,) = errors
    assert case.says.lower() in error.message.lower()
    assert error.file == SOURCE
    assert error.hint
    assert jsonschema.Draft7Validator(official_schema).is_valid(document) is not case.schema


def test_the_valid_document_has_no_problems_and_satisfies_the_schema(official_schema: dict[str, Any]) -> None:
    document = valid_server()
    jsonschema.Draft7Validator(official_schema).validate(document)
    assert validate_server_json(document, source=SOURCE) == []


def test_every_seed_entry_passes(seed: list[dict[str, Any]]) -> None:
    for index, entry in enumerate(seed):
        assert validate_server_json(entry, source=f"seed.json[{index}]") == []


@pytest.mark.parametrize(
    "version",
    ["^1.2.0", "~1.2.3", ">=1.0", "<=2", ">1.0.0", "<1", "=1.0.0", ">= 1.2.3", "1.x", "1.2.*", "1.X", "x.1", "*.1",
     "v1.x", "1.2.3 - 2.0.0", "1.2 || 1.3", "1 || 2 || 3"],
)  # fmt: skip
def test_version_ranges_are_refused(version: str) -> None:
    assert looks_like_version_range(version)
    problems = validate_server_json(changed("$.version", version), source=SOURCE)
    assert [(problem.path, problem.severity) for problem in problems] == [("$.version", "error")]
    assert "range" in problems[0].message


@pytest.mark.parametrize(
    "version",
    ["1.2.3", "v1.0", "2025-06-18", "1.2.3-alpha.1", "1.0.0+build.5", "snapshot", "snapshot - 2025.09", "2021.03.15"],
)
def test_specific_versions_are_accepted(version: str) -> None:
    assert not looks_like_version_range(version)
    assert validate_server_json(changed("$.version", version), source=SOURCE) == []


@pytest.mark.parametrize("name", ["io.github.a1/b2", "com.example.api/server_v2.1", "ai.acme/x-y.z"])
def test_well_formed_names_are_accepted(name: str) -> None:
    assert validate_server_json(changed("$.name", name), source=SOURCE) == []


@dataclass(frozen=True)
class Dubious:
    id: str
    change: str
    value: object
    hint: str
    at: str | None = None


DUBIOUS = [
    Dubious("older-schema", "$.$schema", schema_url("2025-10-17"), "2025-12-11"),
    Dubious("typo-in-top-level-key", "$.websiteURL", "https://acme.dev", '"websiteUrl"'),
    Dubious("snake-case-package-key", f"{P0}.runtime_hint", "uvx", '"runtimeHint"'),
    Dubious("foreign-meta-key", "$._meta.com/extra", {"a": 1}, "publisher-provided"),
    Dubious("remote-listed-twice", "$.remotes[0].url", "https://sse.acme.dev/events", "remove", at="$.remotes[1].url"),
    Dubious("runtime-arguments-without-hint", f"{P2}.runtimeHint", DELETE, "npx"),
]


@pytest.mark.parametrize("case", DUBIOUS, ids=lambda case: case.id)
def test_accepted_but_dubious_documents_get_a_warning(case: Dubious) -> None:
    problems = validate_server_json(changed(case.change, case.value), source=SOURCE)
    assert [(problem.path, problem.severity) for problem in problems] == [(case.at or case.change, "warning")]
    assert problems[0].hint is not None
    assert case.hint in problems[0].hint


def test_a_structural_fault_does_not_hide_semantic_ones() -> None:
    document = valid_server()
    del document["packages"][0]["transport"]
    document["name"] = "weather"
    document["version"] = "^1.0"
    paths = {problem.path for problem in validate_server_json(document, source=SOURCE)}
    assert paths == {"$.packages[0].transport", "$.name", "$.version"}


def test_the_missing_transport_hint_shows_the_fix() -> None:
    (problem,) = validate_server_json(changed(f"{P0}.transport", DELETE), source=SOURCE)
    assert problem.hint is not None
    assert '"transport": {"type": "stdio"}' in problem.hint


def test_problems_come_in_document_order() -> None:
    document = valid_server()
    document["packages"] += [{**document["packages"][0], "identifier": "a b"}] * 9  # indices past 9 sort as numbers
    paths = [problem.path for problem in validate_server_json(document, source=SOURCE)]
    indices = [int(path.split("[")[1].split("]")[0]) for path in paths]
    assert indices == sorted(indices)
    assert max(indices) >= 10


def test_publisher_metadata_over_4kb_is_refused() -> None:
    document = valid_server()
    document["_meta"][PUBLISHER_META_KEY] = {"blob": "<" * 700}  # Go escapes < as \\u003c: 4 KB on the wire
    (problem,) = validate_server_json(document, source=SOURCE)
    assert (problem.path, problem.severity) == (f"$._meta.{PUBLISHER_META_KEY}", "error")
    assert "4096" in problem.message


@pytest.mark.parametrize("data", [[], "server", None, 42])
def test_a_document_that_is_not_an_object_is_one_problem(data: object) -> None:
    (problem,) = validate_server_json(data, source=SOURCE)
    assert (problem.path, problem.severity) == ("$", "error")

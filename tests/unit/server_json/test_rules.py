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

from mcpship._problems import json_path
from mcpship.server_json import CURRENT_SCHEMA_URL, PUBLISHER_META_KEY, validate_server_json
from mcpship.server_json._structure import structure_problems
from mcpship.server_json._versions import looks_like_version_range
from mcpship.server_json.model import schema_url
from mcpship.server_json.rules import PUBLISHER_META_LIMIT, _path_key, publisher_meta_bytes

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


# -- each rule's exact words: the message says what is wrong, the hint how to fix it -------------------------------

Found = tuple[str, str, str, str | None]
NAME_HINT = (
    'use a reverse-DNS namespace you can prove you own, one slash, then the server name: "io.github.USER/SERVER"'
    ' (GitHub login) or "com.example/SERVER" (your domain)'
)
SET_SCHEMA = f'set "$schema": "{CURRENT_SCHEMA_URL}"'
REMOTE_HINT = "use the https:// address clients reach the server at (http, localhost and 127.0.0.1 are refused)"
WEBSITE_HINT = "use the https:// address of the server's home page or docs"
ICON_HINT = "host the icon and use its https:// URL"
SOURCE_HINT = 'set "source" to "github" or "gitlab" (other forges are not accepted)'
UNKNOWN_KEY_HINT = f'remove it, or move custom data into "_meta" / "{PUBLISHER_META_KEY}"'


def found(document: object, **options: Any) -> list[Found]:
    problems = validate_server_json(document, source=SOURCE, **options)
    assert all(problem.file == SOURCE for problem in problems)
    return [(problem.path, problem.severity, problem.message, problem.hint) for problem in problems]


def error(path: str, message: str, hint: str) -> Found:
    return (path, "error", message, hint)


def warning(path: str, message: str, hint: str) -> Found:
    return (path, "warning", message, hint)


@dataclass(frozen=True)
class Said:
    id: str
    change: str
    value: object
    message: str
    hint: str
    at: str | None = None
    severity: str = "error"


SAID = [
    # $schema
    Said(
        "schema-missing",
        "$.$schema",
        DELETE,
        "$schema is missing: the registry needs it to know which server.json version this is",
        SET_SCHEMA,
    ),
    Said(
        "schema-empty",
        "$.$schema",
        "",
        "$schema is missing: the registry needs it to know which server.json version this is",
        SET_SCHEMA,
    ),
    Said(
        "schema-not-a-string",
        "$.$schema",
        5,
        '"$schema" must be a string, not a number',
        'change "$schema" to a string',
    ),
    Said(
        "schema-not-a-schema-url",
        "$.$schema",
        "https://example.com/schema.json",
        '"https://example.com/schema.json" is not a server.json schema URL (…/schemas/VERSION/server.schema.json)',
        SET_SCHEMA,
    ),
    Said(
        "schema-unknown-version",
        "$.$schema",
        schema_url("2025-01-27"),
        'schema version "2025-01-27" is not one the registry knows'
        " (2025-07-09, 2025-09-16, 2025-09-29, 2025-10-11, 2025-10-17, 2025-12-11)",
        SET_SCHEMA,
    ),
    Said(
        "schema-first-version",
        "$.$schema",
        schema_url("2025-07-09"),
        "schema version 2025-07-09 is not the current version (2025-12-11);"
        " that version spelled keys in snake_case, the current one in camelCase",
        SET_SCHEMA,
        severity="warning",
    ),
    Said(
        "schema-older-version",
        "$.$schema",
        schema_url("2025-10-17"),
        "schema version 2025-10-17 is not the current version (2025-12-11)",
        SET_SCHEMA,
        severity="warning",
    ),
    # name
    Said("name-empty", "$.name", "", "server name is empty", NAME_HINT),
    Said(
        "name-without-namespace",
        "$.name",
        "weather",
        'server name "weather" has no namespace: it must be "dns-namespace/name"',
        NAME_HINT,
    ),
    Said("name-with-two-slashes", "$.name", "a/b/c", 'server name "a/b/c" has more than one "/"', NAME_HINT),
    Said(
        "name-without-namespace-before-slash",
        "$.name",
        "/weather",
        'server name "/weather" needs a namespace and a name on both sides of "/"',
        NAME_HINT,
    ),
    Said(
        "name-without-name-after-slash",
        "$.name",
        "io.acme/",
        'server name "io.acme/" needs a namespace and a name on both sides of "/"',
        NAME_HINT,
    ),
    Said(
        "namespace-ending-in-dot",
        "$.name",
        "io.acme./w",
        'namespace "io.acme." must start and end with a letter or digit (dots and hyphens only inside)',
        NAME_HINT,
    ),
    Said(
        "name-ending-in-dash",
        "$.name",
        "io.acme/w-",
        'name "w-" must start and end with a letter or digit (dots, underscores, hyphens only inside)',
        NAME_HINT,
    ),
    # repository
    Said(
        "repository-without-source",
        "$.repository",
        {"url": "https://github.com/a/b"},
        "source is missing",
        SOURCE_HINT,
        at="$.repository.source",
    ),
    Said(
        "repository-without-url",
        "$.repository",
        {"source": "github"},
        "url is missing",
        'use "https://github.com/OWNER/REPO" (no deeper path; put a monorepo folder in "subfolder")',
        at="$.repository.url",
    ),
    Said(
        "repository-url-of-another-forge",
        "$.repository",
        {"source": "gitlab", "url": "https://github.com/a/b"},
        'repository url "https://github.com/a/b" is not a gitlab repository URL',
        'use "https://gitlab.com/OWNER/REPO" (no deeper path; put a monorepo folder in "subfolder")',
        at="$.repository.url",
    ),
    Said(
        "repository-source-unsupported",
        "$.repository.source",
        "bitbucket",
        'repository source "bitbucket" is not supported by the registry',
        SOURCE_HINT,
    ),
    Said(
        "subfolder-with-parent",
        "$.repository.subfolder",
        "a/../b",
        'subfolder "a/../b" is not a clean relative path',
        'write it like "servers/weather": no leading or trailing "/", no "." or ".." segments',
    ),
    Said(
        "repository-unknown-key",
        "$.repository.branch",
        "main",
        'unknown key "branch": the official registry drops it',
        UNKNOWN_KEY_HINT,
        severity="warning",
    ),
    # websiteUrl, title, icons
    Said(
        "website-unparseable",
        "$.websiteUrl",
        "https://[acme",
        'websiteUrl "https://[acme" is not a valid URL',
        WEBSITE_HINT,
    ),
    Said("website-relative", "$.websiteUrl", "/w", 'websiteUrl "/w" must be an absolute URL', WEBSITE_HINT),
    Said(
        "website-ftp",
        "$.websiteUrl",
        "ftp://acme.dev",
        'websiteUrl "ftp://acme.dev" must use https, not ftp',
        WEBSITE_HINT,
    ),
    Said("website-empty", "$.websiteUrl", "", "websiteUrl is empty", WEBSITE_HINT),
    Said(
        "title-blank",
        "$.title",
        " \t",
        "title is only whitespace",
        'give a display name such as "Weather", or remove it',
    ),
    Said(
        "icon-unparseable", "$.icons[0].src", "https://[acme", 'icon src "https://[acme" is not a valid URL', ICON_HINT
    ),
    Said("icon-relative", "$.icons[0].src", "/i.png", 'icon src "/i.png" must be an absolute URL', ICON_HINT),
    Said(
        "icon-http",
        "$.icons[0].src",
        "http://acme.dev/i.png",
        'icon src "http://acme.dev/i.png" must use https, not http',
        ICON_HINT,
    ),
    Said("icon-empty", "$.icons[0].src", "", "icon src is empty", ICON_HINT),
    Said(
        "icon-unknown-key",
        "$.icons[0].color",
        "red",
        'unknown key "color": the official registry drops it',
        UNKNOWN_KEY_HINT,
        severity="warning",
    ),
    # remotes
    Said(
        "remote-websocket",
        "$.remotes[1].type",
        "websocket",
        'remotes cannot use transport "websocket"',
        'use "streamable-http" (or "sse"); stdio servers go in "packages"',
    ),
    Said(
        "remote-http",
        "$.remotes[1].url",
        "http://sse.acme.dev/events",
        'remote url "http://sse.acme.dev/events" must be a public https URL',
        REMOTE_HINT,
    ),
    Said(
        "remote-undeclared-variables",
        "$.remotes[0].url",
        "https://{a}.{tenant}.acme.dev/{b}",
        'remote url "https://{a}.{tenant}.acme.dev/{b}" uses {a}, {b}, not declared in variables',
        'declare it: "variables": {"a": {"description": "...", "isRequired": true}}',
    ),
    Said(
        "remote-listed-twice",
        "$.remotes[0].url",
        "https://sse.acme.dev/events",
        'remote url "https://sse.acme.dev/events" is listed twice (also remotes[0])',
        "remove one",
        at="$.remotes[1].url",
        severity="warning",
    ),
    Said(
        "remote-unknown-key",
        "$.remotes[1].extra",
        1,
        'unknown key "extra": the official registry drops it',
        UNKNOWN_KEY_HINT,
        severity="warning",
    ),
    # _meta
    Said(
        "foreign-meta-key",
        "$._meta.com/extra",
        1,
        f'the registry keeps only "_meta"."{PUBLISHER_META_KEY}" and drops "com/extra"',
        f'move this data under "{PUBLISHER_META_KEY}"',
        severity="warning",
    ),
]


@pytest.mark.parametrize("case", SAID, ids=lambda case: case.id)
def test_each_rule_says_what_is_wrong_and_how_to_fix_it(case: Said) -> None:
    expected = (case.at or case.change, case.severity, case.message, case.hint)
    assert found(changed(case.change, case.value)) == [expected]


def test_a_document_that_is_not_an_object_says_so_with_the_fix() -> None:
    assert found(["server"]) == [error("$", "server.json must be a JSON object", "wrap it in {...}")]


@pytest.mark.parametrize(
    "url", ["https://mcp.localhost/mcp", "https://a.b.localhost:8443/mcp", "https://{tenant}.localhost/mcp"]
)
def test_a_remote_url_on_a_localhost_subdomain_is_refused(url: str) -> None:
    document = changed("$.remotes[0].url", url)
    assert found(document) == [error("$.remotes[0].url", f'remote url "{url}" must be a public https URL', REMOTE_HINT)]


@pytest.mark.parametrize("url", ["https://localhost/mcp", "https://LocalHost:8443/mcp", "https://127.0.0.1/mcp"])
def test_a_remote_url_on_localhost_or_its_address_is_refused(url: str) -> None:
    document = changed("$.remotes[1].url", url)
    assert found(document) == [error("$.remotes[1].url", f'remote url "{url}" must be a public https URL', REMOTE_HINT)]


def test_a_remote_url_without_a_host_is_refused() -> None:
    document = changed("$.remotes[1].url", "https://:443/mcp")
    message = 'remote url "https://:443/mcp" must be a public https URL'
    assert found(document) == [error("$.remotes[1].url", message, REMOTE_HINT)]


def test_a_remote_url_whose_name_merely_contains_localhost_is_accepted() -> None:
    assert found(changed("$.remotes[1].url", "https://localhost.acme.dev/mcp")) == []


def test_a_remote_of_an_unknown_transport_does_not_stop_the_checks_of_the_next_remote() -> None:
    document = changed("$.remotes[0].type", "websocket")
    document["remotes"][1]["url"] = "http://sse.acme.dev/events"
    assert [(path, severity) for path, severity, _, _ in found(document)] == [
        ("$.remotes[0].type", "error"),
        ("$.remotes[1].url", "error"),
    ]


def test_a_url_listed_three_times_names_its_first_listing_each_time() -> None:
    document = valid_server()
    document["remotes"] = [{"type": "sse", "url": "https://acme.dev/sse"} for _ in range(3)]
    message = 'remote url "https://acme.dev/sse" is listed twice (also remotes[0])'
    assert found(document) == [warning(f"$.remotes[{index}].url", message, "remove one") for index in (1, 2)]


def test_a_remote_url_whose_variables_are_all_declared_is_accepted() -> None:
    document = changed("$.remotes[0].url", "https://{tenant}.acme.dev/{region}")
    document["remotes"][0]["variables"]["region"] = {"description": "Region"}
    assert found(document) == []


def test_a_remote_with_an_http_url_is_not_also_asked_to_declare_its_variables() -> None:
    document = changed("$.remotes[0].url", "http://{tenant}.acme.dev/mcp")
    document["remotes"][0]["variables"] = {}
    assert [path for path, *_ in found(document)] == ["$.remotes[0].url"]


def test_a_blank_title_is_refused_but_an_absent_one_is_not() -> None:
    assert found(changed("$.title", DELETE)) == []
    assert found(changed("$.title", "Weather ")) == []


def test_an_icon_without_a_string_src_leaves_the_report_to_the_structure_pass() -> None:
    (problem,) = found(changed("$.icons[0].src", 5))
    assert problem == error("$.icons[0].src", '"src" must be a string, not a number', 'change "src" to a string')


def test_a_non_string_name_or_website_leaves_the_report_to_the_structure_pass() -> None:
    assert [path for path, *_ in found(changed("$.name", 5))] == ["$.name"]
    assert [path for path, *_ in found(changed("$.websiteUrl", 5))] == ["$.websiteUrl"]


def test_a_repository_with_only_a_subfolder_needs_its_source_and_url() -> None:
    paths = [path for path, *_ in found(changed("$.repository", {"subfolder": "servers/weather"}))]
    assert paths == ["$.repository.source", "$.repository.url"]


def test_a_warning_at_a_path_does_not_hide_the_structure_pass_error_there() -> None:
    # The schema's pattern refuses a space in a URL; the semantic pass only warns that it is listed twice.
    document = valid_server()
    document["remotes"] = [{"type": "sse", "url": "https://acme dev/sse"} for _ in range(2)]
    assert [(path, severity) for path, severity, *_ in found(document)] == [
        ("$.remotes[0].url", "error"),
        ("$.remotes[1].url", "error"),
        ("$.remotes[1].url", "warning"),
    ]


def test_a_semantic_error_replaces_the_structure_pass_error_at_its_path() -> None:
    # The schema's pattern refuses the name too; only the semantic rule's clearer message is kept.
    assert found(changed("$.name", "weather")) == [
        error("$.name", 'server name "weather" has no namespace: it must be "dns-namespace/name"', NAME_HINT)
    ]


# -- the publisher's _meta: 4096 bytes as Go's json.Marshal writes it -----------------------------------------------


def with_publisher_meta(value: object) -> dict[str, Any]:
    document = valid_server()
    document["_meta"] = {PUBLISHER_META_KEY: value}
    return document


def test_a_meta_of_exactly_4096_bytes_is_accepted() -> None:
    document = with_publisher_meta({"blob": "x" * (4096 - len('{"blob":""}'))})
    assert publisher_meta_bytes(document) == PUBLISHER_META_LIMIT == 4096
    assert found(document) == []


def test_a_meta_of_4097_bytes_is_refused_with_its_size_and_the_limit() -> None:
    document = with_publisher_meta({"blob": "x" * (4097 - len('{"blob":""}'))})
    assert publisher_meta_bytes(document) == 4097
    assert found(document) == [
        error(
            f"$._meta.{PUBLISHER_META_KEY}",
            "publisher-provided metadata is 4097 bytes as JSON; the limit is 4096",
            "keep only what downstream registries need (build info, links); host the rest elsewhere",
        )
    ]


def test_the_meta_limit_can_be_left_to_publish_time() -> None:
    document = with_publisher_meta({"blob": "x" * 5000})
    assert found(document, publisher_meta_limit=False) == []
    assert [path for path, *_ in found(document)] == [f"$._meta.{PUBLISHER_META_KEY}"]


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ({}, 2),
        ({"b": 1, "a": [1, 2]}, len('{"a":[1,2],"b":1}')),
        ({"b": "<>&"}, len('{"b":"\\u003c\\u003e\\u0026"}')),  # Go escapes HTML characters
        ({"b": "é"}, len('{"b":""}') + 2),  # other non-ASCII text is written as UTF-8
        ({"b": "\u2028\u2029"}, len('{"b":"\\u2028\\u2029"}')),  # but the JavaScript line separators are escaped
        ({"b": chr(0xDC00)}, len('{"b":""}') + 3),  # a lone surrogate: the U+FFFD Go decodes it to
        ("text", len('"text"')),
        ({"XX": "X"}, len('{"XX":"X"}')),  # letters are one byte, whatever the escaped characters
        ({1: "a", "b": "c"}, len('{"1":"a","b":"c"}')),  # built in code: keys of mixed types are measured too
    ],
)
def test_the_meta_is_measured_as_go_writes_it(value: object, size: int) -> None:
    assert publisher_meta_bytes(with_publisher_meta(value)) == size


@pytest.mark.parametrize("meta", [None, "text", {}, {PUBLISHER_META_KEY: None}, {"com.example/x": {"a": 1}}])
def test_without_publisher_metadata_there_is_no_size(meta: object) -> None:
    document = valid_server()
    document["_meta"] = meta
    assert publisher_meta_bytes(document) is None
    del document["_meta"]
    assert publisher_meta_bytes(document) is None


# -- a value of the wrong type is the structure pass's to report ----------------------------------------------------


def leaf_paths(value: object, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += leaf_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += leaf_paths(child, (*prefix, index))
    return found


# Taking these away leaves a {variable} in a URL undefined, which the semantic pass reports too.
DEFINE_VARIABLES = (("packages", 2, "packageArguments"), ("remotes", 0, "variables"))
TYPED_PATHS = [path for path in leaf_paths(valid_server())[1:] if path[:3] not in DEFINE_VARIABLES]
NOT_TEXT: list[object] = [5, True, [], {}]


@pytest.mark.parametrize("path", TYPED_PATHS, ids=lambda path: json_path(*path))
def test_a_value_of_the_wrong_type_is_reported_by_the_structure_pass_alone(path: tuple[str | int, ...]) -> None:
    for value in NOT_TEXT:
        document = valid_server()
        parent: Any = document
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = value
        _, structural = structure_problems(document, source=SOURCE)
        assert validate_server_json(document, source=SOURCE) == sorted(structural, key=lambda p: p.path), value


def test_problems_sort_by_path_with_indices_as_numbers_before_keys() -> None:
    paths = ["$.packages.name", "$.packages[10]", "$.packages[2].transport", "$.name", "$"]
    assert sorted(paths, key=_path_key) == [
        "$",
        "$.name",
        "$.packages[2].transport",
        "$.packages[10]",
        "$.packages.name",
    ]

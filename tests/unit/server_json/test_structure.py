"""The structure pass: each schema violation pydantic finds becomes a Problem at its JSON path, with a message in
the document's own terms (no pydantic union tags in paths) and the fix."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mcpship.server_json import CURRENT_SCHEMA_URL, ServerJSON
from mcpship.server_json._structure import _PATTERN_HINTS, _location, structure_problems

from .conftest import valid_server
from .test_rules import DELETE, changed

SCHEMA_HINT = f"see the server.json schema: {CURRENT_SCHEMA_URL}"
ENDPOINT = 'add "url": the endpoint, e.g. "https://api.example.com/mcp"'
URL_PATTERN = 'use an absolute http(s) URL, e.g. "https://api.example.com/mcp"'
STDIO = '"stdio" (or "streamable-http" / "sse" with a url)'


@dataclass(frozen=True)
class Fault:
    id: str
    change: str
    value: object
    message: str
    hint: str
    at: str | None = None


FAULTS = [
    # required keys, each with the fix for what it names
    Fault(
        "no-name",
        "$.name",
        DELETE,
        'required key "name" is missing',
        'add "name": a reverse-DNS namespace, a slash and the server name, e.g. "io.github.you/weather"',
    ),
    Fault(
        "no-description",
        "$.description",
        DELETE,
        'required key "description" is missing',
        'add "description": what the server does, in at most 100 characters',
    ),
    Fault(
        "no-version",
        "$.version",
        DELETE,
        'required key "version" is missing',
        'add "version": the exact version being published, e.g. "1.0.0"',
    ),
    Fault(
        "no-registry-type",
        "$.packages[0].registryType",
        DELETE,
        'required key "registryType" is missing',
        'add "registryType": one of npm, pypi, nuget, oci, mcpb',
    ),
    Fault(
        "no-identifier",
        "$.packages[0].identifier",
        DELETE,
        'required key "identifier" is missing',
        'add "identifier": the package name, the image reference (oci) or the download URL (mcpb)',
    ),
    Fault(
        "no-transport",
        "$.packages[0].transport",
        DELETE,
        'required key "transport" is missing',
        'add "transport": {"type": "stdio"} (or streamable-http / sse with a "url")',
    ),
    Fault("no-transport-url", "$.packages[2].transport.url", DELETE, 'required key "url" is missing', ENDPOINT),
    Fault("no-remote-url", "$.remotes[1].url", DELETE, 'required key "url" is missing', ENDPOINT),
    Fault(
        "no-icon-src", "$.icons[0].src", DELETE, 'required key "src" is missing', 'add "src": the https URL of the icon'
    ),
    Fault(
        "no-repository-source",
        "$.repository.source",
        DELETE,
        'required key "source" is missing',
        'add "source": "github" or "gitlab"',
    ),
    Fault(
        "no-repository-url",
        "$.repository.url",
        DELETE,
        'required key "url" is missing',
        'add "url": the repository\'s address, e.g. "https://github.com/OWNER/REPO"',
    ),
    Fault(
        "no-variable-name",
        "$.packages[0].environmentVariables[0].name",
        DELETE,
        'required key "name" is missing',
        'add "name": the variable\'s name, e.g. "API_KEY"',
    ),
    Fault(
        "no-header-name",
        "$.remotes[0].headers[0].name",
        DELETE,
        'required key "name" is missing',
        'add "name": the header\'s name, e.g. "Authorization"',
    ),
    Fault(
        "no-runtime-flag",
        "$.packages[2].runtimeArguments[0].name",
        DELETE,
        'required key "name" is missing',
        'add "name": the flag, e.g. "--port"',
    ),
    Fault(
        "no-package-flag",
        "$.packages[0].packageArguments[0].name",
        DELETE,
        'required key "name" is missing',
        'add "name": the flag, e.g. "--port"',
    ),
    # null, lengths, patterns, choices
    Fault("title-null", "$.title", None, '"title" is null', "leave the key out instead of setting it to null"),
    Fault(
        "description-too-long",
        "$.description",
        "d" * 101,
        '"description" is 101 characters long; the limit is 100',
        "shorten it to 100 characters or fewer",
    ),
    Fault(
        "icon-src-too-long",
        "$.icons[0].src",
        "https://acme.dev/" + "a" * 239,
        '"src" is 256 characters long; the limit is 255',
        "shorten it to 255 characters or fewer",
    ),
    Fault(
        "description-empty",
        "$.description",
        "",
        '"description" must not be empty',
        'give "description" a value, or leave the key out if it is optional',
    ),
    Fault(
        "name-too-short",
        "$.name",
        "ab",
        '"name" is 2 characters long; it needs at least 3',
        "make it 3 characters or longer",
    ),
    Fault(
        "name-pattern",
        "$.name",
        "a b/c",
        '"a b/c" is not a valid value for "name" (pattern ^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$)',
        'use a reverse-DNS namespace, one slash and the server name, e.g. "io.github.you/weather"',
    ),
    Fault(
        "sha-pattern",
        "$.packages[1].fileSha256",
        "A" * 64,
        f'"{"A" * 64}" is not a valid value for "fileSha256" (pattern ^[a-f0-9]{{64}}$)',
        "use the SHA-256 of the file as 64 lowercase hex characters (sha256sum FILE)",
    ),
    Fault(
        "size-pattern",
        "$.icons[0].sizes[0]",
        "48",
        '"48" is not a valid value for "sizes" (pattern ^(\\d+x\\d+|any)$)',
        'use "WIDTHxHEIGHT" (e.g. "48x48") or "any"',
    ),
    Fault(
        "transport-url-pattern",
        "$.packages[2].transport.url",
        "ftp://acme.dev",
        '"ftp://acme.dev" is not a valid value for "url" (pattern ^https?://[^\\s]+$)',
        URL_PATTERN,
    ),
    Fault(
        "remote-url-pattern",
        "$.remotes[1].url",
        "https://acme dev",
        '"https://acme dev" is not a valid value for "url" (pattern ^https?://[^\\s]+$)',
        URL_PATTERN,
    ),
    Fault(
        "mime-type",
        "$.icons[0].mimeType",
        "image/gif",
        '"image/gif" is not an allowed mimeType',
        "use one of: 'image/png', 'image/jpeg', 'image/jpg', 'image/svg+xml' or 'image/webp'",
    ),
    Fault(
        "input-format",
        "$.packages[0].environmentVariables[0].format",
        "int",
        '"int" is not an allowed format',
        "use one of: 'string', 'number', 'boolean' or 'filepath'",
    ),
    # unions picked by "type"
    Fault(
        "transport-type-unknown",
        "$.packages[0].transport",
        {"type": "ws"},
        'unsupported transport type "ws"',
        f'set "type" to {STDIO}',
        at="$.packages[0].transport.type",
    ),
    Fault(
        "transport-without-type",
        "$.packages[0].transport",
        {},
        'transport has no "type"',
        f'add "type": {STDIO}',
        at="$.packages[0].transport.type",
    ),
    Fault(
        "transport-type-not-text",
        "$.packages[0].transport.type",
        5,
        'transport "type" must be a string',
        f'set "type" to {STDIO}',
    ),
    Fault(
        "transport-not-an-object",
        "$.packages[0].transport",
        "stdio",
        '"transport" must be an object',
        f'write an object with "type": {STDIO}',
    ),
    Fault(
        "remote-type-unknown",
        "$.remotes[1].type",
        "ws",
        'unsupported remotes type "ws"',
        'set "type" to "streamable-http" or "sse"',
    ),
    Fault(
        "remote-without-type",
        "$.remotes[1]",
        {"url": "https://acme.dev"},
        'remotes has no "type"',
        'add "type": "streamable-http" or "sse"',
        at="$.remotes[1].type",
    ),
    Fault(
        "remote-not-an-object",
        "$.remotes[1]",
        "https://acme.dev",
        'each entry of "remotes" must be an object',
        'write an object with "type": "streamable-http" or "sse"',
    ),
    Fault(
        "runtime-argument-type-unknown",
        "$.packages[2].runtimeArguments[0].type",
        "flag",
        'unsupported runtimeArguments type "flag"',
        'set "type" to "positional" or "named"',
    ),
    Fault(
        "package-argument-without-type",
        "$.packages[0].packageArguments[0]",
        {"name": "--x"},
        'packageArguments has no "type"',
        'add "type": "positional" or "named"',
        at="$.packages[0].packageArguments[0].type",
    ),
    Fault(
        "package-argument-not-an-object",
        "$.packages[0].packageArguments[0]",
        "--x",
        'each entry of "packageArguments" must be an object',
        'write an object with "type": "positional" or "named"',
    ),
    Fault(
        "positional-without-value",
        "$.packages[0].packageArguments[0]",
        {"type": "positional"},
        "a positional argument needs a value or a valueHint",
        'add "valueHint" (a label; the user supplies the value) or a fixed "value"',
    ),
    # JSON types
    Fault(
        "number-for-text", "$.version", 1.5, '"version" must be a string, not a number', 'change "version" to a string'
    ),
    Fault(
        "boolean-for-text",
        "$.version",
        True,
        '"version" must be a string, not a boolean',
        'change "version" to a string',
    ),
    Fault(
        "array-for-text", "$.version", [], '"version" must be a string, not an array', 'change "version" to a string'
    ),
    Fault(
        "object-for-text", "$.version", {}, '"version" must be a string, not an object', 'change "version" to a string'
    ),
    Fault(
        "tuple-for-text", "$.version", ("1",), '"version" must be a string, not tuple', 'change "version" to a string'
    ),
    Fault(
        "text-for-boolean",
        "$.packages[0].environmentVariables[0].isSecret",
        "yes",
        '"isSecret" must be a boolean, not a string',
        'change "isSecret" to a boolean',
    ),
    Fault("number-for-array", "$.icons", 5, '"icons" must be an array, not a number', 'change "icons" to an array'),
    Fault(
        "array-for-object",
        "$.repository",
        [],
        '"repository" must be an object, not an array',
        'change "repository" to an object',
    ),
    Fault(
        "text-for-variables",
        "$.remotes[0].variables",
        "tenant",
        '"variables" must be an object, not a string',
        'change "variables" to an object',
    ),
    Fault(
        "text-for-a-package",
        "$.packages[1]",
        "pypi",
        'each entry of "packages" must be an object, not a string',
        'change each entry of "packages" to an object',
    ),
    Fault(
        "number-in-sizes",
        "$.icons[0].sizes[1]",
        48,
        'each entry of "sizes" must be a string, not a number',
        'change each entry of "sizes" to a string',
    ),
    # inside unions: the tag pydantic adds is not part of the path
    Fault(
        "header-inside-an-sse-transport",
        "$.packages[2].transport",
        {"type": "sse", "url": "http://localhost:{port}/", "headers": [{"name": 5}]},
        '"name" must be a string, not a number',
        'change "name" to a string',
        at="$.packages[2].transport.headers[0].name",
    ),
    Fault(
        "inside-a-streamable-remote",
        "$.remotes[0].variables.tenant.isRequired",
        "yes",
        '"isRequired" must be a boolean, not a string',
        'change "isRequired" to a boolean',
    ),
    Fault(
        "inside-an-sse-remote",
        "$.remotes[1].headers",
        [{"name": "A", "isSecret": "no"}],
        '"isSecret" must be a boolean, not a string',
        'change "isSecret" to a boolean',
        at="$.remotes[1].headers[0].isSecret",
    ),
    Fault(
        "inside-a-named-argument",
        "$.packages[2].runtimeArguments[0].isRepeated",
        "no",
        '"isRepeated" must be a boolean, not a string',
        'change "isRepeated" to a boolean',
    ),
    Fault(
        "inside-a-positional-argument",
        "$.packages[2].packageArguments[0].isRepeated",
        "no",
        '"isRepeated" must be a boolean, not a string',
        'change "isRepeated" to a boolean',
    ),
    Fault(
        "variable-named-like-a-tag",
        "$.remotes[0].variables",
        {"tenant": {}, "sse": {"description": 5}},
        '"description" must be a string, not a number',
        'change "description" to a string',
        at="$.remotes[0].variables.sse.description",
    ),
    Fault(
        "variable-named-transport",
        "$.remotes[0].variables",
        {"tenant": {}, "transport": {"isSecret": "x"}},
        '"isSecret" must be a boolean, not a string',
        'change "isSecret" to a boolean',
        at="$.remotes[0].variables.transport.isSecret",
    ),
    # anything else pydantic says, with the schema to read
    Fault(
        "key-not-text",
        "$.repository",
        {"url": "https://github.com/a/b", "source": "github", 1: "x"},
        "Keys should be strings",
        SCHEMA_HINT,
        at="$.repository[1]",
    ),
]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.id)
def test_each_schema_violation_is_one_problem_at_its_path_with_the_fix(fault: Fault) -> None:
    model, problems = structure_problems(changed(fault.change, fault.value), source="dist/server.json")
    assert model is None
    assert [(problem.file, problem.path, problem.severity, problem.message, problem.hint) for problem in problems] == [
        ("dist/server.json", fault.at or fault.change, "error", fault.message, fault.hint)
    ]


def test_a_valid_document_is_parsed_into_the_model_without_problems() -> None:
    model, problems = structure_problems(valid_server(), source="server.json")
    assert problems == []
    assert isinstance(model, ServerJSON)
    assert model.name == "io.github.acme/weather-mcp"


def _keys_with_a_pattern(node: object, key: str = "", found: set[str] | None = None) -> set[str]:
    found = set() if found is None else found
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            found.add(key)
        for name, child in node.items():
            if name == "properties":
                for inner, schema in child.items():
                    _keys_with_a_pattern(schema, inner, found)
            else:
                _keys_with_a_pattern(child, key, found)
    elif isinstance(node, list):
        for child in node:
            _keys_with_a_pattern(child, key, found)
    return found


def test_every_key_the_schema_constrains_by_a_pattern_has_a_hint_in_its_own_terms() -> None:
    # A pattern violation's hint says what the value looks like; a key without one would have no fix to show.
    keys = _keys_with_a_pattern(ServerJSON.model_json_schema(by_alias=True))
    assert keys == {"name", "url", "fileSha256", "sizes"} == set(_PATTERN_HINTS)


@pytest.mark.parametrize(("data", "kind"), [(5, "a number"), ([], "an array"), ("{}", "a string"), (None, "null")])
def test_a_document_that_is_not_an_object_is_one_problem_at_the_root(data: object, kind: str) -> None:
    _, problems = structure_problems(data, source="server.json")
    assert [(problem.path, problem.message, problem.hint) for problem in problems] == [
        ("$", f'"server.json" must be an object, not {kind}', 'change "server.json" to an object')
    ]


def test_every_violation_is_reported_not_only_the_first() -> None:
    document = valid_server()
    del document["description"]
    document["version"] = 1
    document["icons"][0]["sizes"] = ["48", 48]
    _, problems = structure_problems(document, source="server.json")
    assert [problem.path for problem in problems] == [
        "$.description",
        "$.version",
        "$.icons[0].sizes[0]",
        "$.icons[0].sizes[1]",
    ]


@pytest.mark.parametrize(
    ("loc", "parts"),
    [
        (("packages", 0, "transport", "stdio", "command"), ["packages", 0, "transport", "command"]),
        (("remotes", 1, "sse", "url"), ["remotes", 1, "url"]),
        (("packages", 0, "packageArguments", 2, "named", "name"), ["packages", 0, "packageArguments", 2, "name"]),
        (("transport", "stdio", "command"), ["transport", "command"]),  # right after transport, wherever it is
        (("stdio", "transport"), ["stdio", "transport"]),  # the first part is a key of the document
        (("packages", 0, "named"), ["packages", 0, "named"]),  # an item of a list that is not a tagged union
        (("remotes", "sse", "sse"), ["remotes", "sse", "sse"]),  # not after an item of the tagged list
    ],
)
def test_only_the_tag_after_a_transport_or_an_item_of_a_tagged_list_is_left_out_of_a_path(
    loc: tuple[int | str, ...], parts: list[int | str]
) -> None:
    assert _location(loc) == parts

"""Whatever a server.json holds, parsing and validating it gives a model or problems, never an exception: any JSON
value, a valid document with any part replaced by any JSON value, and any bytes as the file ``validate`` reads."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcpship._exceptions import InvalidArtifactError
from mcpship._safe_load import parse_json
from mcpship.server_json import ServerJSON, validate_server_json
from mcpship.server_json._structure import structure_problems
from mcpship.validate import validate_paths
from tests.unit.server_json.conftest import valid_server

PROPERTIES = settings(
    max_examples=200, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)

# Words the rules branch on, so generated documents reach past the first type check.
WORDS = st.sampled_from(
    [
        "io.github.acme/x",
        "1.0.0",
        "^1.0",
        "latest",
        "https://github.com/acme/x",
        "http://localhost:{port}/mcp",
        "stdio",
        "streamable-http",
        "sse",
        "npm",
        "pypi",
        "oci",
        "mcpb",
        "nuget",
        "named",
        "positional",
        "github",
        "{port}",
        "a" * 64,
    ]
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
    | WORDS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8) | WORDS, children, max_size=4)
    ),
    max_leaves=25,
)


def _paths(value: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


PATHS = _paths(valid_server())[1:]


def _replace(document: dict[str, Any], path: tuple[str | int, ...], value: object) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    parent: Any = changed
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return changed


def _parses_and_validates(document: object) -> None:
    # Through the strict parser first, as every file and body is read.
    decoded = parse_json(json.dumps(document), source="server.json", error=InvalidArtifactError)
    problems = validate_server_json(decoded, source="server.json")
    assert all(problem.message for problem in problems)
    model, structural = structure_problems(decoded, source="server.json")
    assert (model is None) == bool(structural)
    assert model is None or isinstance(model, ServerJSON)


@PROPERTIES
@given(JSON_VALUES)
def test_any_json_value_gives_problems_never_an_exception(value: object) -> None:
    _parses_and_validates(value)


@PROPERTIES
@given(st.sampled_from(PATHS), JSON_VALUES)
def test_a_valid_document_with_any_part_replaced_gives_a_model_or_problems(
    path: tuple[str | int, ...], value: object
) -> None:
    _parses_and_validates(_replace(valid_server(), path, value))


@PROPERTIES
@given(st.binary(max_size=200) | JSON_VALUES.map(lambda value: json.dumps(value).encode()))
def test_any_bytes_as_a_server_json_file_give_problems(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("validate") / "server.json"
    path.write_bytes(data)
    problems = validate_paths([path])
    assert problems
    assert all(problem.file == str(path) for problem in problems)


def test_the_valid_document_is_valid() -> None:
    assert not [p for p in validate_server_json(valid_server(), source="s") if p.severity == "error"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"name": "\xff"}', "is not UTF-8 (byte 0xff at line 1, column 11 cannot be decoded)"),
        (b"\x00\x01" * 50, "is a binary file (a NUL byte at line 1, column 1), not JSON"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested more than 128 levels deep"),
        (b'{"name": "x", "version": NaN}', "not valid JSON: NaN is not a JSON number"),
    ],
)
def test_validate_reports_a_malformed_server_json_as_one_problem(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "server.json"
    path.write_bytes(content)
    [problem] = validate_paths([path])
    assert (problem.file, problem.path, problem.severity) == (str(path), "$", "error")
    assert problem.message.startswith(message)

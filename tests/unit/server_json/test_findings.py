"""The rules' shared plumbing: problems with JSON paths, tolerant readers, and the unknown-key warning."""

from __future__ import annotations

import pytest

from mcpship.server_json import PUBLISHER_META_KEY
from mcpship.server_json._findings import Findings, check_unknown_keys, nodes, text

KNOWN = frozenset({"registryType", "identifier", "url", "websiteUrl", "description", "_meta"})
REMOVE = f'remove it, or move custom data into "_meta" / "{PUBLISHER_META_KEY}"'


def test_errors_and_warnings_carry_the_file_the_json_path_the_message_and_the_hint() -> None:
    findings = Findings("dist/server.json")
    findings.error(("packages", 10, "transport"), "broken", "fix it")
    findings.warning(("remotes", 0), "odd", "look")
    assert [
        (problem.file, problem.path, problem.severity, problem.message, problem.hint) for problem in findings.problems
    ] == [
        ("dist/server.json", "$.packages[10].transport", "error", "broken", "fix it"),
        ("dist/server.json", "$.remotes[0]", "warning", "odd", "look"),
    ]


def test_text_reads_a_string_and_anything_else_as_empty() -> None:
    node = {"a": "x", "b": 5, "c": None, "d": ["x"]}
    assert [text(node, key) for key in ("a", "b", "c", "d", "missing")] == ["x", "", "", "", ""]


def test_nodes_are_the_objects_of_an_array_with_their_indices() -> None:
    assert nodes({"items": [{"a": 1}, "x", None, {"b": 2}]}, "items") == [(0, {"a": 1}), (3, {"b": 2})]
    assert nodes({"items": {"a": {"b": 1}}}, "items") == []
    assert nodes({}, "items") == []


def unknown(node: dict[str, object]) -> list[tuple[str, str, str, str | None]]:
    findings = Findings("server.json")
    check_unknown_keys(node, KNOWN, ("packages", 0), findings)
    return [(problem.path, problem.severity, problem.message, problem.hint) for problem in findings.problems]


def test_each_unknown_key_is_a_warning_and_known_keys_are_not() -> None:
    node = {"identifier": "x", "colour": 1, "url": "u", "homepage": 2}
    assert unknown(node) == [
        ("$.packages[0].colour", "warning", 'unknown key "colour": the official registry drops it', REMOVE),
        ("$.packages[0].homepage", "warning", 'unknown key "homepage": the official registry drops it', REMOVE),
    ]


@pytest.mark.parametrize(
    ("key", "meant"),
    [
        ("registry_type", "registryType"),  # the old snake_case spelling
        ("websiteURL", "websiteUrl"),  # another case
        ("REGISTRYTYPE", "registryType"),
        ("identifer", "identifier"),  # a typo
        ("u_r_l", "url"),  # underscores are ignored
        ("meta", "_meta"),
    ],
)
def test_an_unknown_key_close_to_a_known_one_suggests_it(key: str, meant: str) -> None:
    message = f'unknown key "{key}": the official registry drops it'
    assert unknown({key: 1}) == [(f"$.packages[0].{key}", "warning", message, f'did you mean "{meant}"?')]


@pytest.mark.parametrize("key", ["descr", "websit", "homepage"])
def test_an_unknown_key_only_somewhat_like_a_known_one_suggests_nothing(key: str) -> None:
    (problem,) = unknown({key: 1})
    assert problem[3] == REMOVE

"""The toolhive target: a ToolHive registry entry (server.json with ToolHive's extension) from the examples."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from mcpship._exceptions import BuildError, SpecError
from mcpship.server_json import PUBLISHER_META_KEY, validate_server_json
from mcpship.targets import load_target
from mcpship.targets.toolhive import STACKLOK, ToolhiveTarget, validate_toolhive
from tests.unit.targets import catalog_support
from tests.unit.targets.catalog_support import context

IMAGE = "ghcr.io/mcpship/notes"
TOOLS = ["add_note", "delete_note", "search_notes"]


def build(tmp_path: Path, example: str, config: dict[str, Any] | None = None, **changes: Any) -> tuple[Path, Any]:
    return catalog_support.build(
        ToolhiveTarget(), tmp_path, example, config if config is not None else {"image": IMAGE}, **changes
    )


def extension(document: dict[str, Any]) -> dict[str, Any]:
    [(key, value)] = document["_meta"][PUBLISHER_META_KEY][STACKLOK].items()
    assert key == document["packages"][0]["identifier"]
    return dict(value)


@pytest.mark.parametrize("example", ["notes-py", "notes-node"])
def test_entry_has_every_documented_field(tmp_path: Path, example: str) -> None:
    path, document = build(tmp_path, example)
    [package] = document["packages"]
    expected = {
        "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
        "name": f"io.github.mcpship/{example}",
        "version": "0.1.0",
        "repository": {"url": "https://github.com/mcpship/mcpship", "source": "github"},
        "package": {
            "registryType": "oci",
            "identifier": "ghcr.io/mcpship/notes:0.1.0",
            "transport": {"type": "stdio"},
            "environmentVariables": [
                {"name": "NOTES_TOKEN", "description": "API token for the notes backend", "isRequired": True,
                 "isSecret": True},
                {"name": "NOTES_DIR", "description": "Keep notes in this folder instead of memory"},
            ],
        },
        "extension": {
            "status": "active",
            "tier": "Community",
            "tools": TOOLS,
            "tags": ["mcp", "notes"],
            "permissions": {"network": {"outbound": {"insecure_allow_all": True}}},
        },
    }  # fmt: skip
    actual = {
        "$schema": document["$schema"],
        "name": document["name"],
        "version": document["version"],
        "repository": document["repository"],
        "package": package,
        "extension": extension(document),
    }
    assert actual == expected
    assert validate_server_json(document, source=str(path)) == []
    assert validate_toolhive(document, source=str(path)) == []


def test_config_narrows_permissions_and_sets_the_rest(tmp_path: Path) -> None:
    config = {
        "image": "ghcr.io/mcpship/notes:{version}",
        "status": "deprecated",
        "tier": "Official",
        "tags": ["notes", "productivity"],
        "allow_hosts": [".example.com"],
        "allow_ports": [443],
        "read": ["/data"],
        "write": ["/out"],
        "proxy_port": 8080,
        "docker_tags": ["0.1.0", "latest"],
        "transport": "streamable-http",
    }
    path, document = build(tmp_path, "notes-py", config)
    assert extension(document) == {
        "status": "deprecated",
        "tier": "Official",
        "tools": TOOLS,
        "tags": ["notes", "productivity"],
        "permissions": {
            "network": {"outbound": {"allow_host": [".example.com"], "allow_port": [443]}},
            "read": ["/data"],
            "write": ["/out"],
        },
        "docker_tags": ["0.1.0", "latest"],
        "proxy_port": 8080,
    }
    package = document["packages"][0]
    assert package["transport"] == {"type": "streamable-http", "url": "http://localhost:8000/mcp"}
    assert package["packageArguments"] == [
        {"type": "positional", "value": value} for value in ("--http", "--port", "8000")
    ]
    assert validate_toolhive(document, source=str(path)) == []


def test_rebuilds_are_byte_identical(tmp_path: Path) -> None:
    first, _ = build(tmp_path, "notes-node")
    second, _ = build(tmp_path, "notes-node")
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes().endswith(b"}\n")


def test_without_a_lock_the_tools_are_left_out_with_a_warning(tmp_path: Path) -> None:
    ctx = context(tmp_path, "notes-py", "toolhive", {"image": IMAGE})
    ctx = dataclasses.replace(ctx, lock=None)
    [warning] = ToolhiveTarget().check(ctx)
    assert (warning.severity, warning.path) == ("warning", "[targets.toolhive].tools")
    [(_, path, _)] = ToolhiveTarget().build(ctx)
    assert "tools" not in extension(json.loads(path.read_text(encoding="utf-8")))


def test_missing_image_stops_the_build_with_a_fix(tmp_path: Path) -> None:
    ctx = context(tmp_path, "notes-py", "toolhive", {})
    [problem] = ToolhiveTarget().check(ctx)
    assert (problem.path, problem.severity) == ("[targets.toolhive].image", "error")
    assert problem.file.endswith("mcpship.toml")
    assert problem.hint
    assert "image =" in problem.hint
    with pytest.raises(BuildError, match="image"):
        ToolhiveTarget().build(ctx)


def test_bad_paths_and_http_without_http_table_are_errors(tmp_path: Path) -> None:
    ctx = context(
        tmp_path, "notes-py", "toolhive", {"image": IMAGE, "read": ["data"], "transport": "streamable-http"}, http=None
    )
    assert {problem.path for problem in ToolhiveTarget().check(ctx)} == {
        "[targets.toolhive].read",
        "[targets.toolhive].transport",
    }


@pytest.mark.parametrize(
    "config", [{"tier": "Partner"}, {"status": "gone"}, {"allow_ports": [0]}, {"proxy_port": 70000}, {"imag": "x"}]
)
def test_config_errors_name_the_file_and_key(tmp_path: Path, config: dict[str, Any]) -> None:
    with pytest.raises(SpecError, match=r"mcpship\.toml"):
        ToolhiveTarget().check(context(tmp_path, "notes-py", "toolhive", {"image": IMAGE, **config}))


def test_validator_checks_the_extension_schema(tmp_path: Path) -> None:
    _, document = build(tmp_path, "notes-py")
    document["_meta"][PUBLISHER_META_KEY][STACKLOK] = {
        "ghcr.io/other:1": {
            "tier": "Partner",
            "tools": ["a.b", "a.b"],
            "tags": ["Bad Tag"],
            "proxy_port": 0,
            "permissions": {"read": ["rel"], "network": {"outbound": {"allow_port": [70000]}}},
            "surprise": 1,
        }
    }
    at = f"$._meta.{PUBLISHER_META_KEY}.{STACKLOK}.ghcr.io/other:1"
    problems = validate_toolhive(document, source="toolhive.json")
    assert {problem.path.removeprefix(at) for problem in problems} == {
        "", ".status", ".tier", ".tools", ".tools[0]", ".tools[1]", ".tags[0]", ".proxy_port",
        ".permissions.read[0]", ".permissions.network.outbound.allow_port", ".surprise",
    }  # fmt: skip


def test_target_is_registered() -> None:
    assert isinstance(load_target("toolhive"), ToolhiveTarget)

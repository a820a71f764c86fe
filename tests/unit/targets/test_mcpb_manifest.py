"""The manifest model and validator agree with the official strict schema (the library itself and the JSON
Schemas), and manifests generated from a spec and lock pass both."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from mcpship.interface import InterfaceLock
from mcpship.spec import Spec
from mcpship.targets.mcpb.config import McpbConfig
from mcpship.targets.mcpb.generate import Launch, build_manifest, project_author
from mcpship.targets.mcpb.manifest import Author, Compatibility, Runtimes
from mcpship.validate.mcpb import validate_manifest
from tests.shared_data import missing_shared_data, shared_files
from tests.unit.targets.mcpb_support import CONFORMANCE_EXAMPLES, official_library, schema_errors

VALID: dict[str, Any] = {
    "manifest_version": "0.3",
    "name": "demo",
    "version": "1.0.0",
    "description": "A demo server",
    "author": {"name": "Ada", "email": "ada@example.com", "url": "https://example.com"},
    "server": {
        "type": "python",
        "entry_point": "server/main.py",
        "mcp_config": {"command": "python3", "args": ["${__dirname}/server/main.py"], "env": {"A": "b"}},
    },
    "icons": [{"src": "icon.png", "size": "512x512"}],
    "user_config": {"dirs": {"type": "directory", "title": "Dirs", "description": "d", "multiple": True}},
}


def mutated(path: str, value: Any) -> dict[str, Any]:
    """VALID with the dotted ``path`` set to ``value`` (``...`` deletes it)."""
    data = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    target = data
    for part in parents:
        target = target[part]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return data


CASES = {
    "valid": VALID,
    "unknown top-level key": mutated("id", "x"),
    "unknown author key": mutated("author.twitter", "@ada"),
    "author without name": mutated("author.name", ...),
    "author email not an email": mutated("author.email", "ada"),
    "no mcp_config": mutated("server.mcp_config", ...),
    "uv type in 0.3": mutated("server.type", "uv"),
    "icon size not WxH": mutated("icons", [{"src": "icon.png", "size": "big"}]),
    "icons in 0.2": mutated("manifest_version", "0.2"),
    "tool with inputSchema": mutated("tools", [{"name": "t", "inputSchema": {}}]),
    "prompt without text": mutated("prompts", [{"name": "p"}]),
    "client key in compatibility": mutated("compatibility", {"my_client": ">1"}),
    "unknown platform": mutated("compatibility", {"platforms": ["freebsd"]}),
    "number default and bounds": mutated(
        "user_config.n", {"type": "number", "title": "N", "description": "n", "default": 10, "min": 1, "max": 5.5}
    ),
    "object default": mutated("user_config.n", {"type": "string", "title": "N", "description": "n", "default": {}}),
    "user_config without title": mutated("user_config.n", {"type": "string", "description": "n"}),
    "a string where a boolean belongs": mutated("tools_generated", "true"),
    "unknown manifest_version": mutated("manifest_version", "0.9"),
    "only dxt_version": {**mutated("manifest_version", ...), "dxt_version": "0.3"},
    "versions disagree": {**VALID, "dxt_version": "0.2"},
    "freebsd override is fine": mutated("server.mcp_config.platform_overrides", {"freebsd": {"command": "x"}}),
    "localization without default_locale": mutated("localization", {"resources": "r/${locale}.json"}),
    "_meta in 0.3": mutated("_meta", {"com.example": {"a": 1}}),
}


def errors(data: object) -> list[str]:
    return [p.render() for p in validate_manifest(data, source="manifest.json") if p.severity == "error"]


def test_our_verdicts_match_the_official_library_on_every_case() -> None:
    official = official_library("manifest", list(CASES.values()))
    ours = [not errors(case) for case in CASES.values()]
    disagreements = {name: (o, m) for name, o, m in zip(CASES, official, ours, strict=True) if o != m}
    assert disagreements == {}, disagreements


def test_the_official_examples_are_there() -> None:
    # Without this, a folder of the shared data holding no examples would leave the test below with one case.
    if not CONFORMANCE_EXAMPLES.is_dir():
        missing_shared_data(CONFORMANCE_EXAMPLES)
    assert len(list(CONFORMANCE_EXAMPLES.glob("*.json"))) >= 4, f"no MCPB example manifests in {CONFORMANCE_EXAMPLES}"


@pytest.mark.parametrize("example", shared_files(CONFORMANCE_EXAMPLES, "*.json"), ids=lambda p: p.name)
def test_the_official_examples_get_the_official_verdict(example: Path) -> None:
    data = json.loads(example.read_text(encoding="utf-8"))
    (official,) = official_library("manifest", [data])
    assert (not errors(data)) == official
    assert (not schema_errors(data, data["manifest_version"])) == official


def test_a_problem_names_the_json_path_and_the_version_that_added_a_field() -> None:
    (missing,) = validate_manifest(mutated("server.mcp_config", ...), source="m.json")
    assert (missing.path, missing.message) == ("$.server.mcp_config", "required key 'mcp_config' is missing")
    (too_new,) = validate_manifest(mutated("manifest_version", "0.2"), source="m.json")
    assert too_new.path == "$.icons"
    assert "added in 0.3" in too_new.message
    assert too_new.hint is not None
    (unknown,) = validate_manifest(mutated("author.twitter", "x"), source="m.json")
    assert unknown.path == "$.author.twitter"


def test_a_manifest_on_disk_has_its_icon_and_entry_point_looked_for_next_to_it(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(VALID), encoding="utf-8")
    (tmp_path / "icon.png").write_bytes(b"GIF89a not a png")
    problems = validate_manifest(VALID, source=str(manifest))
    assert [(p.path, p.severity) for p in problems] == [
        ("$.server.entry_point", "warning"),
        ("$.server.mcp_config.args[0]", "warning"),
        ("$.icons[0].src", "error"),
    ]
    assert "not a PNG" in problems[2].message


SPEC = Spec.model_validate(
    {
        "name": "io.github.acme/demo",
        "title": "Demo",
        "description": "A demo server",
        "version": "1.2.3",
        "license": "MIT",
        "repository": "https://github.com/acme/demo",
        "keywords": ["demo"],
        "run": {"runtime": "python", "command": "demo-mcp", "args": ["--stdio"]},
        "env": [
            {"name": "API_TOKEN", "description": "Token", "required": True, "secret": True},
            {"name": "MODE", "choices": ["fast", "slow"], "default": "fast"},
            {"name": "CACHE_DIR", "description": "Cache folder"},
        ],
    }
)
LOCK = InterfaceLock(
    {
        "digest": "sha256:0",
        "lockVersion": 1,
        "tools": [{"key": "echo", "definition": {"name": "echo", "description": "Echo it", "inputSchema": {}}}],
        "prompts": [
            {"key": "greet", "definition": {"name": "greet", "arguments": [{"name": "who", "required": True}]}},
            {"key": "plain", "definition": {"name": "plain", "description": "Just text"}},
        ],
    }
)
LAUNCH = Launch(
    server_type="python",
    entry_point="server/main.py",
    command="python3",
    args=("${__dirname}/server/main.py", "--stdio"),
    env={"PYTHONPATH": "${__dirname}/server/lib"},
)


@pytest.mark.parametrize("version", ["0.2", "0.3", "0.4"])
def test_a_generated_manifest_passes_the_official_schema_of_its_version(version: str) -> None:
    config = McpbConfig(manifest_version=version, prompt_text={"plain": "Say hi"})  # type: ignore[arg-type]
    manifest = build_manifest(
        SPEC,
        LOCK,
        config,
        author=Author(name="Ada"),
        launch=LAUNCH,
        compatibility=Compatibility(platforms=["linux"], runtimes=Runtimes(python=">=3.11 <4")),
    ).to_json()
    assert schema_errors(manifest, version) == []
    assert errors(manifest) == []
    assert official_library("manifest", [manifest]) == [True]


def test_env_entries_become_user_config_and_the_environment_refers_to_them() -> None:
    manifest = build_manifest(
        SPEC, LOCK, McpbConfig(), author=Author(name="Ada"), launch=LAUNCH, compatibility=Compatibility()
    ).to_json()
    options = manifest["user_config"]
    assert options["api_token"] == {
        "type": "string",
        "title": "Api token",
        "description": "Token",
        "required": True,
        "sensitive": True,
    }
    assert options["mode"]["default"] == "fast"
    assert options["mode"]["description"].endswith("One of: fast, slow.")
    # optional and without a default: "" so a host passes an empty value, not the literal placeholder
    assert options["cache_dir"]["default"] == ""
    assert manifest["server"]["mcp_config"]["env"] == {
        "PYTHONPATH": "${__dirname}/server/lib",
        "API_TOKEN": "${user_config.api_token}",
        "MODE": "${user_config.mode}",
        "CACHE_DIR": "${user_config.cache_dir}",
    }
    assert manifest["tools"] == [{"name": "echo", "description": "Echo it"}]
    assert manifest["prompts"] == [
        {"name": "greet", "arguments": ["who"], "text": "greet\n\nwho: ${arguments.who}"},
        {"name": "plain", "description": "Just text", "text": "Just text"},
    ]
    assert manifest["repository"] == {"type": "git", "url": "https://github.com/acme/demo"}
    assert "icons" not in manifest  # the spec's icons are https URLs; bundles carry only local files


def test_the_author_comes_from_pyproject_or_package_json(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nauthors = [{ email = "team@acme.dev" }, { name = "Bob" }]\n', encoding="utf-8"
    )
    assert project_author(tmp_path, "python") == Author(name="team@acme.dev", email="team@acme.dev")
    (tmp_path / "package.json").write_text(
        json.dumps({"author": "Ada Lovelace <ada@example.com> (https://ada.dev)"}), encoding="utf-8"
    )
    assert project_author(tmp_path, "node") == Author(
        name="Ada Lovelace", email="ada@example.com", url="https://ada.dev"
    )
    (tmp_path / "package.json").write_text(json.dumps({"author": {"name": "Ada", "email": "nope"}}), "utf-8")
    assert project_author(tmp_path, "node") == Author(name="Ada")

"""The docker-catalog target: server.yaml for Docker's MCP catalog from the notes examples."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from mcpship._exceptions import BuildError, SpecError
from mcpship.spec.model import EnvVar
from mcpship.targets import Artifact, load_target
from mcpship.targets.docker_catalog import DockerCatalogTarget, validate_server_yaml
from tests.unit.targets import catalog_support
from tests.unit.targets.catalog_support import context, load_yaml

COMMIT = "0123456789abcdef0123456789abcdef01234567"
CONFIG = {"image": "ghcr.io/mcpship/{version}-notes", "category": "productivity", "commit": COMMIT}


def build(tmp_path: Path, example: str, config: dict[str, Any] | None = None, **changes: Any) -> tuple[Path, Any]:
    return catalog_support.build(
        DockerCatalogTarget(), tmp_path, example, config if config is not None else CONFIG, **changes
    )


@pytest.mark.parametrize(("example", "name"), [("notes-py", "notes-py"), ("notes-node", "notes-node")])
def test_document_has_every_documented_field(tmp_path: Path, example: str, name: str) -> None:
    path, document = build(tmp_path, example)
    assert list(document) == ["name", "image", "type", "meta", "about", "source", "config"]
    expected = {
        "name": name,
        "image": "ghcr.io/mcpship/0.1.0-notes:0.1.0",
        "type": "server",
        "meta": {"category": "productivity", "tags": ["mcp", "notes"]},
        "about.title": "Notes" if example == "notes-py" else "Notes (Node)",
        "source": {"project": "https://github.com/mcpship/mcpship", "commit": COMMIT},
        "config.description": f"Configure {document['about']['title']}",
        "secrets": [
            {
                "name": f"{name}.notes_token",
                "env": "NOTES_TOKEN",
                "example": "<NOTES_TOKEN>",
                "description": "API token for the notes backend",
                "required": True,
            }
        ],
        "env": [{"name": "NOTES_DIR", "example": "", "value": f"{{{{{name}.notes_dir}}}}"}],
        "parameters": {
            "type": "object",
            "properties": {
                "notes_dir": {"type": "string", "description": "Keep notes in this folder instead of memory"}
            },
        },
    }
    actual = {
        "name": document["name"],
        "image": document["image"],
        "type": document["type"],
        "meta": document["meta"],
        "about.title": document["about"]["title"],
        "source": document["source"],
        "config.description": document["config"]["description"],
        "secrets": document["config"]["secrets"],
        "env": document["config"]["env"],
        "parameters": document["config"]["parameters"],
    }
    assert actual == expected
    assert document["about"]["description"].startswith("Take and search notes from any MCP client")
    assert validate_server_yaml(document, source=str(path)) == []


def test_optional_fields_and_required_parameters(tmp_path: Path) -> None:
    env = [
        EnvVar(name="NOTES_MODE", description="Mode.", required=True, default="fast", choices=["fast", "safe"]),
        EnvVar(name="OPTIONAL_KEY", secret=True),
    ]
    config = {
        **CONFIG,
        "image": "mcp/notes@sha256:" + "a" * 64,
        "name": "notes",
        "tags": ["notes"],
        "title": "My Notes",
        "icon": "https://example.com/icon.png",
        "branch": "release",
        "directory": "examples/notes-py",
        "dockerfile": "Dockerfile.mcp",
        "config_description": "Where notes go",
        "long_lived": True,
        "allow_hosts": ["api.example.com:443"],
        "disable_network": True,
    }
    _, document = build(tmp_path, "notes-py", config, env=env)
    assert document["image"] == "mcp/notes@sha256:" + "a" * 64
    assert document["longLived"] is True
    assert document["about"] == {
        "title": "My Notes",
        "description": document["about"]["description"],
        "icon": "https://example.com/icon.png",
    }
    assert document["source"] == {
        "project": "https://github.com/mcpship/mcpship",
        "branch": "release",
        "commit": COMMIT,
        "directory": "examples/notes-py",
        "dockerfile": "Dockerfile.mcp",
    }
    assert document["run"] == {"allowHosts": ["api.example.com:443"], "disableNetwork": True}
    assert document["config"]["secrets"] == [
        {"name": "notes.optional_key", "env": "OPTIONAL_KEY", "example": "<OPTIONAL_KEY>"}
    ]
    assert document["config"]["env"] == [{"name": "NOTES_MODE", "example": "fast", "value": "{{notes.notes_mode}}"}]
    assert document["config"]["parameters"] == {
        "type": "object",
        "properties": {"notes_mode": {"type": "string", "description": "Mode. One of: fast, safe.", "default": "fast"}},
        "required": ["notes_mode"],
    }


def test_commit_defaults_to_the_checked_out_commit(tmp_path: Path) -> None:
    _, document = build(tmp_path, "notes-py", {"image": "mcp/notes", "category": "devops"})
    assert len(document["source"]["commit"]) == 40
    assert document["image"] == "mcp/notes:0.1.0"


def test_rebuilds_are_byte_identical(tmp_path: Path) -> None:
    first, _ = build(tmp_path, "notes-node")
    second, _ = build(tmp_path, "notes-node")
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes().endswith(b"\n")


def test_missing_image_category_and_bad_title_are_reported_with_fixes(tmp_path: Path) -> None:
    ctx = context(tmp_path, "notes-py", "docker-catalog", {"commit": COMMIT, "title": "Notes MCP server"})
    problems = DockerCatalogTarget().check(ctx)
    assert {problem.path for problem in problems} == {
        "[targets.docker-catalog].image",
        "[targets.docker-catalog].category",
        "[targets.docker-catalog].title",
    }
    assert all(problem.file.endswith("mcpship.toml") and problem.hint for problem in problems)
    with pytest.raises(BuildError, match="image"):
        DockerCatalogTarget().build(ctx)


@pytest.mark.parametrize(
    "config", [{"imagee": "x"}, {"name": "Notes_Py"}, {"commit": "abc"}, {"long_lived": "yes"}, {"icon": "http://x"}]
)
def test_config_errors_name_the_file_and_key(tmp_path: Path, config: dict[str, Any]) -> None:
    with pytest.raises(SpecError, match=r"mcpship\.toml"):
        DockerCatalogTarget().check(context(tmp_path, "notes-py", "docker-catalog", {**CONFIG, **config}))


def test_validator_applies_the_catalog_ci_rules() -> None:
    document = {
        "name": "Notes",
        "type": "server",
        "meta": {"tags": "notes"},
        "about": {"title": "notes server", "icon": "http://x"},
        "source": {"project": "github.com/x", "commit": "ABC"},
        "config": {
            "secrets": [{"name": "token", "env": "TOKEN"}],
            "env": [{"name": "DIR", "value": "{{other.dir}}"}],
            "parameters": {"type": "object", "properties": {"dir": {}}, "required": ["nope"]},
        },
        "extra": True,
    }
    paths = {problem.path for problem in validate_server_yaml(document, source="server.yaml")}
    assert paths == {
        "$.name", "$.image", "$.source.commit", "$.source.project", "$.meta.category", "$.meta.tags",
        "$.about.title", "$.about.icon", "$.config.secrets[0].name", "$.config.parameters.properties.dir",
        "$.config.parameters.required[0]", "$.extra",
    }  # fmt: skip


def test_target_is_registered() -> None:
    assert isinstance(load_target("docker-catalog"), DockerCatalogTarget)


def test_image_defaults_to_the_server_json_targets_oci_image_when_the_image_is_built_here(tmp_path: Path) -> None:
    ctx = context(tmp_path, "notes-py", "docker-catalog", {"category": "productivity", "commit": COMMIT})
    image = Artifact(
        target="oci", kind="oci-layout", path=tmp_path / "x", sha256="0" * 64, size=1, version="0.1.0", lock_digest=None
    )
    with_image = dataclasses.replace(ctx, built={"oci": [image]})
    assert DockerCatalogTarget().check(with_image) == []
    [(_, path, _)] = DockerCatalogTarget().build(with_image)
    declared = ctx.resolved.spec.targets["server-json"]["oci_image"]
    assert isinstance(declared, str)
    assert load_yaml(path.read_text(encoding="utf-8"))["image"] == declared.replace("{version}", "0.1.0")
    # Without the image in this build there is nothing to point at: the catalog still asks for `image`.
    assert [problem.path for problem in DockerCatalogTarget().check(ctx)] == ["[targets.docker-catalog].image"]

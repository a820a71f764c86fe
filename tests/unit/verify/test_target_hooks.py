"""verify calls a target's own verify step for its artifacts: the catalogs validate their file again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mcpship import Artifact, NullReporter, build_project, load_spec, read_lock, verify_dist
from mcpship.pipeline.report import read_report
from mcpship.probe.plan import StdioPlan
from mcpship.targets import VerifyingTarget, load_target
from mcpship.targets.smithery import SmitheryTarget
from mcpship.targets.toolhive import ToolhiveTarget
from mcpship.verify import VerifyContext, VerifyResult

COMMIT = "0123456789abcdef0123456789abcdef01234567"
CATALOGS = f"""[targets]
smithery = {{}}
toolhive = {{ image = "ghcr.io/mcpship/notes-py:{{version}}" }}
docker-catalog = {{ image = "ghcr.io/mcpship/notes-py:{{version}}", category = "productivity", commit = "{COMMIT}" }}
"""


@pytest.fixture
def built(tmp_path: Path, notes_py: Path) -> Path:
    root = tmp_path / "notes-py"
    root.mkdir()
    for name in ("pyproject.toml", "README.md", "mcp-interface.json"):
        shutil.copy(notes_py / name, root / name)
    spec = (notes_py / "mcpship.toml").read_text(encoding="utf-8")
    (root / "mcpship.toml").write_text(spec[: spec.index("[targets]")] + CATALOGS, encoding="utf-8")
    build_project(root)
    return root / "dist"


def test_each_catalog_file_is_validated_again_by_its_targets_rules(built: Path) -> None:
    results = {r.artifact.path.name: r for r in verify_dist(built)}
    assert {name: (r.status, r.how) for name, r in results.items()} == {
        "smithery.yaml": ("ok", "Smithery's smithery.yaml fields"),
        "toolhive.json": ("ok", "server.json rules + ToolHive's extension schema"),
        "server.yaml": ("ok", "Docker MCP catalog rules (cmd/validate)"),
    }


def test_a_catalog_file_broken_after_the_build_fails_its_targets_verify_step_naming_what_is_wrong(built: Path) -> None:
    # verify_dist drops files changed since the report was written; the hook itself judges any file it is given
    artifacts = {a.path.name: a for a in read_report(built)}
    context = VerifyContext(
        resolved=load_spec(built.parent),
        lock=read_lock(built.parent / "mcp-interface.json"),
        artifacts=list(artifacts.values()),
        config={},
        timeout=10,
        reporter=NullReporter(),
        runner=_never_runs,
    )
    entry = json.loads((built / "toolhive.json").read_text(encoding="utf-8"))
    entry["_meta"]["io.modelcontextprotocol.registry/publisher-provided"]["io.github.stacklok"] = {}
    (built / "toolhive.json").write_text(json.dumps(entry), encoding="utf-8")
    (built / "smithery.yaml").write_text("runtime: container\nstartCommand: [unclosed\n", encoding="utf-8")
    toolhive = ToolhiveTarget().verify(artifacts["toolhive.json"], context)
    smithery = SmitheryTarget().verify(artifacts["smithery.yaml"], context)
    assert (toolhive.status, smithery.status) == ("failed", "failed")
    assert "the entry carries no ToolHive data" in toolhive.detail
    assert smithery.detail.startswith(f"{built / 'smithery.yaml'}: not valid YAML")


def test_every_catalog_target_and_server_json_have_their_own_verify_step() -> None:
    for name in ("smithery", "docker-catalog", "toolhive", "server-json"):
        assert isinstance(load_target(name), VerifyingTarget)
    for name in ("pypi", "npm", "mcpb", "oci"):  # run by verify's built-in runners
        assert not isinstance(load_target(name), VerifyingTarget)


def _never_runs(artifact: Artifact, plan: StdioPlan, how: str) -> VerifyResult:
    raise AssertionError("catalog files are validated, not run")

"""``mcpship ci init --github`` through the installed script, and the workflows it writes checked against GitHub's
workflow schema by ``check-jsonschema --builtin-schema vendor.github-workflows`` (the schema ships inside it: no
network)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mcpship.ci import WORKFLOW_PATH, render_github_workflow
from tests.conftest import ROOT, assert_clean_error, json_result, run_mcpship
from tests.unit.ci.test_github_workflow import project


def check_workflow(path: Path) -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")
    if not checker.is_file():
        pytest.fail(f"{checker} is missing: install the dev requirements (requirements/dev.txt pins check-jsonschema)")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"{path} is not a valid GitHub workflow:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize(
    "source",
    ["notes-py", "notes-node", "pypi+oci", "server-json (dns)"],
)
def test_the_generated_workflow_passes_githubs_workflow_schema(source: str, tmp_path: Path) -> None:
    if source.startswith("notes-"):
        folder = ROOT / "examples" / source
    elif source == "pypi+oci":
        folder = project(tmp_path, "pypi = {}\noci = {}")
    else:
        folder = project(tmp_path, "server-json = {}", name="com.example/notes")
    path = tmp_path / "release.yml"
    path.write_text(render_github_workflow(folder))

    check_workflow(path)


def test_ci_init_writes_the_workflow_once_and_refuses_to_overwrite_it(tmp_path: Path) -> None:
    folder = tmp_path / "notes-node"
    shutil.copytree(ROOT / "examples" / "notes-node", folder, ignore=shutil.ignore_patterns("node_modules"))
    workflow = folder / WORKFLOW_PATH

    first = run_mcpship("ci", "init", "--github", str(folder), "--json")
    assert first.returncode == 0, first.stderr
    assert json_result(first.stdout) == {
        "path": str(workflow),
        "channels": ["npm", "github-release", "registry"],
        "replaced": False,
        "notes": [
            "npm: add the repository secret NPM_TOKEN (an automation token), or configure npm's trusted publishing "
            "for release.yml and leave it unset"
        ],
    }
    check_workflow(workflow)
    written = workflow.read_bytes()

    again = run_mcpship("ci", "init", "--github", str(folder))
    assert_clean_error(again, 2)
    assert "already exists" in again.stderr
    assert "--force" in again.stderr
    assert workflow.read_bytes() == written

    forced = run_mcpship("ci", "init", "--github", "--force", str(folder))
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.startswith(f"replaced {workflow}")
    assert workflow.read_bytes() == written  # the same spec gives the same bytes


def test_ci_init_without_a_ci_named_says_which_one_to_name(tmp_path: Path) -> None:
    result = run_mcpship("ci", "init", str(tmp_path))
    assert_clean_error(result, 2)
    assert "--github" in result.stderr


def test_the_workflow_shown_in_the_docs_is_the_one_written_for_the_python_example(tmp_path: Path) -> None:
    folder = tmp_path / "notes-py"
    shutil.copytree(ROOT / "examples" / "notes-py", folder)
    page = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    shown = page.split("```yaml\n", 1)[1].split("```", 1)[0]

    written = render_github_workflow(folder)
    assert shown == written, "docs/ci.md shows an older workflow: paste what `mcpship ci init --github` writes now"

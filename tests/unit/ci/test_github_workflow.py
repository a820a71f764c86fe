"""The release workflow ``mcpship ci init --github`` writes: the jobs the spec enables, every action pinned, every
publish job after the verify job, and values from the spec quoted by the YAML emitter, never spliced into scripts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from mcpship._exceptions import SpecError, UsageError
from mcpship.ci import WORKFLOW_PATH, init_github_workflow, render_github_workflow
from mcpship.ci.actions import ACTIONS
from tests.conftest import ROOT

_PINNED = re.compile(
    r"^\s+(?:- )?uses: (?P<action>[\w.-]+/[\w.-]+)@(?P<sha>[0-9a-f]{40}) +# (?P<version>v\d+\.\d+\.\d+)$"
)


def project(tmp_path: Path, targets: str, *, name: str = "io.github.acme/notes") -> Path:
    """A small Python project whose spec enables ``targets`` (TOML lines under [targets])."""
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "pyproject.toml").write_text(
        '[project]\nname = "acme-notes"\nversion = "1.2.0"\ndescription = "Notes."\n'
        '[project.urls]\nRepository = "https://github.com/acme/notes"\n'
        '[project.scripts]\nnotes-mcp = "notes:main"\n'
    )
    (folder / "mcpship.toml").write_text(f'name = "{name}"\n[run]\nruntime = "python"\ncommand = "notes-mcp"\n'
                                         f"[targets]\n{targets}\n")  # fmt: skip
    return folder


def jobs(text: str) -> dict[str, Any]:
    document = yaml.safe_load(text)
    assert document[True if True in document else "on"] == {"push": {"tags": ["v*.*.*"]}}  # PyYAML reads `on` as True
    return dict(document["jobs"])


@pytest.mark.parametrize("example", ["notes-py", "notes-node"])
def test_each_example_gets_verify_then_its_channels_with_the_registry_last(example: str) -> None:
    text = render_github_workflow(ROOT / "examples" / example)

    found = jobs(text)
    package = "pypi" if example == "notes-py" else "npm"
    assert list(found) == ["verify", package, "github-release", "registry"]
    assert found["verify"]["defaults"] == {"run": {"working-directory": f"examples/{example}"}}
    assert found["registry"]["needs"] == ["verify", package, "github-release"]
    for name, job in found.items():
        assert name == "verify" or "verify" in job["needs"]


def test_every_action_is_pinned_to_a_full_commit_sha_with_its_version_beside_it(tmp_path: Path) -> None:
    text = render_github_workflow(project(tmp_path, "pypi = {}\nnpm = {}\noci = {}"))

    lines = [line for line in text.splitlines() if "uses:" in line]
    assert lines
    for line in lines:
        match = _PINNED.match(line)
        assert match, line
        pin = next(pin for pin in ACTIONS.values() if pin.repository == match["action"])
        assert (match["sha"], match["version"]) == (pin.sha, pin.version)


def test_only_the_channels_the_spec_enables_get_a_job(tmp_path: Path) -> None:
    found = jobs(render_github_workflow(project(tmp_path, "pypi = {}")))

    assert list(found) == ["verify", "pypi"]
    assert found["pypi"]["permissions"] == {"contents": "read", "id-token": "write"}  # trusted publishing
    assert found["pypi"]["needs"] == ["verify"]
    assert "secrets." not in yaml.safe_dump(found["pypi"])  # no token: the job's OIDC token
    assert "defaults" not in found["verify"]  # the project is the repository's root (no git here)


def test_npm_publishes_with_provenance_and_the_token_from_a_secret(tmp_path: Path) -> None:
    found = jobs(render_github_workflow(project(tmp_path, "npm = {}")))

    step = found["npm"]["steps"][-1]
    assert step["env"] == {"NODE_AUTH_TOKEN": "${{ secrets.NPM_TOKEN }}", "NPM_CONFIG_PROVENANCE": "true"}
    assert found["npm"]["permissions"]["id-token"] == "write"  # provenance is signed with the job's OIDC token


def test_the_image_goes_to_ghcr_from_the_spec_through_env_not_the_script(tmp_path: Path) -> None:
    image = 'ghcr.io/acme/no"tes$(id)'
    targets = f"oci = {{}}\nserver-json = {{ oci_image = '{image}:{{version}}' }}"
    found = jobs(render_github_workflow(project(tmp_path, targets)))

    push = found["oci"]["steps"][-1]
    assert push["env"]["IMAGE"] == image  # quoted by the emitter, read back exactly
    assert image not in push["run"]
    assert found["oci"]["permissions"] == {"contents": "read", "packages": "write"}
    assert found["registry"]["needs"] == ["verify", "oci"]


def test_a_name_outside_io_github_logs_in_to_the_registry_by_dns(tmp_path: Path) -> None:
    found = jobs(render_github_workflow(project(tmp_path, "server-json = {}", name="com.example.tools/notes")))

    login = found["registry"]["steps"][-2]
    assert login["env"]["DOMAIN"] == "tools.example.com"
    assert login["env"]["MCP_REGISTRY_KEY"] == "${{ secrets.MCP_REGISTRY_KEY }}"


def test_a_github_expression_in_a_spec_value_is_refused(tmp_path: Path) -> None:
    targets = "oci = {}\nserver-json = { oci_image = 'ghcr.io/acme/${{ secrets.X }}:{version}' }"
    with pytest.raises(SpecError, match=r"GitHub Actions expression"):
        render_github_workflow(project(tmp_path, targets))


def test_the_workflow_goes_to_the_git_root_and_is_never_overwritten_without_force(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    folder = project(tmp_path, "pypi = {}")

    outcome = init_github_workflow(folder)
    path = tmp_path / WORKFLOW_PATH
    assert outcome.path == path
    assert outcome.channels == ("pypi",)
    assert not outcome.replaced
    assert jobs(path.read_text())["verify"]["defaults"] == {"run": {"working-directory": "notes"}}

    path.write_text("# mine\n")
    with pytest.raises(UsageError, match="already exists"):
        init_github_workflow(folder)
    assert path.read_text() == "# mine\n"
    assert init_github_workflow(folder, force=True).replaced
    assert path.read_text().startswith("# Written by `mcpship ci init --github`")

"""``release_project`` without services: what it refuses before changing anything, the state file that makes it
resumable, the steps a resume skips or repeats, and the tag. (The whole release on real registries is in
tests/integration/test_release.py.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mcpship import ReleaseError, UsageError
from mcpship.channels.publish import OciDestination, PublishOptions
from mcpship.pipeline.release import STATE_FILE, STEPS, ReleaseRequest, implied_channels, release_project
from tests.conftest import EXAMPLES

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Release Test",
    "GIT_AUTHOR_EMAIL": "release@example.invalid",
    "GIT_COMMITTER_NAME": "Release Test",
    "GIT_COMMITTER_EMAIL": "release@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def project(tmp_path: Path, *, in_git: bool = True) -> Path:
    """The Python example's files (version 0.1.0 in pyproject.toml and the package), committed when ``in_git``."""
    root = tmp_path / "notes-py"
    shutil.copytree(EXAMPLES / "notes-py", root, ignore=shutil.ignore_patterns("__pycache__", "dist", ".venv"))
    if in_git:
        (root / ".gitignore").write_text("__pycache__\ndist\n")
        git(root, "init", "--quiet", "--initial-branch=main")
        git(root, "add", "--all")
        git(root, "commit", "--quiet", "-m", "the example")
    return root


def write_state(root: Path, *, done: list[str], **fields: Any) -> Path:
    """The state an earlier, stopped ``release minor`` left behind."""
    state = {
        "schema": 1,
        "previous": "0.1.0",
        "version": "0.2.0",
        "tag": "v0.2.0",
        "channels": [],
        "options": {},
        "commit": True,
        "make_tag": True,
        "outdir": None,
        "done": done,
        "commit_sha": None,
        "published": [],
        "started": "2026-12-08T00:00:00Z",
        **fields,
    }
    path = root / STATE_FILE
    path.parent.mkdir(exist_ok=True)
    (path.parent / ".gitignore").write_text("*\n")
    path.write_text(json.dumps(state))
    return path


def versions(root: Path) -> tuple[str, str]:
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    package = (root / "src" / "notes_mcp" / "__init__.py").read_text(encoding="utf-8")
    return (
        next(line for line in pyproject.splitlines() if line.startswith("version")),
        next(line for line in package.splitlines() if line.startswith("__version__")),
    )


def test_a_dry_run_shows_the_version_the_steps_and_the_channels_and_writes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path, in_git=False)
    before = versions(root)

    outcome = release_project(root, ReleaseRequest(level="minor", pre="rc", dry_run=True))

    assert (outcome.previous, outcome.version, outcome.tag) == ("0.1.0", "0.2.0-rc.1", "v0.2.0-rc.1")
    statuses = {step.step: step.status for step in outcome.steps}
    assert list(statuses) == list(STEPS)
    assert statuses["bump"] == "would-run"
    assert (statuses["commit"], statuses["tag"]) == ("skipped", "skipped")  # not a git repository
    assert outcome.channels == ["pypi", "github-release", "registry"]
    assert outcome.error is None
    assert versions(root) == before
    assert not (root / ".mcpship").exists()


def test_the_channels_follow_the_targets_and_an_image_needs_a_destination() -> None:
    targets: dict[str, dict[str, object]] = {
        "pypi": {},
        "npm": {},
        "oci": {},
        "mcpb": {},
        "server-json": {"mcpb_url": "https://github.com/acme/notes/releases/download/v{version}/{file}"},
    }
    assert implied_channels(targets, PublishOptions()) == ["pypi", "npm", "github-release", "registry"]
    with_image = PublishOptions(oci=OciDestination("127.0.0.1:5000/notes"))
    assert implied_channels(targets, with_image) == ["pypi", "npm", "oci", "github-release", "registry"]
    elsewhere = {"mcpb": {}, "server-json": {"mcpb_url": "https://downloads.example.com/{file}"}}
    assert implied_channels(elsewhere, PublishOptions()) == ["registry"]


def test_a_channel_the_targets_do_not_build_for_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path, in_git=False)
    with pytest.raises(UsageError, match="--channel npm: the project's targets do not build for it"):
        release_project(root, ReleaseRequest(level="minor", channels=["npm"], dry_run=True))
    narrowed = release_project(root, ReleaseRequest(level="minor", channels=["registry"], dry_run=True))
    assert narrowed.channels == ["registry"]


def test_changes_in_the_work_tree_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "README.md").write_text("edited\n")
    before = versions(root)

    with pytest.raises(ReleaseError, match=r"the git work tree has changes .*README\.md") as refused:
        release_project(root, ReleaseRequest(level="minor"))

    assert refused.value.exit_code == 16
    assert "git stash" in (refused.value.hint or "")
    assert versions(root) == before
    assert not (root / STATE_FILE).exists()


def test_an_unfinished_release_refuses_a_new_one_and_names_resume(tmp_path: Path) -> None:
    root = project(tmp_path)
    state = write_state(root, done=["check", "bump"])
    with pytest.raises(ReleaseError, match=r"the release of 0\.2\.0 is unfinished \(done: check, bump") as refused:
        release_project(root, ReleaseRequest(level="minor"))
    assert "mcpship release --resume" in (refused.value.hint or "")
    with pytest.raises(UsageError, match="takes no bump level"):
        release_project(root, ReleaseRequest(level="minor", resume=True))
    assert state.is_file()


def test_resume_without_an_unfinished_release_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path)
    with pytest.raises(ReleaseError, match="no unfinished release to resume"):
        release_project(root, ReleaseRequest(resume=True))


def test_an_unreadable_state_file_is_refused_naming_it(tmp_path: Path) -> None:
    root = project(tmp_path)
    path = write_state(root, done=[])
    path.write_text('{"schema": 1, "version": ')
    with pytest.raises(ReleaseError, match="not a release state mcpship can read") as refused:
        release_project(root, ReleaseRequest(resume=True))
    assert str(path) in (refused.value.hint or "")


def test_a_resume_with_only_the_tag_left_tags_the_built_commit_and_removes_the_state(tmp_path: Path) -> None:
    root = project(tmp_path)
    built = git(root, "rev-parse", "HEAD")
    state = write_state(root, done=[step for step in STEPS if step != "tag"], commit_sha=built)

    outcome = release_project(root, ReleaseRequest(resume=True))

    assert outcome.error is None
    assert outcome.resumed
    assert [(step.step, step.status) for step in outcome.steps][-1] == ("tag", "done")
    assert git(root, "rev-parse", "v0.2.0^{commit}") == built
    assert git(root, "cat-file", "-t", "v0.2.0") == "tag"
    assert git(root, "tag", "--list", "v0.2.0", "--format=%(contents:subject)") == "release v0.2.0"
    assert not state.exists()


def test_a_tag_already_on_another_commit_stops_the_release_and_keeps_the_state(tmp_path: Path) -> None:
    root = project(tmp_path)
    git(root, "tag", "v0.2.0")
    (root / "CHANGES").write_text("next\n")
    git(root, "add", "CHANGES")
    git(root, "commit", "--quiet", "-m", "later")
    state = write_state(root, done=[s for s in STEPS if s != "tag"], commit_sha=git(root, "rev-parse", "HEAD"))

    outcome = release_project(root, ReleaseRequest(resume=True))

    assert isinstance(outcome.error, ReleaseError)
    assert "release stopped at tag: the tag v0.2.0 exists on" in outcome.error.message
    assert "mcpship release --resume" in (outcome.error.hint or "")
    assert outcome.state_file == state
    assert json.loads(state.read_text())["done"] == [s for s in STEPS if s != "tag"]


def test_a_bump_stopped_before_it_was_recorded_is_not_applied_twice(tmp_path: Path) -> None:
    root = project(tmp_path, in_git=False)
    rest = [s for s in STEPS if s != "bump"]
    write_state(root, done=rest, commit=False, make_tag=False)
    first = release_project(root, ReleaseRequest(resume=True))
    assert first.error is None
    assert versions(root) == ('version = "0.2.0"', '__version__ = "0.2.0"')

    write_state(root, done=rest, commit=False, make_tag=False)  # killed after writing, before recording it
    again = release_project(root, ReleaseRequest(resume=True))
    bump = next(step for step in again.steps if step.step == "bump")
    assert bump.detail == "0.1.0 -> 0.2.0 (already written)"
    assert versions(root) == ('version = "0.2.0"', '__version__ = "0.2.0"')


def test_a_resume_after_the_release_commit_wants_the_fix_committed(tmp_path: Path) -> None:
    root = project(tmp_path)
    write_state(root, done=["check", "bump", "lock", "commit"], commit_sha=git(root, "rev-parse", "HEAD"))
    (root / "src" / "notes_mcp" / "fix.py").write_text("FIXED = True\n")
    with pytest.raises(ReleaseError, match=r"changes since the release commit: .*fix\.py") as refused:
        release_project(root, ReleaseRequest(resume=True))
    assert "commit the fix" in (refused.value.hint or "")


def test_the_state_keeps_destinations_but_never_a_credential_and_a_resume_flag_replaces_one() -> None:
    from mcpship.channels.publish import PypiDestination
    from mcpship.pipeline.release_state import merged_options, options_to_state

    given = PublishOptions(
        pypi=PypiDestination("http://127.0.0.1:8080/", username="__token__", password="pypi-secret-value"),
        oci=OciDestination("127.0.0.1:5000/notes", username="acme", password="oci-secret-value"),
    )
    stored = options_to_state(given)
    assert "secret-value" not in json.dumps(stored)

    resumed = merged_options(stored, PublishOptions())
    assert resumed.pypi.repository_url == "http://127.0.0.1:8080/"
    assert resumed.oci is not None
    assert resumed.oci.to == "127.0.0.1:5000/notes"
    corrected = merged_options(stored, PublishOptions(oci=OciDestination("127.0.0.1:5001/notes")))
    assert corrected.oci is not None
    assert corrected.oci.to == "127.0.0.1:5001/notes"

"""The sides of ``mcpship diff`` (lock files, ``git:REF[:FOLDER]``, inspect targets), ``--fail-on`` levels, and the
plain-text rendering ``lock --check`` uses."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mcpship import InterfaceChangeError, LockError, ServerSnapshot, ToolchainError, UsageError, lock_from_snapshot
from mcpship.interface import sides
from mcpship.interface.lock import InterfaceLock, write_lock
from mcpship.interface.render import bump_sentence, describe_classification
from mcpship.interface.semver import Change, Classification
from mcpship.interface.sides import check_fail_on, diff_interfaces, load_side


def make_lock(*tool_names: str, title: str = "") -> InterfaceLock:
    tools = [
        {"name": name, "inputSchema": {"type": "object"}, **({"title": title} if title else {})} for name in tool_names
    ]
    snapshot = ServerSnapshot(
        target="demo", protocol_version="2026-07-28", server_info={"name": "demo"}, capabilities={}, tools=tools
    )
    return lock_from_snapshot(snapshot)


def change(severity: str, review: bool = False) -> Change:
    return Change(f"rule.{severity}", severity, review, "tools", "t", "", "m", None, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "fail_on", "fails"),
    [
        ([change("major")], "major", True),
        ([change("minor"), change("patch")], "major", False),
        ([change("minor", review=True)], "major", False),
        ([change("minor", review=True)], "review", True),
        ([change("major")], "review", True),
        ([change("minor")], "review", False),
        ([change("minor")], "minor", True),
        ([change("patch")], "minor", False),
        ([change("patch")], "patch", True),
        ([], "patch", False),
        ([change("major")], None, False),
    ],
)
def test_fail_on_fails_exactly_when_a_change_reaches_the_level(
    changes: list[Change], fail_on: Any, fails: bool
) -> None:
    classification = Classification(tuple(changes))
    if not fails:
        check_fail_on(classification, fail_on)
        return
    with pytest.raises(InterfaceChangeError) as raised:
        check_fail_on(classification, fail_on)
    assert raised.value.exit_code == 15
    assert raised.value.classification is classification
    assert f"at or above --fail-on {fail_on}" in raised.value.message
    assert raised.value.hint is not None
    assert "--severity RULE=LEVEL" in raised.value.hint


def test_the_failure_counts_only_the_changes_at_the_level() -> None:
    with pytest.raises(InterfaceChangeError, match=r"^2 interface changes at or above --fail-on minor \(requires a "):
        check_fail_on(Classification((change("minor"), change("major"), change("patch"))), "minor")
    with pytest.raises(InterfaceChangeError, match=r"^1 interface change at or above"):
        check_fail_on(Classification((change("major"),)), "major")


def test_bump_sentence_names_the_bump_and_how_many_changes_need_review() -> None:
    assert bump_sentence(Classification(())) == "no interface change"
    assert bump_sentence(Classification((change("minor"),))) == "requires a minor bump"
    assert bump_sentence(Classification((change("major", True),))) == "requires a major bump; 1 change needs review"
    two = Classification((change("major", True), change("minor", True)))
    assert bump_sentence(two) == "requires a major bump; 2 changes need review"


def test_describe_classification_gives_one_line_per_change() -> None:
    text = describe_classification(
        Classification(
            (
                Change("input.pattern.changed", "major", True, "tools", "t", "inputSchema.pattern", "p", 1, 2),
                Change("server.instructions.changed", "patch", False, "server", "instructions", "", "i", 1, 2),
            )
        )
    )
    assert text.splitlines() == [
        "  [major, needs review] input.pattern.changed: tool t inputSchema.pattern: p",
        "  [patch] server.instructions.changed: server instructions: i",
    ]


def test_two_lock_files_are_classified_with_overrides(tmp_path: Path) -> None:
    write_lock(make_lock("a", "b"), tmp_path / "old.json")
    write_lock(make_lock("a"), tmp_path / "new.json")
    result = diff_interfaces("old.json", "new.json", cwd=tmp_path, overrides={"tool.removed": "minor"})
    assert result.old.source == str(tmp_path / "old.json")
    assert result.old.spec == "old.json"
    assert [(c.rule, c.severity) for c in result.classification.changes] == [("tool.removed", "minor")]


def test_a_missing_lock_file_is_a_lock_error(tmp_path: Path) -> None:
    with pytest.raises(LockError, match="no interface lock yet"):
        load_side("nothing.json", cwd=tmp_path)


def test_a_side_of_no_known_form_is_a_usage_error_listing_the_forms(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a side mcpship diff can read") as raised:
        load_side("no-such-folder", cwd=tmp_path)
    assert "git:REF[:FOLDER]" in str(raised.value.hint)


@pytest.mark.parametrize(
    ("spec", "target"),
    [
        ("pypi:mcp-server-time==1.0", "pypi:mcp-server-time==1.0"),
        ("npm:@scope/server@1.2.0", "npm:@scope/server@1.2.0"),
        ("http://127.0.0.1:9/mcp", "http://127.0.0.1:9/mcp"),
        ("dist/x-1.0-py3-none-any.whl", "{cwd}/dist/x-1.0-py3-none-any.whl"),
    ],
)
def test_inspect_targets_are_probed_with_the_inspect_machinery(
    spec: str, target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def fake_inspect(name: str, **options: Any) -> ServerSnapshot:
        seen.append(name)
        return ServerSnapshot(target=name, protocol_version="x", server_info={}, capabilities={}, tools=[])

    monkeypatch.setattr("mcpship.probe.inspect_server", fake_inspect)
    side = load_side(spec, cwd=tmp_path)
    assert seen == [target.format(cwd=tmp_path)]
    assert side.source == spec
    assert side.lock.items("tools") == {}


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo, check=True, capture_output=True, timeout=60,
    )  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose commit tagged v1 has sub/mcp-interface.json (tools a, b) and whose HEAD removed b."""
    (tmp_path / "sub").mkdir()
    git(tmp_path, "init", "-q")
    write_lock(make_lock("a", "b"), tmp_path / "sub" / "mcp-interface.json")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "one")
    git(tmp_path, "tag", "v1")
    write_lock(make_lock("a"), tmp_path / "sub" / "mcp-interface.json")
    git(tmp_path, "commit", "-qam", "two")
    return tmp_path


def test_git_ref_reads_the_lock_of_the_current_folders_project(repo: Path) -> None:
    side = load_side("git:v1", cwd=repo / "sub")
    assert sorted(side.lock.items("tools")) == ["a", "b"]
    assert side.source == "git show v1:sub/mcp-interface.json"


def test_git_ref_with_a_folder_reads_that_projects_lock(repo: Path) -> None:
    result = diff_interfaces("git:v1:sub", "git:HEAD:sub", cwd=repo)
    assert [(c.rule, c.key) for c in result.classification.changes] == [("tool.removed", "b")]


def test_git_ref_without_a_lock_at_that_ref_says_how_to_get_one(repo: Path) -> None:
    with pytest.raises(LockError, match=r"v1 has no mcp-interface\.json") as raised:
        load_side("git:v1", cwd=repo)
    assert "mcpship lock" in str(raised.value.hint)


def test_an_unknown_ref_is_a_usage_error_naming_it(repo: Path) -> None:
    with pytest.raises(UsageError, match="'v2' is not a commit, branch or tag") as raised:
        load_side("git:v2:sub", cwd=repo)
    assert "git fetch --tags" in str(raised.value.hint)


@pytest.mark.parametrize("spec", ["git:", "git:--output=/tmp/x", "git::sub"])
def test_a_missing_ref_or_one_that_reads_as_an_option_is_refused(spec: str, repo: Path) -> None:
    with pytest.raises(UsageError, match="no git ref"):
        load_side(spec, cwd=repo)


def test_a_git_folder_that_does_not_exist_is_a_usage_error(repo: Path) -> None:
    with pytest.raises(UsageError, match="is not a folder"):
        load_side("git:v1:nowhere", cwd=repo)


def test_a_folder_outside_any_repository_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    with pytest.raises(UsageError, match="is not inside a git repository"):
        load_side("git:HEAD", cwd=tmp_path)


def test_a_committed_lock_too_large_is_refused_before_reading(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sides, "MAX_FILE_BYTES", 10)
    with pytest.raises(LockError, match="larger than"):
        load_side("git:v1:sub", cwd=repo)


def test_a_committed_file_that_is_not_a_lock_names_its_git_source(repo: Path) -> None:
    (repo / "sub" / "mcp-interface.json").write_text(json.dumps({"lockVersion": 99}), encoding="utf-8")
    git(repo, "commit", "-qam", "broken")
    with pytest.raises(LockError, match=r"^git show HEAD:sub/mcp-interface.json: not an mcpship interface lock"):
        load_side("git:HEAD:sub", cwd=repo)


def test_git_missing_is_a_toolchain_error(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(ToolchainError, match="git is not installed"):
        load_side("git:v1:sub", cwd=repo)


def test_probe_options_reach_the_inspect_machinery_for_both_sides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mcpship._reporter import NullReporter
    from mcpship.probe import ProbeLimits

    calls: list[tuple[str, dict[str, Any]]] = []

    def fake_inspect(name: str, **options: Any) -> ServerSnapshot:
        calls.append((name, options))
        tools = [{"name": "t", "inputSchema": {"type": "object"}}] if name.endswith("2") else []
        return ServerSnapshot(target=name, protocol_version="x", server_info={}, capabilities={}, tools=tools)

    def spawner(plan: Any) -> Any:
        raise AssertionError("not called by the fake")

    monkeypatch.setattr("mcpship.probe.inspect_server", fake_inspect)
    limits, reporter = ProbeLimits(max_message_bytes=1024), NullReporter()
    options: dict[str, Any] = {
        "env": {"A": "1"},
        "inherit_env": True,
        "timeout": 5.0,
        "spawner": spawner,
        "limits": limits,
    }
    result = diff_interfaces(
        "npm:a@1", "npm:a@2", cwd=tmp_path, reporter=reporter, env={"A": "1"}, inherit_env=True, timeout=5.0,
        spawner=spawner, limits=limits,
    )  # fmt: skip
    assert calls == [("npm:a@1", {**options, "reporter": reporter}), ("npm:a@2", {**options, "reporter": reporter})]
    assert result.new.spec == "npm:a@2"
    assert [change.rule for change in result.classification.changes] == ["tool.added"]

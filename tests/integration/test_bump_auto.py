"""``mcpship bump auto`` and the interface check of explicit bumps, through the installed script, on copies of both
examples in their own git repository with the release tagged: the live server against the lock kept at the tag."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, json_result, run_mcpship

PY_SERVER = Path("src") / "notes_mcp" / "server.py"
NODE_SERVER = Path("src") / "server.js"
PY_TAGS = '    tags: Annotated[list[str] | None, Field(description="Optional tags.")] = None,\n'
NODE_TAGS = "                tags: z.array(z.string()).optional().describe('Optional tags for grouping and search')\n"


def git(root: Path, *arguments: str) -> str:
    completed = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *arguments],
        cwd=root, capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    return completed.stdout


def released(root: Path, tag: str = "v0.1.0") -> Path:
    """``root`` as a git repository whose only commit, tagged ``tag``, is the example as released."""
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "release")
    git(root, "tag", tag)
    return root


@pytest.fixture
def py_release(tmp_path: Path, notes_py: Path) -> Path:
    root = tmp_path / "notes-py"
    shutil.copytree(notes_py, root, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "dist", ".venv"))
    return released(root)


@pytest.fixture
def node_release(tmp_path: Path, notes_node: Path) -> Path:
    root = tmp_path / "notes-node"
    shutil.copytree(notes_node, root, ignore=shutil.ignore_patterns("node_modules"))
    (root / ".gitignore").write_text("node_modules\n")
    (root / "node_modules").symlink_to(notes_node / "node_modules", target_is_directory=True)
    return released(root)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path} no longer holds {old!r}: update the test's edit"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def add_required_parameter(root: Path) -> None:
    if (root / PY_SERVER).exists():
        folder = '    folder: Annotated[str, Field(description="Where to file it.")],\n'
        edit(root / PY_SERVER, PY_TAGS, folder + PY_TAGS)
    else:
        edit(root / NODE_SERVER, NODE_TAGS, NODE_TAGS.rstrip("\n") + ",\n                folder: z.string()\n")


def add_tool(root: Path) -> None:
    if (root / PY_SERVER).exists():
        tool = '\n\n@server.tool()\ndef count_notes() -> str:\n    """How many notes there are."""\n    return "0"\n'
        (root / PY_SERVER).write_text((root / PY_SERVER).read_text(encoding="utf-8") + tool, encoding="utf-8")
    else:
        edit(
            root / NODE_SERVER,
            "    server.registerTool(\n        'add_note',",
            "    server.registerTool('count_notes', { description: 'How many notes there are.' }, async () =>"
            " text('0'));\n\n    server.registerTool(\n        'add_note',",
        )


def remove_tool(root: Path) -> None:
    """delete_note's code stays; it is just no longer registered."""
    if (root / PY_SERVER).exists():
        decorator = '@server.tool(\n    title="Delete a note",'
        edit(root / PY_SERVER, decorator, decorator.replace("@server.tool(", "@(lambda **_: (lambda f: f))("))
    else:
        registration = "server.registerTool(\n        'delete_note',"
        edit(root / NODE_SERVER, registration, "({ registerTool() {} })." + registration.removeprefix("server."))


def version_files(root: Path) -> dict[str, str]:
    """Each file that holds the version, as text (node_modules left out)."""
    names = ["pyproject.toml", "src/notes_mcp/__init__.py", "package.json", "package-lock.json"]
    return {name: (root / name).read_text(encoding="utf-8") for name in names if (root / name).exists()}


@pytest.mark.parametrize("example", ["py_release", "node_release"])
def test_bump_auto_after_a_required_parameter_is_a_breaking_bump_which_under_0x_is_the_minor(
    example: str, request: pytest.FixtureRequest
) -> None:
    root: Path = request.getfixturevalue(example)
    before = version_files(root)
    add_required_parameter(root)

    result = run_mcpship("bump", "auto", str(root), "--json")

    assert result.returncode == 0, result.stderr
    plan = json_result(result.stdout)
    assert (plan["current"], plan["new"], plan["written"]) == ("0.1.0", "0.2.0", True)
    assert "a major change" in plan["interface"]
    after = version_files(root)
    assert set(after) == set(before)
    for name, text in before.items():  # every place updated, and nothing else in the file
        assert after[name] == text.replace("0.1.0", "0.2.0"), name
    assert {place["new"] for place in plan["places"]} == {"0.2.0"}


@pytest.mark.parametrize("example", ["py_release", "node_release"])
def test_bump_auto_after_adding_a_tool_is_a_minor_bump(example: str, request: pytest.FixtureRequest) -> None:
    root: Path = request.getfixturevalue(example)
    assert run_mcpship("bump", "major", str(root)).returncode == 0  # 1.0.0: out of 0.x, where minor means minor
    git(root, "commit", "-q", "-am", "1.0.0")
    git(root, "tag", "v1.0.0")
    add_tool(root)

    result = run_mcpship("bump", "auto", "--dry-run", str(root), "--json")

    assert result.returncode == 0, result.stderr
    plan = json_result(result.stdout)
    assert (plan["current"], plan["new"]) == ("1.0.0", "1.1.0")
    assert plan["interface"] == "1 interface change since v1.0.0: a minor change, at least 1.1.0"


def test_an_explicit_patch_after_a_tool_is_removed_is_refused_naming_the_rule(py_release: Path) -> None:
    remove_tool(py_release)
    before = version_files(py_release)

    refused = run_mcpship("bump", "patch", str(py_release))

    assert_clean_error(refused, 15)
    assert "tool.removed (tools delete_note)" in refused.stderr
    assert "at least 0.2.0" in refused.stderr
    assert version_files(py_release) == before
    as_json = json.loads(run_mcpship("bump", "patch", str(py_release), "--json").stdout)
    assert [(p["kind"], p["exitCode"]) for p in as_json["problems"]] == [("InterfaceChangeError", 15)]
    forced = run_mcpship("bump", "patch", "--force", str(py_release), "--json")
    assert json_result(forced.stdout)["new"] == "0.1.1"


def test_an_explicit_minor_after_a_removal_under_0x_is_enough(node_release: Path) -> None:
    remove_tool(node_release)

    result = run_mcpship("bump", "minor", "--dry-run", str(node_release), "--json")

    assert result.returncode == 0, result.stderr
    assert json_result(result.stdout)["interface"].endswith("a major change, at least 0.2.0")


def test_check_fails_the_bump_gate_when_the_version_was_not_raised_for_a_breaking_change(node_release: Path) -> None:
    remove_tool(node_release)
    assert run_mcpship("lock", str(node_release)).returncode == 0  # the lock is current; the version is not

    result = run_mcpship("check", str(node_release), "--json")

    assert result.returncode == 14, result.stderr
    gates = {g["name"]: (g["status"], g["kind"]) for g in json.loads(result.stdout)["result"]["gates"]}
    assert gates["lock"] == ("passed", None)
    assert gates["bump"] == ("failed", "InterfaceChangeError")
    assert run_mcpship("bump", "auto", str(node_release)).returncode == 0
    assert run_mcpship("check", str(node_release)).returncode == 0


def test_bump_auto_without_a_release_tag_says_how_to_get_one(tmp_path: Path, notes_node: Path) -> None:
    root = tmp_path / "untagged"
    shutil.copytree(notes_node, root, ignore=shutil.ignore_patterns("node_modules"))

    result = run_mcpship("bump", "auto", str(root))

    assert_clean_error(result, 13)
    assert "no release tag" in result.stderr
    assert "git tag v" in result.stderr

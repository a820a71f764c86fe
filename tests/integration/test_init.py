"""``mcpship init`` in a git checkout, then ``mcpship build``, through the installed script (issue 13 A.4, A.5)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import assert_clean_error, run_mcpship

HOST_MINOR = f"{sys.version_info.major}.{sys.version_info.minor}"


def git(root: Path, *arguments: str) -> None:
    subprocess.run(["git", "-C", str(root), *arguments], check=True, capture_output=True, timeout=30)


def newcomer_server(folder: Path, notes_py: Path, *, requires_python: str) -> Path:
    """notes-py as a newcomer has it: its code and pyproject.toml, no mcpship config and no mcp-name marker."""
    folder.mkdir(parents=True)
    pyproject = (notes_py / "pyproject.toml").read_text(encoding="utf-8")
    pyproject = pyproject.replace('requires-python = ">=3.11"', f'requires-python = "{requires_python}"')
    pyproject = pyproject.replace('Repository = "https://github.com/mcpship/mcpship"\n', "")
    (folder / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    readme = (notes_py / "README.md").read_text(encoding="utf-8")
    (folder / "README.md").write_text(
        "\n".join(line for line in readme.splitlines() if "mcp-name" not in line) + "\n", encoding="utf-8"
    )
    shutil.copytree(notes_py / "src", folder / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return folder


def test_init_in_a_git_checkout_names_the_server_from_its_remote_and_the_first_build_succeeds(
    tmp_path: Path, notes_py: Path
) -> None:
    # requires-python admits only this machine's Python: one bundle per platform keeps the test short; the
    # choice of minors itself is tested in tests/unit/spec/test_init_targets.py.
    project = newcomer_server(tmp_path / "notes-mcp", notes_py, requires_python=f"=={HOST_MINOR}.*")
    git(project, "init", "-q")
    git(project, "remote", "add", "origin", "https://github.com/acme/notes-mcp.git")

    init = run_mcpship("init", str(project))
    assert init.returncode == 0, init.stderr
    assert "io.github.acme/notes-mcp" in init.stdout
    assert "added the ownership marker mcp-name: io.github.acme/notes-mcp" in init.stdout
    text = (project / "mcpship.toml").read_text(encoding="utf-8")
    written = tomllib.loads(text)
    assert written["name"] == "io.github.acme/notes-mcp"
    assert written["repository"] == "https://github.com/acme/notes-mcp"
    # the variables the server reads, each with where it was seen
    assert [(env["name"], env["required"], env.get("secret", False)) for env in written["env"]] == [
        ("NOTES_DIR", True, False),
        ("NOTES_TOKEN", True, True),
    ]
    assert '# detected: os.environ.get("NOTES_DIR") in src/notes_mcp/server.py:22;' in text
    assert written["targets"]["mcpb"]["python_versions"] == [HOST_MINOR]
    assert "linux-x86_64" in written["targets"]["mcpb"]["platforms"]
    assert written["targets"]["server-json"] == {
        "mcpb_url": "https://github.com/acme/notes-mcp/releases/download/v{version}/{file}"
    }

    build = run_mcpship("build", str(project), timeout=170)
    assert build.returncode == 0, build.stderr
    names = sorted(path.name for path in (project / "dist").iterdir())
    cp = "cp" + HOST_MINOR.replace(".", "")
    assert f"notes-mcp-0.1.0-linux-x86_64-{cp}.mcpb" in names
    assert "server.json" in names
    server = json.loads((project / "dist" / "server.json").read_text(encoding="utf-8"))
    assert server["name"] == "io.github.acme/notes-mcp"
    assert {package["registryType"] for package in server["packages"]} == {"pypi", "mcpb"}


def test_init_without_a_remote_writes_the_placeholder_and_build_refuses_it_with_the_fix(
    tmp_path: Path, notes_py: Path
) -> None:
    project = newcomer_server(tmp_path / "notes-mcp", notes_py, requires_python=f"=={HOST_MINOR}.*")
    init = run_mcpship("init", "--no-probe", str(project))
    assert init.returncode == 0, init.stderr
    assert "note: name is the placeholder io.github.your-github-user/notes-mcp" in init.stderr
    assert "mcp-name" not in (project / "README.md").read_text(encoding="utf-8")  # no marker for a placeholder

    git(project, "init", "-q")
    git(project, "remote", "add", "origin", "git@github.com:acme/notes-mcp.git")
    for verb in ("build", "ship"):
        refused = run_mcpship(verb, str(project))
        assert_clean_error(refused, 3)
        assert f"error: {project / 'mcpship.toml'}: name: 'io.github.your-github-user/notes-mcp'" in refused.stderr
        assert 'hint: set name = "io.github.acme/notes-mcp" in' in refused.stderr
    validated = run_mcpship("validate", str(project))
    assert validated.returncode == 9, validated.stderr  # validate's exit code for an invalid file
    assert "'io.github.your-github-user/notes-mcp' is the placeholder" in validated.stderr
    assert 'set name = "io.github.acme/notes-mcp" in' in validated.stderr
    assert not (project / "dist").exists()

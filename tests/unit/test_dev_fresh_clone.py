"""The README's quickstart, as dev/fresh-clone reads and runs it: exactly two commands, of the documented shape."""

from __future__ import annotations

import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.readme_quickstart import QuickstartError, quickstart_commands

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_quickstart_is_exactly_two_commands() -> None:
    assert len(quickstart_commands(README)) == 2


def test_the_first_command_installs_this_checkout_then_ships_an_example_of_it() -> None:
    install, ship = quickstart_commands(README)[0].split(" && ")
    assert shlex.split(install) == ["pip", "install", "."]
    program, verb, folder = shlex.split(ship)
    assert (program, verb) == ("mcpship", "ship")
    example = ROOT / folder
    assert example.parent == ROOT / "examples"
    declared = (example / "mcpship.toml").is_file() or "mcpship" in tomllib.loads(
        (example / "pyproject.toml").read_text(encoding="utf-8")
    ).get("tool", {})
    assert declared, f"{folder} has no mcpship.toml and no [tool.mcpship]"


def test_the_second_command_is_the_test_script_ci_runs() -> None:
    assert quickstart_commands(README)[1] == "dev/test"
    assert "\ndev/test " in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_comments_blank_lines_and_other_sections_are_not_commands() -> None:
    readme = "\n".join(
        [
            "## Install",
            "```bash",
            "pip install mcpship",
            "```",
            "## Quickstart",
            "Two commands:",
            "```bash",
            "# 1. the first",
            "make \\",
            "  all",
            "",
            "# 2. the second",
            "make check",
            "```",
            "```bash",
            "not this block",
            "```",
            "## Next",
        ]
    )
    assert quickstart_commands(readme) == ["make all", "make check"]


@pytest.mark.parametrize(
    ("readme", "reason"),
    [
        ("# mcpship\n```bash\nmake\n```\n", "no '## Quickstart' heading"),
        ("## Quickstart\nrun make\n## Next\n```bash\nmake\n```\n", "no closed ``` block"),
        ("## Quickstart\n```bash\nmake \\\n```\n", "ends in a line continuation"),
    ],
)
def test_a_readme_without_a_readable_quickstart_block_is_refused(readme: str, reason: str) -> None:
    with pytest.raises(QuickstartError, match=reason):
        quickstart_commands(readme)


def test_the_script_prints_the_commands_one_a_line_as_dev_fresh_clone_reads_them() -> None:
    script = ROOT / "tests" / "readme_quickstart.py"
    completed = subprocess.run(
        [sys.executable, str(script), str(ROOT / "README.md")], capture_output=True, text=True, timeout=60, check=True
    )
    assert completed.stdout.splitlines() == quickstart_commands(README)


def test_the_script_names_the_readme_it_cannot_read(tmp_path: Path) -> None:
    script = ROOT / "tests" / "readme_quickstart.py"
    missing = tmp_path / "README.md"
    completed = subprocess.run(
        [sys.executable, str(script), str(missing)], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 2
    assert completed.stderr.startswith(f"error: {missing}: ")

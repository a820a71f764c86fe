"""The ``$ mcpship …`` examples in docs/ run, from the repository root, and succeed."""

from __future__ import annotations

import re
import shlex
import sys

import pytest

from tests.conftest import ROOT, run_mcpship

_BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def documented_commands() -> list[tuple[str, str]]:
    found = []
    for page in sorted((ROOT / "docs").glob("*.md")):
        for block in _BLOCK.findall(page.read_text(encoding="utf-8")):
            for line in block.splitlines():
                if line.startswith("$ mcpship "):
                    found.append((page.name, line[2:]))
    return found


def test_the_docs_have_runnable_examples() -> None:
    assert len(documented_commands()) >= 5


@pytest.mark.parametrize(("page", "command"), documented_commands())
def test_documented_command_succeeds(page: str, command: str) -> None:
    args = [sys.executable if word == "python" else word for word in shlex.split(command)[1:]]
    result = run_mcpship(*args, cwd=ROOT)
    assert result.returncode == 0, f"{page}: {command}\n{result.stderr}"

"""``mcpship inspect pypi:NAME`` when the console script is not named like the package, through the installed script,
against a local pypiserver (the wheels have no dependencies, so no other index is asked)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SERVERS, assert_clean_error, run_mcpship
from tests.registry_support.package_registries import running_pypiserver

_SERVER = """
from ._legacy import initialize_result, method_not_found, reply, requests


def main() -> None:
    for method, message_id, _params in requests():
        if method == "initialize":
            reply(message_id, initialize_result({"name": "word-tools", "version": "1.0.0"}, {"tools": {}}))
        elif method == "tools/list":
            reply(message_id, {"tools": [{"name": "count_words", "inputSchema": {"type": "object"}}]})
        else:
            method_not_found(message_id)
"""


def _wheel(source: Path, packages: Path, name: str, scripts: list[str]) -> None:
    module = name.replace("-", "_")
    root = source / name
    (root / module).mkdir(parents=True)
    shutil.copy(SERVERS / "_legacy.py", root / module / "_legacy.py")
    (root / module / "__init__.py").write_text("", encoding="utf-8")
    (root / module / "server.py").write_text(textwrap.dedent(_SERVER), encoding="utf-8")
    listed = "\n".join(f'{script} = "{module}.server:main"' for script in scripts)
    (root / "pyproject.toml").write_text(
        textwrap.dedent(f"""\
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"

            [project]
            name = "{name}"
            version = "1.0.0"
            requires-python = ">=3.10"

            [project.scripts]
            """)
        + listed
        + f'\n\n[tool.hatch.build.targets.wheel]\npackages = ["{module}"]\n',
        encoding="utf-8",
    )
    # The venv's own hatchling: building the test packages needs no index.
    built = subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(packages)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert built.returncode == 0, built.stderr


@pytest.fixture(scope="module")
def local_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("pypiserver")
    packages = directory / "packages"
    packages.mkdir()
    source = directory / "source"
    _wheel(source, packages, "word-tools-mcp", ["word_mcp_server"])
    _wheel(source, packages, "two-tools-mcp", ["alpha-server", "beta-server"])
    with running_pypiserver(directory) as url:
        yield f"{url}/simple/"


@pytest.fixture
def uv_from_local_index(local_index: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UV_INDEX_URL", local_index)
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    monkeypatch.setenv("UV_PYTHON", sys.executable)


@pytest.mark.usefixtures("uv_from_local_index")
def test_the_only_console_script_runs_when_it_is_not_named_like_the_package() -> None:
    result = run_mcpship("inspect", "--json", "--timeout", "120", "pypi:word-tools-mcp@1.0.0")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    data = document.get("result", document)
    assert [tool["name"] for tool in data["tools"]] == ["count_words"]


@pytest.mark.usefixtures("uv_from_local_index")
def test_several_console_scripts_are_listed_with_the_script_option() -> None:
    result = run_mcpship("inspect", "--timeout", "120", "pypi:two-tools-mcp")
    assert_clean_error(result, 2)
    assert "pypi:two-tools-mcp: the package has several console scripts" in result.stderr
    assert "hint: name the one that starts the server with --script NAME (one of: alpha-server, beta-server)" in (
        result.stderr
    )

    chosen = run_mcpship("inspect", "--json", "--timeout", "120", "--script", "beta-server", "pypi:two-tools-mcp")
    assert chosen.returncode == 0, chosen.stderr

"""A third-party target, installed as its own package in a fresh virtual environment, builds from its own
``[targets.<name>]`` table through that environment's ``mcpship`` script (docs/plugins.md)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.conftest import Result, assert_clean_error, run_mcpship

PLUGIN = Path(__file__).resolve().parents[1] / "plugins" / "mcpship-hello-target"
ROOT = Path(__file__).resolve().parents[2]
SPEC_FILES = ("pyproject.toml", "README.md", "mcp-interface.json")


@pytest.fixture(scope="module")
def plugin_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv holding mcpship (built from this checkout) and the plugin, nothing else installed in it: the
    test environment's packages (pydantic, mcp, hatchling, pip, ...) are reached through a .pth, so both
    installs are offline and take seconds."""
    home = tmp_path_factory.mktemp("plugin-venv") / "venv"
    venv.EnvBuilder(with_pip=False).create(home)
    python = home / "bin" / "python"
    site_packages = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
    )
    ours = sysconfig.get_path("purelib")
    (site_packages / "test-environment.pth").write_text(f"import site; site.addsitedir({ours!r})\n", encoding="utf-8")
    install = [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index"]
    for project in (ROOT, PLUGIN):  # this checkout's mcpship, then the plugin: two separate packages
        subprocess.run(
            [*install, str(project)],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        )
    assert (home / "bin" / "mcpship").is_file()
    return home


def project(tmp_path: Path, notes_py: Path, hello_table: str) -> Path:
    """notes-py with only ``[targets.hello]`` in its spec."""
    root = tmp_path / "notes-py"
    root.mkdir()
    for name in SPEC_FILES:
        shutil.copy(notes_py / name, root / name)
    spec = (notes_py / "mcpship.toml").read_text(encoding="utf-8")
    head = spec[: spec.index("[targets]")]
    (root / "mcpship.toml").write_text(f"{head}[targets.hello]\n{hello_table}\n", encoding="utf-8")
    return root


def run_in(venv_home: Path, *args: str) -> Result:
    """``mcpship ARGS`` through the script installed in ``venv_home``."""
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONPATH")}
    done = subprocess.run(
        [str(venv_home / "bin" / "mcpship"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "NO_COLOR": "1", "COLUMNS": "200"},
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def test_the_plugin_builds_from_its_own_table_and_verifies_with_its_own_step(
    plugin_venv: Path, tmp_path: Path, notes_py: Path
) -> None:
    root = project(tmp_path, notes_py, 'greeting = "Bonjour"\nrepeat = 2')
    built = run_in(plugin_venv, "build", str(root), "--json")
    assert built.returncode == 0, built.stderr
    [artifact] = json.loads(built.stdout)["result"]["built"]
    assert (artifact["target"], artifact["kind"]) == ("hello", "hello")
    assert (root / "dist" / "hello.txt").read_text(
        encoding="utf-8"
    ) == "Bonjour, io.github.mcpship/notes-py 0.1.0!\n" * 2
    checked = run_in(plugin_venv, "verify", str(root / "dist"), "--json")
    assert checked.returncode == 0, checked.stderr
    assert "greets the server" in checked.stdout


def test_an_unknown_key_in_the_plugins_table_is_refused_naming_file_table_and_key(
    plugin_venv: Path, tmp_path: Path, notes_py: Path
) -> None:
    root = project(tmp_path, notes_py, 'greetng = "Bonjour"')
    refused = run_in(plugin_venv, "build", str(root))
    assert_clean_error(refused, 3)
    message = re.search(r"^error: (.*)$", refused.stderr, re.MULTILINE)
    assert message is not None
    assert message.group(1) == (
        f'{root / "mcpship.toml"}: unknown key "greetng" in [targets.hello]; did you mean "greeting"?'
    )
    assert 'hint: rename "greetng" to "greeting"' in refused.stderr
    assert not (root / "dist" / "hello.txt").exists()


def test_without_the_plugin_installed_the_table_is_an_unknown_target(tmp_path: Path, notes_py: Path) -> None:
    root = project(tmp_path, notes_py, 'greeting = "Bonjour"')
    result = run_mcpship("build", str(root))  # this environment's mcpship: the plugin is only in the other venv
    assert_clean_error(result, 3)
    assert "unknown target 'hello'" in result.stderr
    assert "entry point group mcpship.targets" in result.stderr

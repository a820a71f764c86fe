"""dev/system-deps, which dev/test and .ci/run run first: what a machine lacks stops the run at once, with the
commands that install it; nothing missing is silent. Run on a PATH of stand-ins, in --check mode (never installs)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TAG = (ROOT / "tests" / "tools" / "official-registry.version").read_text().strip()
TOOLS = ("umoci", "runc", "skopeo", "debootstrap", "docker-registry", "buildah", "git", "curl", "openssl")
BASH = shutil.which("bash") or "/bin/bash"
SBIN = "/usr/sbin:/sbin"  # dev/system-deps also looks there (Debian's debootstrap and runc)


def stand_in(folder: Path, name: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH holds only bash, dirname and a stand-in go: every package is missing."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("bash", "dirname"):
        found = shutil.which(name)
        assert found is not None
        (bin_dir / name).symlink_to(found)
    stand_in(bin_dir, "go")
    return {
        "PATH": str(bin_dir),
        "HOME": str(tmp_path / "home"),
        "MCPSHIP_TEST_CACHE": str(tmp_path / "cache"),
        "MCPSHIP_TEST_PG_BIN": str(tmp_path / "pg"),
    }


def complete(machine: dict[str, str]) -> None:
    """Give the machine a stand-in of everything dev/system-deps looks for."""
    bin_dir = Path(machine["PATH"])
    for name in (*TOOLS, "chromium", "node", "npm", "python3"):
        stand_in(bin_dir, name)
    made = {Path(machine["MCPSHIP_TEST_PG_BIN"]): ["initdb"], oracles(machine): ["registry", "publisher"]}
    for folder, names in made.items():
        folder.mkdir(parents=True)
        for name in names:
            stand_in(folder, name)


def oracles(machine: dict[str, str]) -> Path:
    return Path(machine["MCPSHIP_TEST_CACHE"]) / "go-bin" / TAG


def system_deps(machine: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BASH, str(ROOT / "dev" / "system-deps"), *args],
        env=machine,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def expected_packages(machine: dict[str, str]) -> list[str]:
    """The packages a machine of stand-ins lacks: all, but for what this machine has under sbin (or Chromium)."""
    search = f"{machine['PATH']}:{SBIN}"
    packages = [tool for tool in TOOLS if shutil.which(tool, path=search) is None]
    packages.append("postgresql-15")
    if shutil.which("chromium", path=search) is None and not os.access("/usr/lib/chromium/chromium", os.X_OK):
        packages.append("chromium")
    return [*packages, "nodejs", "npm", "python3", "python3-venv"]


def test_what_is_missing_stops_with_the_apt_and_go_commands_that_install_it(machine: dict[str, str]) -> None:
    result = system_deps(machine, "--check")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: the tests need what this machine lacks: ")
    assert f"PostgreSQL 15 ({machine['MCPSHIP_TEST_PG_BIN']}/initdb)" in lines[0]
    assert lines[0].endswith(f", the official MCP registry {TAG} and mcp-publisher (test oracles)")
    assert lines[1] == "hint: install it, then run dev/test again:"
    packages = " ".join(expected_packages(machine))
    sudo = "" if os.geteuid() == 0 else "sudo "
    install = f"  {sudo}apt-get update && {sudo}apt-get install -y {packages}"
    no_apt = f"  (no apt-get here) install what these Debian packages provide: {packages}"
    assert lines[2] == (install if shutil.which("apt-get", path=f"{machine['PATH']}:{SBIN}") else no_apt)
    module = "github.com/modelcontextprotocol/registry"
    assert lines[3] == (
        f"  GOBIN={oracles(machine)} GOFLAGS=-buildvcs=false go install "
        f"{module}/cmd/registry@{TAG} {module}/cmd/publisher@{TAG}"
    )
    assert result.stdout == ""


def test_only_what_is_missing_is_named(machine: dict[str, str]) -> None:
    complete(machine)
    (Path(machine["PATH"]) / "buildah").unlink()
    (oracles(machine) / "publisher").unlink()
    result = system_deps(machine, "--check")
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        f"error: the tests need what this machine lacks: buildah, the official MCP registry {TAG} and mcp-publisher "
        "(test oracles)"
    )


def test_a_complete_machine_passes_silently(machine: dict[str, str]) -> None:
    complete(machine)
    result = system_deps(machine)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_skip_does_not_look_and_an_unknown_mode_is_refused(machine: dict[str, str]) -> None:
    assert system_deps({**machine, "MCPSHIP_SYSTEM_DEPS": "skip"}).returncode == 0
    refused = system_deps({**machine, "MCPSHIP_SYSTEM_DEPS": "sometimes"})
    assert refused.returncode == 2
    assert refused.stderr == "error: MCPSHIP_SYSTEM_DEPS=sometimes is not one of install, check, skip\n"


def test_dev_test_stops_before_installing_or_testing_anything(machine: dict[str, str], tmp_path: Path) -> None:
    """A copy of dev/test and dev/system-deps in an empty project: a run that went on would have made .venv."""
    project = tmp_path / "project"
    (project / "dev").mkdir(parents=True)
    (project / "tests" / "tools").mkdir(parents=True)
    for script in ("test", "system-deps"):
        shutil.copy2(ROOT / "dev" / script, project / "dev" / script)
    shutil.copy2(ROOT / "tests" / "tools" / "official-registry.version", project / "tests" / "tools")
    result = subprocess.run(
        [BASH, str(project / "dev" / "test")],
        env={**machine, "MCPSHIP_SYSTEM_DEPS": "check"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: the tests need what this machine lacks: ")
    assert result.stdout == ""
    assert not (project / ".venv").exists()

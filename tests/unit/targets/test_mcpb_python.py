"""The Python side of a bundle: requires-python as semver, the launcher, stable installed metadata."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mcpship.targets.mcpb.python import (
    _console_entry,
    _make_stable,
    compiled_distributions,
    launcher_source,
    oldest_python,
    python_runtime_range,
)


@pytest.mark.parametrize(
    ("requires", "expected"),
    [
        (">=3.11", ">=3.11 <4"),
        (">=3.10,<3.14", ">=3.10 <3.14"),
        ("~=3.11", ">=3.11 <4"),
        ("~=3.11.2", ">=3.11.2 <3.12"),
        ("==3.12.*", ">=3.12 <3.13"),
        (">=3.9,!=3.9.1", ">=3.9 <4"),
        (None, None),
        ("not a specifier", None),
    ],
)
def test_requires_python_becomes_the_space_separated_semver_hosts_compare(
    requires: str | None, expected: str | None
) -> None:
    assert python_runtime_range(requires) == expected


def test_the_oldest_admitted_python_is_the_default_target() -> None:
    assert oldest_python(">=3.11") == "3.11"
    assert oldest_python(">=3.10.4,<4") == "3.10"
    assert oldest_python(None) == f"{sys.version_info.major}.{sys.version_info.minor}"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_launcher_runs_the_console_script_from_lib_and_refuses_a_wrong_python(tmp_path: Path) -> None:
    write(tmp_path / "server/lib/demo_pkg/cli.py", "import sys\ndef main():\n    print('ran', sys.argv[0])\n")
    source = launcher_source(command="demo-mcp", entry="demo_pkg.cli:main", exact_python=None, oldest="3.8")
    write(tmp_path / "server/main.py", source)
    completed = subprocess.run(
        [sys.executable, "-I", str(tmp_path / "server/main.py")], capture_output=True, text=True, timeout=30
    )
    assert (completed.returncode, completed.stdout) == (0, "ran demo-mcp\n")

    wrong = launcher_source(command="demo-mcp", entry="demo_pkg.cli:main", exact_python="3.2", oldest=None)
    write(tmp_path / "server/main.py", wrong)
    completed = subprocess.run(
        [sys.executable, "-I", str(tmp_path / "server/main.py")], capture_output=True, text=True, timeout=30
    )
    assert completed.returncode == 1
    assert completed.stderr.startswith("demo-mcp needs Python 3.2 (its compiled libraries are built for it), not 3.")


def test_machine_specific_files_are_dropped_and_record_stays_truthful(tmp_path: Path) -> None:
    info = tmp_path / "demo-1.0.dist-info"
    write(tmp_path / "bin/demo-mcp", "#!/home/me/.venv/bin/python\n")
    write(tmp_path / ".lock", "")
    write(tmp_path / "demo/__pycache__/x.cpython-311.pyc", "")
    write(info / "direct_url.json", '{"url": "file:///home/me/demo"}')
    write(info / "uv_cache.json", '{"timestamp": 1}')
    write(
        info / "RECORD",
        "bin/demo-mcp,sha256=x,1\ndemo/__init__.py,sha256=y,2\n"
        "demo-1.0.dist-info/direct_url.json,sha256=z,3\ndemo-1.0.dist-info/RECORD,,\n",
    )
    _make_stable(tmp_path)
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert left == ["demo-1.0.dist-info/RECORD"]
    assert (info / "RECORD").read_text(encoding="utf-8") == "demo/__init__.py,sha256=y,2\ndemo-1.0.dist-info/RECORD,,\n"


def test_platform_specific_wheels_are_named_and_the_project_provides_the_script(tmp_path: Path) -> None:
    write(tmp_path / "pure-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    write(tmp_path / "abi3-1.0.dist-info/WHEEL", "Root-Is-Purelib: false\nTag: cp38-abi3-manylinux_2_17_x86_64\n")
    write(tmp_path / "abi3-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: Abi3-Thing\n\nbody")
    write(tmp_path / "oddpure-1.0.dist-info/WHEEL", "Root-Is-Purelib: true\nTag: py3-none-win_amd64\n")
    assert compiled_distributions(tmp_path) == ("abi3-thing", "oddpure")

    write(tmp_path / "other-1.0.dist-info/entry_points.txt", "[console_scripts]\nDemo-MCP = other:main\n")
    write(tmp_path / "demo-1.0.dist-info/entry_points.txt", "[console_scripts]\nDemo-MCP = demo.cli:run [extra]\n")
    assert _console_entry(tmp_path, "Demo-MCP", "demo") == "demo.cli:run"

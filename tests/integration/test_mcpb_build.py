"""Build MCPB bundles of the real example servers, check them with the official schema and CLI, rebuild them
byte for byte, and start them the way a host does."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from mcpship._exceptions import SpecError
from mcpship.interface import read_lock
from mcpship.probe import inspect_server
from mcpship.probe.pyenv import uv_executable
from mcpship.targets import BuiltFile, Target
from mcpship.targets.mcpb import McpbTarget, resolve_mcp_config, unpack_bundle
from mcpship.targets.mcpb.host import host_platform
from mcpship.validate.mcpb import validate_bundle
from tests.unit.targets.mcpb_support import (
    copy_example,
    make_context,
    make_identity,
    official_library,
    png,
    run_mcpb,
    schema_errors,
)

AUTHOR = '{ name = "mcpship tests", email = "tests@mcpship.dev" }'
UV_TABLE = "{ author = " + AUTHOR + ', manifest_version = "0.4", server_type = "uv" }'
_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "arm64": "arm64", "aarch64": "arm64"}
HERE = f"{host_platform()}-{_ARCH.get(platform.machine().lower(), platform.machine())}"
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def build(root: Path, out: Path, **options: Any) -> list[BuiltFile]:
    target = McpbTarget()
    assert isinstance(target, Target)
    context = make_context(root, out, **options)
    assert target.check(context) == []
    return target.build(context)


def manifest_of(bundle: Path) -> dict[str, Any]:
    with zipfile.ZipFile(bundle) as archive:
        data: dict[str, Any] = json.loads(archive.read("manifest.json"))
        return data


def python_table(**extra: str) -> str:
    fields = {"author": AUTHOR, "platforms": f'["{HERE}"]', "python_versions": f'["{PYTHON}"]', **extra}
    return "{ " + ", ".join(f"{key} = {value}" for key, value in fields.items()) + " }"


@pytest.fixture(scope="module")
def python_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example("notes-py", tmp_path_factory.mktemp("py"), python_table())


@pytest.fixture(scope="module")
def python_bundle(python_project: Path) -> Path:
    ((kind, bundle, platform_name),) = build(python_project, python_project.parent / "out")
    assert (kind, platform_name) == ("mcpb", HERE)
    assert bundle.name == f"notes-py-0.1.0-{HERE}-cp{PYTHON.replace('.', '')}.mcpb"
    return bundle


@pytest.fixture(scope="module")
def node_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example("notes-node", tmp_path_factory.mktemp("node"), "{ author = " + AUTHOR + " }")


@pytest.fixture(scope="module")
def node_bundle(node_project: Path) -> Path:
    ((kind, bundle, platform_name),) = build(node_project, node_project.parent / "out")
    assert (kind, bundle.name, platform_name) == ("mcpb", "notes-node-0.1.0.mcpb", None)
    return bundle


@pytest.mark.parametrize("which", ["python_bundle", "node_bundle"])
def test_the_bundle_passes_the_official_schema_library_and_cli(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    bundle: Path = request.getfixturevalue(which)
    manifest = manifest_of(bundle)
    assert manifest["manifest_version"] == "0.3"
    assert schema_errors(manifest, "0.3") == []
    assert official_library("manifest", [manifest]) == [True]
    assert [p.render() for p in validate_bundle(bundle)] == []
    info = run_mcpb("info", bundle)
    assert info.returncode == 0, info.stdout + info.stderr
    unpacked = run_mcpb("unpack", bundle, tmp_path / "official")
    assert unpacked.returncode == 0, unpacked.stdout + unpacked.stderr
    validated = run_mcpb("validate", tmp_path / "official")
    assert "Manifest schema validation passes!" in validated.stdout, validated.stdout + validated.stderr
    ours = unpack_bundle(bundle, tmp_path / "ours")
    assert sorted(p.relative_to(ours) for p in ours.rglob("*")) == sorted(
        p.relative_to(tmp_path / "official") for p in (tmp_path / "official").rglob("*")
    )


def test_the_python_bundle_describes_its_platform_python_and_launch(python_bundle: Path) -> None:
    manifest = manifest_of(python_bundle)
    assert manifest["compatibility"] == {
        "platforms": [host_platform()],
        "runtimes": {"python": f">={PYTHON} <3.{sys.version_info.minor + 1}"},
    }
    assert manifest["server"]["mcp_config"]["env"]["PYTHONPATH"] == "${__dirname}/server/lib"
    assert manifest["user_config"]["notes_token"]["sensitive"] is True
    assert [tool["name"] for tool in manifest["tools"]] == ["add_note", "delete_note", "search_notes"]
    with zipfile.ZipFile(python_bundle) as archive:
        names = archive.namelist()
    assert "server/main.py" in names
    assert any(name.startswith("server/lib/pydantic_core/") for name in names)
    leaks = [n for n in names if "__pycache__" in n or n.endswith(("direct_url.json", "uv_cache.json", ".pyc"))]
    assert leaks == []
    assert not any(name.startswith("server/lib/bin/") for name in names)


def test_rebuilding_the_python_bundle_elsewhere_gives_the_same_bytes(
    python_project: Path, python_bundle: Path, tmp_path: Path
) -> None:
    # A copy of the very same sources in another folder: paths must not leak into the bundle either.
    root = Path(shutil.copytree(python_project, tmp_path / "elsewhere" / "notes-py"))
    ((_, again, _),) = build(root, tmp_path / "out")
    if again.read_bytes() != python_bundle.read_bytes():
        with zipfile.ZipFile(again) as new, zipfile.ZipFile(python_bundle) as old:
            names = sorted(set(new.namelist()) | set(old.namelist()))
            differing = [
                n for n in names if n not in new.namelist() or n not in old.namelist() or new.read(n) != old.read(n)
            ]
        pytest.fail(f"the rebuild differs in: {differing[:10]}")


def run_as_host(bundle: Path, destination: Path, path_prefix: list[str]) -> tuple[list[str], dict[str, str]]:
    unpacked = unpack_bundle(bundle, destination)
    manifest = json.loads((unpacked / "manifest.json").read_text(encoding="utf-8"))
    launch = resolve_mcp_config(manifest, unpacked, user_config={"notes_token": "secret"})
    env = {**launch.env, "PATH": os.pathsep.join([*path_prefix, os.environ.get("PATH", "")])}
    return [launch.command, *launch.args], env


def base_python_dir(tmp_path: Path) -> str:
    """A folder whose python3 is the interpreter behind this venv, which has no mcp installed: the bundle's
    own libraries must be what the server imports."""
    folder = tmp_path / "host-bin"
    folder.mkdir()
    base = Path(sys.base_prefix) / "bin" / f"python{PYTHON}"
    (folder / "python3").symlink_to(base if base.exists() else Path(sys.executable))
    return str(folder)


def test_the_python_bundle_serves_its_tools_when_started_as_a_host_would(python_bundle: Path, tmp_path: Path) -> None:
    argv, env = run_as_host(python_bundle, tmp_path / "ext", [base_python_dir(tmp_path)])
    where = subprocess.run(
        [argv[0], "-c", "import mcp, pydantic_core; print(mcp.__file__)"],
        env={**env, "PYTHONNOUSERSITE": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert where.stdout.startswith(str(tmp_path / "ext" / "server" / "lib"))
    snapshot = inspect_server(None, argv, env=env, timeout=60)
    lock = read_lock(Path(__file__).parents[2] / "examples" / "notes-py" / "mcp-interface.json")
    assert sorted(tool["name"] for tool in snapshot.tools) == sorted(lock.items("tools"))


def test_the_node_bundle_serves_its_tools_when_started_as_a_host_would(node_bundle: Path, tmp_path: Path) -> None:
    argv, env = run_as_host(node_bundle, tmp_path / "ext", [])
    assert argv == ["node", str(tmp_path / "ext" / "bin" / "notes-node-mcp.js")]
    assert env["NOTES_TOKEN"] == "secret"
    snapshot = inspect_server(None, argv, env=env, timeout=60)
    assert sorted(tool["name"] for tool in snapshot.tools) == ["add_note", "delete_note", "search_notes"]


def test_the_node_bundle_carries_production_modules_only(node_bundle: Path) -> None:
    with zipfile.ZipFile(node_bundle) as archive:
        names = archive.namelist()
    own = sorted(name for name in names if not name.startswith("node_modules/"))
    assert own == [
        "README.md",
        "bin/notes-node-mcp.js",
        "manifest.json",
        "package.json",
        "src/http.js",
        "src/server.js",
        "src/store.js",
    ]
    assert any(name.startswith("node_modules/@modelcontextprotocol/sdk/") for name in names)
    assert not any(name.startswith(("node_modules/.bin/", "node_modules/.cache/")) for name in names)
    assert manifest_of(node_bundle)["compatibility"]["runtimes"] == {"node": ">=18"}


def test_a_uv_bundle_honours_mcpbignore_validates_as_04_and_runs_through_uv(tmp_path: Path) -> None:
    root = copy_example("notes-py", tmp_path, UV_TABLE[:-2] + ', icons = [{ src = "assets/icon.png" }] }')
    (root / "assets").mkdir()
    (root / "assets" / "icon.png").write_bytes(png(32, 16))
    (root / "notes.txt").write_text("private notes\n", encoding="utf-8")
    (root / ".env").write_text("NOTES_TOKEN=oops\n", encoding="utf-8")
    (root / ".env.example").write_text("NOTES_TOKEN=\n", encoding="utf-8")
    (root / ".mcpbignore").write_text("notes.txt\n!.env.example\n", encoding="utf-8")
    ((_, bundle, _),) = build(root, tmp_path / "out")
    with zipfile.ZipFile(bundle) as archive:
        names = sorted(archive.namelist())
    assert names == [
        ".env.example",
        "README.md",
        "assets/icon.png",
        "manifest.json",
        "mcp-interface.json",
        "mcpship.toml",
        "pyproject.toml",
        "src/notes_mcp/__init__.py",
        "src/notes_mcp/__main__.py",
        "src/notes_mcp/server.py",
        "src/notes_mcp/store.py",
    ]
    manifest = manifest_of(bundle)
    assert manifest["server"]["type"] == "uv"
    assert manifest["server"]["entry_point"] == "src/notes_mcp/__main__.py"
    assert (manifest["icon"], manifest["icons"]) == ("assets/icon.png", [{"src": "assets/icon.png", "size": "32x16"}])
    assert schema_errors(manifest, "0.4") == []
    assert official_library("manifest", [manifest]) == [True]
    assert [p.render() for p in validate_bundle(bundle)] == []
    assert run_mcpb("unpack", bundle, tmp_path / "official").returncode == 0
    validated = run_mcpb("validate", tmp_path / "official")  # the official icon checks: relative, exists, PNG
    assert "Icon validation passed" in validated.stdout, validated.stdout
    argv, env = run_as_host(bundle, tmp_path / "ext", [str(Path(uv_executable()).parent)])
    snapshot = inspect_server(None, argv, env=env, timeout=120)
    assert len(snapshot.tools) == 3


def test_a_signed_build_passes_validation_and_the_official_cli_reads_it(tmp_path: Path) -> None:
    identity, _ = make_identity(tmp_path, "notes publisher")
    root = copy_example("notes-py", tmp_path, UV_TABLE)
    ((_, bundle, _),) = build(root, tmp_path / "out", sign_key=identity.key, sign_cert=identity.cert)
    problems = validate_bundle(bundle, require_signature=True)
    assert [p.message for p in problems if p.severity == "error"] == []
    assert any("self-signed by notes publisher" in p.message for p in problems)
    assert run_mcpb("info", bundle).returncode == 0


def test_a_uv_lock_pins_the_bundled_versions(python_project: Path, tmp_path: Path) -> None:
    root = Path(shutil.copytree(python_project, tmp_path / "locked" / "notes-py"))
    uv = uv_executable()
    # an older anyio than the index's newest, so only the lock can explain it being bundled
    subprocess.run([uv, "lock", "--quiet", "-P", "anyio==4.15.0"], cwd=root, check=True, timeout=120)
    ((_, bundle, _),) = build(root, tmp_path / "out")
    with zipfile.ZipFile(bundle) as archive:
        assert "server/lib/anyio-4.15.0.dist-info/METADATA" in archive.namelist()


def test_compiled_dependencies_without_platforms_are_a_problem_naming_them(tmp_path: Path) -> None:
    root = copy_example("notes-py", tmp_path, "{ author = " + AUTHOR + " }")
    context = make_context(root, tmp_path / "out")
    (problem,) = McpbTarget().check(context)
    assert problem.path == "[project].dependencies"
    assert "pydantic-core" in problem.message
    assert problem.hint is not None
    assert "platforms = [" in problem.hint
    with pytest.raises(Exception, match="pydantic-core") as caught:
        McpbTarget().build(context)
    assert type(caught.value).__name__ == "BuildError"


def test_rebuilding_the_node_bundle_gives_the_same_bytes(node_project: Path, node_bundle: Path, tmp_path: Path) -> None:
    root = Path(shutil.copytree(node_project, tmp_path / "elsewhere" / "notes-node"))
    ((_, again, _),) = build(root, tmp_path / "out")
    assert again.read_bytes() == node_bundle.read_bytes()


def test_an_icon_that_is_not_a_png_in_the_project_is_a_problem(tmp_path: Path) -> None:
    icons = '[{ src = "logo.svg" }, { src = "../x.png" }]'
    root = copy_example("notes-node", tmp_path, "{ author = " + AUTHOR + ", icons = " + icons + " }")
    (root / "logo.svg").write_text("<svg/>", encoding="utf-8")
    problems = McpbTarget().check(make_context(root, tmp_path / "out"))
    assert [(p.path, p.message) for p in problems] == [
        ("[targets.mcpb].icons[0].src", "icon 'logo.svg' is not a PNG file"),
        ("[targets.mcpb].icons[1].src", "icon '../x.png' is not a file in the project"),
    ]


def test_a_missing_author_is_a_problem_with_the_fix(tmp_path: Path) -> None:
    root = copy_example("notes-node", tmp_path, "{}")
    package = json.loads((root / "package.json").read_text(encoding="utf-8"))
    package.pop("author", None)
    (root / "package.json").write_text(json.dumps(package), encoding="utf-8")
    (problem,) = McpbTarget().check(make_context(root, tmp_path / "out"))
    assert problem.path == "[targets.mcpb].author"
    assert 'package.json "author"' in problem.message
    assert problem.hint is not None
    assert 'author = { name = "Your Name"' in problem.hint


def test_a_typo_in_the_target_table_is_refused_when_the_spec_loads_naming_the_key(tmp_path: Path) -> None:
    root = copy_example("notes-node", tmp_path, '{ manifest_versoin = "0.3" }')
    with pytest.raises(SpecError, match=r'unknown key "manifest_versoin" in \[targets.mcpb\]; did you mean') as caught:
        make_context(root, tmp_path / "out")
    assert caught.value.hint == 'rename "manifest_versoin" to "manifest_version"'

"""Build the Python example's image on a Debian base made by debootstrap, twice to the same digest, inspect it
with skopeo, and run it with umoci + runc (no network, stdin attached) to list its tools over MCP."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from mcpship.interface import read_lock
from mcpship.probe import inspect_server
from mcpship.targets import BuiltFile, Target
from mcpship.targets.oci import MCP_NAME_LABEL, OciTarget, image_bundle
from tests.integration.oci_support import debian_base_layout, require_tool
from tests.unit.targets.mcpb_support import copy_example, make_context

# The first run builds the Debian base with debootstrap (about a minute); later runs reuse the cache.
pytestmark = pytest.mark.timeout(900)

SERVER_NAME = "io.github.mcpship/notes-py"


@pytest.fixture(scope="module")
def python_base() -> Path:
    return debian_base_layout("python")


def build_image(destination: Path, base: Path) -> tuple[list[BuiltFile], Path]:
    root = copy_example("notes-py", destination)
    spec_file = root / "mcpship.toml"
    table = f'oci = {{ base_layout = {json.dumps(str(base))}, base_tag = "bookworm" }}\n'
    spec_file.write_text(spec_file.read_text(encoding="utf-8") + table, encoding="utf-8")
    target = OciTarget()
    assert isinstance(target, Target)
    context = make_context(root, destination / "out")
    assert target.check(context) == []
    return target.build(context), root


@pytest.fixture(scope="module")
def python_image(tmp_path_factory: pytest.TempPathFactory, python_base: Path) -> Path:
    outputs, _ = build_image(tmp_path_factory.mktemp("oci-py"), python_base)
    kinds = {kind: (path, platform) for kind, path, platform in outputs}
    assert sorted(kinds) == ["dockerfile", "dockerignore", "oci"]
    image, platform = kinds["oci"]
    assert image.name == "notes-py-0.1.0.oci.tar"
    assert platform == "linux-amd64" or platform == "linux-arm64"
    return image


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_builds_give_byte_identical_images(tmp_path: Path, python_base: Path, python_image: Path) -> None:
    outputs, _ = build_image(tmp_path, python_base)
    again = next(path for kind, path, _ in outputs if kind == "oci")
    assert sha256(again) == sha256(python_image)


def test_skopeo_reads_the_image_and_its_mcp_label(python_image: Path) -> None:
    skopeo = require_tool("skopeo", "skopeo")
    completed = subprocess.run(
        [skopeo, "inspect", f"oci-archive:{python_image}:0.1.0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    inspected = json.loads(completed.stdout)
    assert inspected["Labels"][MCP_NAME_LABEL] == SERVER_NAME
    assert inspected["Labels"]["org.opencontainers.image.version"] == "0.1.0"
    assert inspected["Os"] == "linux"
    assert len(inspected["Layers"]) == 2


def test_the_image_runs_with_runc_and_lists_the_locked_tools(tmp_path: Path, python_image: Path) -> None:
    require_tool("umoci", "umoci")
    require_tool("runc", "runc")
    lock = read_lock(Path(__file__).resolve().parents[2] / "examples" / "notes-py" / "mcp-interface.json")
    with image_bundle(python_image, "0.1.0", tmp_path / "run", env={"NOTES_TOKEN": "test-token"}) as plan:
        assert plan.argv[1:3] == ("--root", str(tmp_path / "run" / "runc-state"))
        config = json.loads((tmp_path / "run" / "bundle" / "config.json").read_text())
        assert config["process"]["terminal"] is False
        assert config["process"]["user"] == {"uid": 65532, "gid": 65532}
        assert {"type": "network"} in config["linux"]["namespaces"]
        snapshot = inspect_server(None, plan.argv, env=plan.env, timeout=120)
    assert sorted(tool["name"] for tool in snapshot.tools) == sorted(lock.items("tools"))
    assert not (tmp_path / "run").exists()

"""Build the Node example's image on a Debian base with nodejs (debootstrap), with its production node_modules
read from the example's own tree, and run it with umoci + runc to list its tools over MCP."""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import pytest

from mcpship.interface import read_lock
from mcpship.probe import inspect_server
from mcpship.targets.oci import OciTarget, image_bundle
from tests.integration.oci_support import debian_base_layout, require_tool
from tests.unit.targets.mcpb_support import copy_example, make_context

pytestmark = pytest.mark.timeout(900)  # the first run builds the Debian base (about a minute), then it is cached


@pytest.fixture(scope="module")
def node_image(tmp_path_factory: pytest.TempPathFactory, notes_node: Path) -> Path:
    base = debian_base_layout("node")
    root = copy_example("notes-node", tmp_path_factory.mktemp("oci-node"))
    shutil.copytree(notes_node / "node_modules", root / "node_modules", symlinks=True)
    spec_file = root / "mcpship.toml"
    table = f"oci = {{ base_layout = {json.dumps(str(base))} }}\n"
    spec_file.write_text(spec_file.read_text(encoding="utf-8") + table, encoding="utf-8")
    context = make_context(root, root.parent / "out")
    target = OciTarget()
    assert target.check(context) == []
    outputs = target.build(context)
    assert [kind for kind, _, _ in outputs] == ["dockerfile", "dockerignore", "oci"]
    return outputs[-1][1]


def test_the_node_image_holds_the_package_and_only_production_modules(node_image: Path, tmp_path: Path) -> None:
    with tarfile.open(node_image) as archive:
        archive.extractall(tmp_path / "layout", filter="data")
    index = json.loads((tmp_path / "layout" / "index.json").read_text())
    blobs = tmp_path / "layout" / "blobs" / "sha256"
    manifest = json.loads((blobs / index["manifests"][0]["digest"].removeprefix("sha256:")).read_text())
    config = json.loads((blobs / manifest["config"]["digest"].removeprefix("sha256:")).read_text())
    assert config["config"]["Entrypoint"] == ["node", "/app/bin/notes-node-mcp.js"]
    assert "NODE_ENV=production" in config["config"]["Env"]
    with tarfile.open(blobs / manifest["layers"][-1]["digest"].removeprefix("sha256:")) as layer:
        names = set(layer.getnames())
    assert "app/bin/notes-node-mcp.js" in names
    assert "app/node_modules/@modelcontextprotocol/sdk/package.json" in names
    assert not any(name.startswith("app/test/") for name in names)


def test_the_node_image_runs_with_runc_and_lists_the_locked_tools(
    node_image: Path, notes_node: Path, tmp_path: Path
) -> None:
    require_tool("umoci", "umoci")
    require_tool("runc", "runc")
    lock = read_lock(notes_node / "mcp-interface.json")
    with image_bundle(node_image, "0.1.0", tmp_path / "run", env={"NOTES_TOKEN": "test-token"}) as plan:
        snapshot = inspect_server(None, plan.argv, env=plan.env, timeout=120)
    assert sorted(tool["name"] for tool in snapshot.tools) == sorted(lock.items("tools"))

"""The generated Dockerfiles build: buildah (vfs storage, chroot isolation) builds each example from
``dist/Dockerfile`` on a Debian base made by debootstrap (passed as ``--build-arg BASE_IMAGE``; nothing is pulled),
pip or ``npm ci`` install the dependencies from the package registries inside the build, and the built image,
pushed to an OCI layout, runs with umoci + runc: its ENTRYPOINT starts the server, which lists its tools over MCP."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcpship.interface import read_lock
from mcpship.probe import inspect_server
from mcpship.targets.oci import MCP_NAME_LABEL, OciTarget, image_bundle
from mcpship.targets.oci.dockerfile import BASE_IMAGE_ARG
from tests.conftest import EXAMPLES
from tests.integration.oci_support import BASE_TAG, Buildah, debian_base_layout, require_tool
from tests.unit.targets.mcpb_support import copy_example, make_context

# A first run builds the Debian bases with debootstrap (a minute or two each); later runs reuse the cache.
pytestmark = pytest.mark.timeout(900)

# example -> the base flavour its Dockerfile needs (python3 with venv, or nodejs with npm)
BASES = {"notes-py": "python-venv", "notes-node": "node-npm"}


def project_with_dockerfile(example: str, destination: Path) -> Path:
    """A copy of an example with the oci target's Dockerfile and ignore file in ``dist/``, as after
    ``mcpship build --target oci`` with ``dockerfile_only`` (only the Dockerfiles)."""
    root = copy_example(example, destination)
    spec_file = root / "mcpship.toml"
    spec_file.write_text(spec_file.read_text(encoding="utf-8") + "oci = { dockerfile_only = true }\n", encoding="utf-8")
    context = make_context(root, destination / "out")
    target = OciTarget()
    assert target.check(context) == []
    outputs = {kind: path for kind, path, _ in target.build(context)}
    assert sorted(outputs) == ["dockerfile", "dockerignore"]
    (root / "dist").mkdir()
    for path in outputs.values():
        shutil.copyfile(path, root / "dist" / path.name)
    return root


def build_with_buildah(example: str, work: Path) -> Path:
    """``buildah bud -f dist/Dockerfile .`` from the project root on the Debian base; the image pushed to an OCI
    layout as tag ``test``."""
    require_tool("umoci", "umoci")
    require_tool("runc", "runc")
    buildah = Buildah.at(work / "buildah")
    base_name = f"localhost/mcpship-tests/{BASES[example]}:{BASE_TAG}"
    buildah.load_layout(debian_base_layout(BASES[example]), BASE_TAG, base_name)
    root = project_with_dockerfile(example, work)
    image_name = f"localhost/{example}:test"
    buildah.bud(root, root / "dist" / "Dockerfile", image_name, build_args={BASE_IMAGE_ARG: base_name})
    layout = work / "layout"
    buildah("push", "--disable-compression", image_name, f"oci:{layout}:test")  # no gzip: faster push and unpack
    return layout


@pytest.fixture(scope="module", params=sorted(BASES))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    example = str(request.param)
    work = tmp_path_factory.mktemp(f"buildah-{example}")
    try:
        yield example, build_with_buildah(example, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # vfs storage holds full copies: about 600 MB per example


def image_config(layout: Path) -> dict[str, object]:
    skopeo = require_tool("skopeo", "skopeo")
    completed = subprocess.run(
        [skopeo, "inspect", "--config", f"oci:{layout}:test"], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    config: dict[str, object] = json.loads(completed.stdout)["config"]
    return config


def test_the_buildah_image_carries_the_mcp_label_and_runs_as_non_root(built: tuple[str, Path]) -> None:
    example, layout = built
    config = image_config(layout)
    labels = config["Labels"]
    assert isinstance(labels, dict)
    assert labels[MCP_NAME_LABEL] == f"io.github.mcpship/{example}"
    assert labels["org.opencontainers.image.version"] == "0.1.0"
    assert config["User"] == "65532:65532"
    assert config["Entrypoint"] == (["notes-mcp"] if example == "notes-py" else ["node", "/app/bin/notes-node-mcp.js"])


def test_the_entrypoint_of_the_buildah_image_starts_the_server_over_stdio(
    built: tuple[str, Path], tmp_path: Path
) -> None:
    example, layout = built
    lock = read_lock(EXAMPLES / example / "mcp-interface.json")
    with image_bundle(layout, "test", tmp_path / "run", env={"NOTES_TOKEN": "test-token"}) as plan:
        snapshot = inspect_server(None, plan.argv, env=plan.env, timeout=120)
    assert sorted(tool["name"] for tool in snapshot.tools) == sorted(lock.items("tools"))

"""Images assembled on a base layout: config, manifest, index, and the same digest from the same input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from mcpship._exceptions import BuildError
from mcpship.targets.oci import (
    MCP_NAME_LABEL,
    ImageSettings,
    LayoutWriter,
    directory_layer,
    files_layer,
    pack_layout_tar,
    read_base_layout,
    write_image_layout,
)
from mcpship.targets.oci.app import base_python_version, image_platform
from mcpship.targets.oci.layout import CONFIG_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, REF_NAME, canonical_json

EPOCH = 1_700_000_000
NAME = "io.github.acme/tiny"


def tiny_base(directory: Path, *, env: tuple[str, ...] = ("PATH=/usr/bin:/bin",), arch: str = "amd64") -> Path:
    """A one-layer layout tagged ``base``: a fake root file system with a Python 3.11 library folder."""
    rootfs = directory.with_name(directory.name + "-rootfs")
    (rootfs / "usr" / "lib" / "python3.11").mkdir(parents=True)
    (rootfs / "usr" / "lib" / "python3.11" / "os.py").write_text("# os\n")
    (rootfs / "bin").mkdir()
    (rootfs / "bin" / "sh").write_text("#!/bin/sh\n")
    writer = LayoutWriter(directory)
    layer = directory_layer(directory.with_name("base-layer.tar.gz"), rootfs, epoch=0)
    writer.add_file(layer.path, layer.digest)
    config = {
        "architecture": arch,
        "os": "linux",
        "config": {"Env": list(env), "Cmd": ["python3"], "Labels": {"base.label": "kept"}, "Healthcheck": {}},
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
        "history": [{"created_by": "base"}],
    }
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": writer.add_bytes(canonical_json(config), CONFIG_MEDIA_TYPE),
        "layers": [
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "digest": layer.digest,
                "size": layer.size,
            }
        ],
    }
    writer.write_index(writer.add_bytes(canonical_json(manifest), MANIFEST_MEDIA_TYPE), {REF_NAME: "base"})
    return directory


def settings(**overrides: Any) -> ImageSettings:
    values: dict[str, Any] = {
        "entrypoint": ("python3", "/app/main.py"),
        "cmd": (),
        "env": {"PYTHONUNBUFFERED": "1", "PATH": "/usr/local/bin:/usr/bin:/bin"},
        "user": "65532:65532",
        "working_dir": "/app",
        "labels": {MCP_NAME_LABEL: NAME, "org.opencontainers.image.version": "1.0.0"},
        "tag": "1.0.0",
        "epoch": EPOCH,
        "history": "mcpship oci: tiny",
        **overrides,
    }
    return ImageSettings(**values)


def build(tmp: Path, base_layout: Path, **overrides: Any) -> Path:
    base = read_base_layout(base_layout)
    layer = files_layer(tmp / "app.tar.gz", {"/app/main.py": b"print('hi')\n"}, epoch=EPOCH)
    return write_image_layout(tmp / "layout", base, [layer], settings(**overrides)).layout


def blob(layout: Path, digest: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((layout / "blobs" / "sha256" / digest.removeprefix("sha256:")).read_bytes())
    return document


def read_image(layout: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    index: dict[str, Any] = json.loads((layout / "index.json").read_bytes())
    manifest = blob(layout, index["manifests"][0]["digest"])
    return index, manifest, blob(layout, manifest["config"]["digest"])


@pytest.fixture
def base_layout(tmp_path: Path) -> Path:
    return tiny_base(tmp_path / "base")


def test_two_builds_give_the_same_manifest_digest(tmp_path: Path, base_layout: Path) -> None:
    first = build(tmp_path / "one", base_layout)
    second = build(tmp_path / "two", base_layout)
    assert json.loads((first / "index.json").read_bytes()) == json.loads((second / "index.json").read_bytes())
    pack_layout_tar(first, tmp_path / "one.oci.tar", epoch=EPOCH)
    pack_layout_tar(second, tmp_path / "two.oci.tar", epoch=EPOCH)
    assert (tmp_path / "one.oci.tar").read_bytes() == (tmp_path / "two.oci.tar").read_bytes()


def test_the_config_says_how_the_server_starts_and_who_runs_it(tmp_path: Path, base_layout: Path) -> None:
    _, _, config = read_image(build(tmp_path, base_layout, cmd=("--verbose",)))
    runtime = config["config"]
    assert runtime["Entrypoint"] == ["python3", "/app/main.py"]
    assert runtime["Cmd"] == ["--verbose"]
    assert runtime["User"] == "65532:65532"
    assert runtime["WorkingDir"] == "/app"
    assert runtime["Env"] == ["PATH=/usr/local/bin:/usr/bin:/bin", "PYTHONUNBUFFERED=1"]
    assert runtime["Labels"] == {
        "base.label": "kept",
        MCP_NAME_LABEL: NAME,
        "org.opencontainers.image.version": "1.0.0",
    }
    assert "Healthcheck" not in runtime


def test_the_bases_cmd_never_becomes_an_argument_of_the_server(tmp_path: Path, base_layout: Path) -> None:
    _, _, config = read_image(build(tmp_path, base_layout))
    assert "Cmd" not in config["config"]


def test_history_and_diff_ids_follow_the_layers(tmp_path: Path, base_layout: Path) -> None:
    _, manifest, config = read_image(build(tmp_path, base_layout))
    assert config["created"] == "2023-11-14T22:13:20Z"
    assert [entry["created_by"] for entry in config["history"]] == ["base", "mcpship oci: tiny"]
    assert len(config["rootfs"]["diff_ids"]) == len(manifest["layers"]) == 2
    for descriptor in manifest["layers"]:
        assert descriptor["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip"
        data = (tmp_path / "layout" / "blobs" / "sha256" / descriptor["digest"].removeprefix("sha256:")).read_bytes()
        assert descriptor["size"] == len(data)
        assert descriptor["digest"] == "sha256:" + hashlib.sha256(data).hexdigest()


def test_manifest_and_index_carry_the_mcp_name_and_the_tag(tmp_path: Path, base_layout: Path) -> None:
    index, manifest, _ = read_image(build(tmp_path, base_layout))
    (descriptor,) = index["manifests"]
    assert descriptor["mediaType"] == MANIFEST_MEDIA_TYPE
    assert descriptor["annotations"] == {REF_NAME: "1.0.0", MCP_NAME_LABEL: NAME}
    assert descriptor["platform"] == {"architecture": "amd64", "os": "linux"}
    assert manifest["annotations"][MCP_NAME_LABEL] == NAME
    assert manifest["annotations"]["org.opencontainers.image.base.name"] == "base"
    assert (tmp_path / "layout" / "oci-layout").read_bytes() == b'{"imageLayoutVersion":"1.0.0"}'


def test_the_python_version_is_read_from_the_base_layers(base_layout: Path) -> None:
    assert base_python_version(read_base_layout(base_layout)) == "3.11"


def test_the_python_version_of_official_images_comes_from_their_env(tmp_path: Path) -> None:
    layout = tiny_base(tmp_path / "base", env=("PATH=/usr/local/bin", "PYTHON_VERSION=3.12.7"))
    assert base_python_version(read_base_layout(layout)) == "3.12"


def test_the_image_platform_follows_the_base_architecture(tmp_path: Path) -> None:
    arm = tiny_base(tmp_path / "arm", arch="arm64")
    assert image_platform(read_base_layout(arm)).uv_platform == "aarch64-manylinux_2_28"
    with pytest.raises(BuildError, match="linux/amd64 and linux/arm64"):
        image_platform(read_base_layout(tiny_base(tmp_path / "s390x", arch="s390x")))


def test_an_unknown_tag_in_the_base_layout_names_the_tags_there(base_layout: Path) -> None:
    with pytest.raises(BuildError, match=r"the tag 'latest'.*tags: base") as caught:
        read_base_layout(base_layout, "latest")
    assert "base_tag" in (caught.value.hint or "")


def test_a_folder_without_index_json_is_not_a_layout(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="not an OCI image layout") as caught:
        read_base_layout(tmp_path)
    assert "skopeo copy" in (caught.value.hint or "")

"""``verify`` of an OCI image: the archive checks (digests, MCP label, entrypoint, non-root user), the runtime
choice, and the Docker/Podman path (``load``, ``run -i --rm --network none`` with settings named by ``-e``,
``rmi``) driven against a stand-in ``podman`` that starts the real example server, so the interface is listed
over MCP and compared with the lock."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import sys
import tarfile
from pathlib import Path

import pytest

from mcpship._reporter import NullReporter
from mcpship.interface import read_lock
from mcpship.targets import Artifact
from mcpship.targets.oci import ImageSettings, LayoutWriter, files_layer, pack_layout_tar, write_image_layout
from mcpship.targets.oci.engines import RUNTIME_ENV, find_runtime
from mcpship.targets.oci.layout import (
    CONFIG_MEDIA_TYPE,
    MANIFEST_MEDIA_TYPE,
    REF_NAME,
    canonical_json,
    read_base_layout,
)
from mcpship.verify.driver import _run_and_compare
from mcpship.verify.oci import check_image_archive, verify_image

NAME = "io.github.mcpship/notes-py"
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "notes-py"


def image_archive(directory: Path, *, user: str = "65532:65532", name: str = NAME) -> Path:
    layer = files_layer(directory / "base.tar.gz", {"/etc/os-release": b"ID=tiny\n"}, epoch=0)
    writer = LayoutWriter(directory / "base")
    writer.add_file(layer.path, layer.digest)
    config = {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]}}
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": writer.add_bytes(canonical_json(config), CONFIG_MEDIA_TYPE),
        "layers": [
            {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer.digest, "size": layer.size}
        ],
    }
    writer.write_index(writer.add_bytes(canonical_json(manifest), MANIFEST_MEDIA_TYPE), {REF_NAME: "base"})
    app = files_layer(directory / "app.tar.gz", {"/app/server.sh": b"#!/bin/sh\n"}, epoch=0)
    settings = ImageSettings(
        entrypoint=["/app/server.sh"],
        env={},
        user=user,
        working_dir="/app",
        labels={"io.modelcontextprotocol.server.name": name},
        tag="0.1.0",
        epoch=0,
        history="test",
    )
    written = write_image_layout(directory / "image", read_base_layout(directory / "base", "base"), [app], settings)
    archive = directory / "notes-py-0.1.0.oci.tar"
    pack_layout_tar(written.layout, archive, epoch=0)
    return archive


def artifact_for(archive: Path) -> Artifact:
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    return Artifact(
        target="oci",
        kind="oci",
        path=archive,
        sha256=digest,
        size=archive.stat().st_size,
        version="0.1.0",
        lock_digest=None,
    )


def test_a_sound_image_archive_has_no_problems(tmp_path: Path) -> None:
    assert check_image_archive(image_archive(tmp_path), NAME) == []


def test_an_image_running_as_root_or_under_another_name_is_named(tmp_path: Path) -> None:
    problems = check_image_archive(image_archive(tmp_path, user="0:0", name="io.github.other/x"), NAME)
    assert problems == [
        f"the label io.modelcontextprotocol.server.name is 'io.github.other/x', not '{NAME}'",
        "the image runs as root",
    ]


def test_a_tampered_layer_is_found(tmp_path: Path) -> None:
    archive = image_archive(tmp_path)
    app_layer = "blobs/sha256/" + hashlib.sha256((tmp_path / "app.tar.gz").read_bytes()).hexdigest()
    tampered = tmp_path / "tampered.oci.tar"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member) if member.isfile() else None
            if member.name == app_layer and data is not None:
                content = bytearray(data.read())
                content[-1] ^= 1
                data = io.BytesIO(bytes(content))
            target.addfile(member, data)
    assert check_image_archive(tampered, NAME) == [
        f"not a readable OCI image archive: {app_layer} does not match its digest and size"
    ]


def fake_cli(directory: Path, name: str, script: str) -> None:
    path = directory / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def fake_engines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``docker`` whose daemon is down and a ``podman`` that works, first on PATH; ``podman run`` starts the
    example server in this interpreter. Every call is logged to the returned file."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    fake_cli(
        bin_dir, "docker", 'echo "docker $*" >> "$FAKE_LOG"\necho "Cannot connect to the Docker daemon" >&2\nexit 1\n'
    )
    fake_cli(
        bin_dir,
        "podman",
        'echo "podman $*" >> "$FAKE_LOG"\n'
        'case "$1" in\n'
        "  info) exit 0 ;;\n"
        '  load) echo "Loaded image: localhost/notes-py:0.1.0" ;;\n'
        '  run) [ -n "$NOTES_TOKEN" ] || exit 3; exec "$FAKE_PYTHON" -m notes_mcp ;;\n'
        "  rmi) exit 0 ;;\n"
        "esac\n",
    )
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("FAKE_PYTHON", sys.executable)
    monkeypatch.delenv(RUNTIME_ENV, raising=False)
    return log


def test_podman_is_chosen_when_dockers_daemon_is_down(fake_engines: Path) -> None:
    runtime = find_runtime()
    assert runtime is not None
    assert runtime.name == "podman"
    assert fake_engines.read_text().splitlines() == ["docker version --format {{.Server.Version}}", "podman info"]


def test_a_runtime_named_in_the_environment_is_used_as_is(fake_engines: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RUNTIME_ENV, "docker")
    runtime = find_runtime()
    assert runtime is not None
    assert runtime.name == "docker"
    assert not fake_engines.exists()  # not probed: the user said so


def test_podman_loads_runs_and_removes_the_image_and_the_interface_is_compared(
    tmp_path: Path, fake_engines: Path
) -> None:
    archive = image_archive(tmp_path / "image")
    lock = read_lock(EXAMPLE / "mcp-interface.json")
    result = verify_image(
        artifact_for(archive),
        lock,
        {"NOTES_TOKEN": "t0k"},
        60.0,
        NullReporter(),
        run=_run_and_compare,
        server_name=NAME,
    )
    assert (result.status, result.matches, result.missing) == ("ok", True, None), result.detail
    assert result.how == "podman load + podman run -i --rm --network none"
    assert result.detail.endswith("; run with podman")
    calls = fake_engines.read_text().splitlines()
    assert calls[2:] == [
        f"podman load -i {archive}",
        "podman run -i --rm --network none -e NOTES_TOKEN localhost/notes-py:0.1.0",  # the secret is not on argv
        "podman rmi localhost/notes-py:0.1.0",
    ]


def test_without_any_runtime_the_row_says_what_was_checked_and_how_to_install_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv(RUNTIME_ENV, raising=False)
    result = verify_image(
        artifact_for(image_archive(tmp_path / "image")),
        read_lock(EXAMPLE / "mcp-interface.json"),
        {},
        60.0,
        NullReporter(),
        run=_run_and_compare,
        server_name=NAME,
    )
    assert result.status == "skipped"
    assert result.detail.startswith("image config checked (blob digests, MCP name label, entrypoint, non-root user)")
    assert "not run: no container runtime (install podman" in result.detail
    assert result.missing is not None
    assert "apt-get install -y umoci runc" in result.missing

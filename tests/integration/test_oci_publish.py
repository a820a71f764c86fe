"""Push an image made by the ``oci`` target's own writers to a real registry (Debian's ``docker-registry``,
the CNCF distribution server) on a loopback port, pull it back with skopeo, and push it again."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from mcpship.channels import push_oci_image
from mcpship.cli import main
from mcpship.pipeline.report import read_report, sha256_of, write_report
from mcpship.targets import Artifact
from mcpship.targets.oci import (
    MCP_NAME_LABEL,
    ImageSettings,
    LayoutWriter,
    files_layer,
    pack_layout_tar,
    read_base_layout,
    write_image_layout,
)
from mcpship.targets.oci.layout import CONFIG_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, REF_NAME, canonical_json
from tests.conftest import free_port, json_result
from tests.integration.oci_support import require_tool

pytestmark = pytest.mark.timeout(120)

SERVER_NAME = "io.github.mcpship/tiny"
VERSION = "0.1.0"
EPOCH = 1_700_000_000


@dataclass(frozen=True)
class Registry:
    host: str
    log: Path

    def requests(self, method: str) -> int:
        """How many ``method`` requests the registry has answered (from its access log lines)."""
        return self.log.read_text(errors="replace").count(f"http.request.method={method} ")


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    binary = require_tool("docker-registry", "docker-registry")
    root = tmp_path_factory.mktemp("registry")
    port = free_port()
    config = root / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: info\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n  delete:\n    enabled: true\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    log = root / "registry.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([binary, "serve", str(config)], stdout=sink, stderr=subprocess.STDOUT)
    try:
        _wait_ready(f"http://127.0.0.1:{port}/v2/", process, log)
        yield Registry(f"127.0.0.1:{port}", log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"docker-registry exited with {process.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    pytest.fail(f"docker-registry did not answer {url} within {timeout} s")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dist/ folder holding a tiny image (a fake base plus an app layer) and its build report."""
    work = tmp_path_factory.mktemp("image")
    base = _tiny_base(work / "base")
    app = files_layer(work / "app.tar.gz", {"/app/server.sh": b"#!/bin/sh\necho tiny\n"}, epoch=EPOCH)
    settings = ImageSettings(
        entrypoint=["/app/server.sh"],
        env={"MCP_TRANSPORT": "stdio"},
        user="65532:65532",
        working_dir="/app",
        labels={MCP_NAME_LABEL: SERVER_NAME, "org.opencontainers.image.version": VERSION},
        tag=VERSION,
        epoch=EPOCH,
        history="mcpship oci: test image",
    )
    written = write_image_layout(work / "layout", read_base_layout(base, "base"), [app], settings)
    out = tmp_path_factory.mktemp("dist")
    archive = out / f"tiny-{VERSION}.oci.tar"
    pack_layout_tar(written.layout, archive, epoch=EPOCH)
    artifact = Artifact(
        target="oci",
        kind="oci",
        path=archive,
        sha256=sha256_of(archive),
        size=archive.stat().st_size,
        version=VERSION,
        lock_digest=None,
        platform="linux-amd64",
    )
    write_report(out, [artifact], name=SERVER_NAME, source_date_epoch=EPOCH)
    assert [a.kind for a in read_report(out)] == ["oci"]
    return out


def _tiny_base(directory: Path) -> Path:
    layer = files_layer(directory.with_name("base.tar.gz"), {"/etc/os-release": b"ID=tiny\n"}, epoch=0)
    writer = LayoutWriter(directory)
    writer.add_file(layer.path, layer.digest)
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": ["PATH=/usr/bin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
    }
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": writer.add_bytes(canonical_json(config), CONFIG_MEDIA_TYPE),
        "layers": [
            {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer.digest, "size": layer.size}
        ],
    }
    writer.write_index(writer.add_bytes(canonical_json(manifest), MANIFEST_MEDIA_TYPE), {REF_NAME: "base"})
    return directory


def _image(dist: Path) -> Path:
    return dist / f"tiny-{VERSION}.oci.tar"


def test_push_then_pull_back_the_same_manifest_and_blobs(registry: Registry, dist: Path, tmp_path: Path) -> None:
    skopeo = require_tool("skopeo", "skopeo")
    result = push_oci_image(_image(dist), f"{registry.host}/mcpship/tiny", chunk_size=100)
    assert result.tag == VERSION  # the layout's own tag when the destination names none
    assert (result.blobs_uploaded, result.blobs_skipped) == (3, 0)  # base layer, app layer, config
    assert result.reference == f"{registry.host}/mcpship/tiny:{VERSION}@{result.digest}"
    assert registry.requests("PATCH") > 3  # 100-byte chunks: several PATCHes per blob

    pulled = tmp_path / "pulled"
    subprocess.run(
        [skopeo, "copy", "--quiet", "--src-tls-verify=false",
         f"docker://{registry.host}/mcpship/tiny@{result.digest}", f"oci:{pulled}:pulled"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    local = tmp_path / "local"
    local.mkdir()
    subprocess.run(["tar", "-xf", str(_image(dist)), "-C", str(local)], check=True)
    [descriptor] = json.loads((pulled / "index.json").read_text())["manifests"]
    assert descriptor["digest"] == result.digest
    pulled_blobs = {p.name: p.read_bytes() for p in (pulled / "blobs" / "sha256").iterdir()}
    local_blobs = {p.name: p.read_bytes() for p in (local / "blobs" / "sha256").iterdir()}
    assert pulled_blobs == local_blobs

    with httpx.Client(base_url=f"http://{registry.host}/v2/mcpship/tiny/") as client:
        manifest = client.get(f"manifests/{VERSION}", headers={"Accept": MANIFEST_MEDIA_TYPE})
        assert manifest.headers["Content-Type"] == MANIFEST_MEDIA_TYPE
        assert manifest.content == local_blobs[result.digest.removeprefix("sha256:")]


def test_a_second_push_uploads_no_blob_again(registry: Registry, dist: Path) -> None:
    push_oci_image(_image(dist), f"{registry.host}/mcpship/again:1")
    posts, patches = registry.requests("POST"), registry.requests("PATCH")
    again = push_oci_image(_image(dist), f"{registry.host}/mcpship/again:2")
    assert (again.blobs_uploaded, again.blobs_skipped, again.bytes_uploaded) == (0, 3, 0)
    assert (registry.requests("POST"), registry.requests("PATCH")) == (posts, patches)  # the registry agrees


def test_skopeo_inspect_shows_the_mcp_name_label(registry: Registry, dist: Path) -> None:
    skopeo = require_tool("skopeo", "skopeo")
    result = push_oci_image(_image(dist), f"{registry.host}/mcpship/label:{VERSION}")
    shown = subprocess.run(
        [skopeo, "inspect", "--tls-verify=false", f"docker://{registry.host}/mcpship/label:{VERSION}"],
        check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    inspected = json.loads(shown.stdout)
    assert inspected["Labels"][MCP_NAME_LABEL] == SERVER_NAME
    assert inspected["Digest"] == result.digest


def test_the_cli_publishes_the_built_image_tagged_with_its_version(
    registry: Registry, dist: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["publish", str(dist), "--channel", "oci", "--to", f"{registry.host}/mcpship/cli", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    shown = json_result(captured.out)
    assert shown["channel"] == "oci"
    assert shown["tag"] == VERSION
    assert shown["reference"] == f"{registry.host}/mcpship/cli:{VERSION}@{shown['digest']}"
    assert shown["artifact"] == f"tiny-{VERSION}.oci.tar"


def test_the_cli_reports_an_unreachable_registry(dist: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["publish", str(dist), "--channel", "oci", "--to", f"127.0.0.1:{free_port()}/mcpship/gone"])
    assert code == 11
    err = capsys.readouterr().err
    assert "error: could not reach the registry" in err
    assert "hint:" in err

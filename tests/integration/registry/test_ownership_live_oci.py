"""OCI ownership proofs against a real docker-registry holding tiny images (one layer, a config with labels)
pushed by mcpship's own pusher, plus a multi-platform index put over the distribution API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mcpship.channels import push_oci_image
from mcpship.registry.config import OwnershipSettings
from mcpship.registry.ownership import check_ownership
from mcpship.targets.oci import MCP_NAME_LABEL, LayoutWriter, files_layer
from mcpship.targets.oci.layout import (
    CONFIG_MEDIA_TYPE,
    INDEX_MEDIA_TYPE,
    MANIFEST_MEDIA_TYPE,
    REF_NAME,
    canonical_json,
)
from tests.registry_support.package_registries import running_oci_registry

pytestmark = pytest.mark.timeout(120)

NAME = "io.github.test/x"


def image_layout(directory: Path, labels: dict[str, str], *, architecture: str = "amd64") -> tuple[Path, str]:
    """A one-layer image whose config carries ``labels``; returns the layout and the manifest's digest."""
    layer = files_layer(directory.with_name(directory.name + ".tar.gz"), {"/hello": directory.name.encode()}, epoch=0)
    writer = LayoutWriter(directory)
    writer.add_file(layer.path, layer.digest)
    config = {
        "architecture": architecture,
        "os": "linux",
        "config": {"Labels": labels, "Cmd": ["/hello"]},
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
    descriptor = writer.add_bytes(canonical_json(manifest), MANIFEST_MEDIA_TYPE)
    writer.write_index(descriptor, {REF_NAME: "v1"})
    return directory, str(descriptor["digest"])


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("oci")
    with running_oci_registry(work / "registry") as host:
        labeled, _ = image_layout(work / "labeled", {MCP_NAME_LABEL: NAME})
        push_oci_image(labeled, f"{host}/test/x:1.0.0")
        unlabeled, _ = image_layout(work / "unlabeled", {"org.opencontainers.image.version": "1.0.0"})
        push_oci_image(unlabeled, f"{host}/test/x:unlabeled")
        _put_index(work, host)
        yield host


def _put_index(work: Path, host: str) -> None:
    """test/multi:1.0.0 is an index: arm64 names another server, amd64 names this one."""
    amd64, amd64_digest = image_layout(work / "multi-amd64", {MCP_NAME_LABEL: NAME})
    arm64, arm64_digest = image_layout(work / "multi-arm64", {MCP_NAME_LABEL: "io.github.else/y"}, architecture="arm64")
    push_oci_image(amd64, f"{host}/test/multi:amd64")
    push_oci_image(arm64, f"{host}/test/multi:arm64")
    entries = []
    for layout, digest, architecture in ((arm64, arm64_digest, "arm64"), (amd64, amd64_digest, "amd64")):
        size = (layout / "blobs" / "sha256" / digest.removeprefix("sha256:")).stat().st_size
        platform = {"os": "linux", "architecture": architecture}
        entries.append({"mediaType": MANIFEST_MEDIA_TYPE, "digest": digest, "size": size, "platform": platform})
    index = canonical_json({"schemaVersion": 2, "mediaType": INDEX_MEDIA_TYPE, "manifests": entries})
    response = httpx.put(
        f"http://{host}/v2/test/multi/manifests/1.0.0", content=index, headers={"Content-Type": INDEX_MEDIA_TYPE}
    )
    assert response.status_code == 201, response.text


def check(host: str, server_name: str, identifier: str) -> list[str]:
    server = {"name": server_name, "packages": [{"registryType": "oci", "identifier": identifier}]}
    settings = OwnershipSettings(oci_registries=(host,), oci_insecure=(host,))

    async def run() -> list[str]:
        async with httpx.AsyncClient() as client:
            return await check_ownership(server, settings, client)

    return asyncio.run(run())


def test_an_image_labelled_with_the_server_name_proves_ownership(host: str) -> None:
    assert check(host, NAME, f"{host}/test/x:1.0.0") == []


def test_an_image_pinned_by_digest_is_read_the_same_way(host: str) -> None:
    digest = httpx.head(f"http://{host}/v2/test/x/manifests/1.0.0", headers={"Accept": MANIFEST_MEDIA_TYPE}).headers[
        "Docker-Content-Digest"
    ]
    assert check(host, NAME, f"{host}/test/x@{digest}") == []


def test_a_label_naming_another_server_is_refused(host: str) -> None:
    [message] = check(host, "io.github.test/other", f"{host}/test/x:1.0.0")
    assert message.startswith(f"registry validation failed for package 0 ({host}/test/x:1.0.0): ")
    assert f"= 'io.github.test/other', got '{NAME}'" in message


def test_an_image_without_the_label_says_which_label_to_add(host: str) -> None:
    [message] = check(host, NAME, f"{host}/test/x:unlabeled")
    assert f'LABEL {MCP_NAME_LABEL}="{NAME}"' in message


def test_a_multi_platform_image_is_read_at_linux_amd64(host: str) -> None:
    assert check(host, NAME, f"{host}/test/multi:1.0.0") == []
    [message] = check(host, "io.github.else/y", f"{host}/test/multi:1.0.0")
    assert "got 'io.github.test/x'" in message


def test_a_tag_that_was_never_pushed_is_reported_as_not_found(host: str) -> None:
    [message] = check(host, NAME, f"{host}/test/x:9.9.9")
    assert "not found" in message
    assert "404" in message


def test_a_registry_outside_the_allowed_list_is_refused_before_any_request(host: str) -> None:
    [message] = check(host, NAME, "127.0.0.2:5000/test/x:1.0.0")
    assert "image registry '127.0.0.2:5000' is not accepted here" in message

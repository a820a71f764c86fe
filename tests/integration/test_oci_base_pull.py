"""Through the installed ``mcpship`` script: the Python example's image built on a base pulled from a registry
(Debian's docker-registry on a loopback port, standing for Docker Hub; the base is the debootstrap one, pushed
there with skopeo), pinned by digest in the Dockerfile, cached, then verified by running it with runc. The same
pull with ``docker login`` credentials (htpasswd) from ``$DOCKER_CONFIG``, and without them (refused, exit 8).
And ``verify`` on a machine with no container runtime: exit 4, the row saying what was checked."""

from __future__ import annotations

import base64
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import assert_clean_error, run_mcpship
from tests.integration.oci_support import (
    BASE_TAG,
    TEST_PASSWORD,
    TEST_USER,
    debian_base_layout,
    local_registry,
    push_layout,
    require_tool,
)
from tests.unit.targets.mcpb_support import copy_example

# The first run builds the Debian base with debootstrap (about a minute); later runs reuse the cache.
pytestmark = pytest.mark.timeout(900)

REPOSITORY = "library/python"
MANIFEST_TYPES = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"


@pytest.fixture(scope="module")
def open_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A registry without authentication holding the Debian python base as ``library/python:bookworm`` (OCI)."""
    with local_registry(tmp_path_factory.mktemp("registry")) as host:
        push_layout(debian_base_layout("python"), BASE_TAG, f"{host}/{REPOSITORY}:{BASE_TAG}")
        yield host


@pytest.fixture(scope="module")
def login_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A registry wanting a login (htpasswd), holding the same base as Docker Hub serves images (schema 2)."""
    with local_registry(tmp_path_factory.mktemp("registry-auth"), basic_auth=True) as host:
        push_layout(
            debian_base_layout("python"),
            BASE_TAG,
            f"{host}/{REPOSITORY}:{BASE_TAG}",
            docker_format=True,
            creds=f"{TEST_USER}:{TEST_PASSWORD}",
        )
        yield host


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh mcpship cache and an empty ``$DOCKER_CONFIG`` for the ``mcpship`` processes."""
    monkeypatch.setenv("MCPSHIP_CACHE_DIR", str(tmp_path / "cache"))
    docker_config = tmp_path / "docker"
    docker_config.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(docker_config))
    monkeypatch.delenv("MCPSHIP_OCI_BASE", raising=False)
    return docker_config


def project(destination: Path, base_image: str) -> Path:
    root = copy_example("notes-py", destination)
    spec_file = root / "mcpship.toml"
    table = f"oci = {{ base_image = {json.dumps(base_image)} }}\n"
    spec_file.write_text(spec_file.read_text(encoding="utf-8") + table, encoding="utf-8")
    return root


def registry_digest(host: str, auth: tuple[str, str] | None = None) -> str:
    response = httpx.head(
        f"http://{host}/v2/{REPOSITORY}/manifests/{BASE_TAG}", headers={"Accept": MANIFEST_TYPES}, auth=auth
    )
    assert response.status_code == 200
    return response.headers["Docker-Content-Digest"]


def image_annotations(archive: Path) -> dict[str, str]:
    with tarfile.open(archive) as layout:
        index = json.load(layout.extractfile("index.json"))  # type: ignore[arg-type]
        digest = index["manifests"][0]["digest"].removeprefix("sha256:")
        manifest = json.load(layout.extractfile(f"blobs/sha256/{digest}"))  # type: ignore[arg-type]
    annotations: dict[str, str] = manifest["annotations"]
    return annotations


def verify_rows(dist: Path, *extra: str) -> tuple[int, dict[str, dict[str, object]], str]:
    result = run_mcpship("verify", str(dist), "--config", "NOTES_TOKEN=test-token", "--json", *extra)
    rows = json.loads(result.stdout)["result"] or [] if result.stdout.strip() else []
    return result.returncode, {row["file"]: row for row in rows}, result.stderr


def test_an_image_is_built_on_a_base_pulled_by_digest_and_runs_with_runc(
    tmp_path: Path, open_registry: str, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_tool("umoci", "umoci")
    require_tool("runc", "runc")
    base_image = f"{open_registry}/{REPOSITORY}:{BASE_TAG}"
    root = project(tmp_path / "p", base_image)
    built = run_mcpship("-v", "build", str(root), "--target", "oci")
    assert built.returncode == 0, built.stderr
    digest = registry_digest(open_registry)
    pinned = f"{base_image}@{digest}"
    assert f"resolved to {digest}" in built.stderr
    assert f"ARG BASE_IMAGE={pinned}" in (root / "dist" / "Dockerfile").read_text().splitlines()
    image = root / "dist" / "notes-py-0.1.0.oci.tar"
    assert image_annotations(image)["org.opencontainers.image.base.name"] == pinned
    blobs = tmp_path / "cache" / "oci" / "blobs" / "sha256"
    assert digest.removeprefix("sha256:") in {p.name for p in blobs.iterdir()}

    monkeypatch.setenv("MCPSHIP_OCI_RUNTIME", "runc")
    code, rows, stderr = verify_rows(root / "dist")
    assert code == 0, stderr
    row = rows["notes-py-0.1.0.oci.tar"]
    assert (row["status"], row["interfaceMatches"]) == ("ok", True)
    assert row["how"] == "umoci unpack + runc run, stdin attached, no network"
    assert str(row["detail"]).startswith("image config checked (blob digests, MCP name label, entrypoint")
    assert "run with runc" in str(row["detail"])
    assert "the image mcpship built, notes-py-0.1.0.oci.tar, is verified" in str(rows["Dockerfile"]["detail"])

    # No container runtime at all (an empty PATH: no docker, podman, umoci or runc): exit 4, the row says why.
    monkeypatch.delenv("MCPSHIP_OCI_RUNTIME")
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    code, rows, stderr = verify_rows(root / "dist")
    assert code == 4, stderr
    row = rows["notes-py-0.1.0.oci.tar"]
    assert row["status"] == "skipped"
    assert row["detail"] == (
        "image config checked (blob digests, MCP name label, entrypoint, non-root user); not run: no container"
        " runtime (install podman (apt-get install -y podman), or umoci and runc (apt-get install -y umoci runc))"
    )
    assert "hint: install podman" in stderr


def test_a_base_behind_a_login_is_pulled_with_the_docker_config_credentials(
    tmp_path: Path, login_registry: str, isolated: Path
) -> None:
    base_image = f"{login_registry}/{REPOSITORY}:{BASE_TAG}"
    root = project(tmp_path / "p", base_image)

    refused = run_mcpship("build", str(root), "--target", "oci")
    assert_clean_error(refused, 8)
    assert "the registry refused to resolve the tag 'bookworm' (HTTP 401; no credentials)" in refused.stderr
    assert "docker login" in refused.stderr

    auth = base64.b64encode(f"{TEST_USER}:{TEST_PASSWORD}".encode()).decode()
    (isolated / "config.json").write_text(json.dumps({"auths": {f"http://{login_registry}": {"auth": auth}}}))
    built = run_mcpship("build", str(root), "--target", "oci")
    assert built.returncode == 0, built.stderr
    digest = registry_digest(login_registry, (TEST_USER, TEST_PASSWORD))
    assert f"ARG BASE_IMAGE={base_image}@{digest}" in (root / "dist" / "Dockerfile").read_text().splitlines()
    assert (root / "dist" / "notes-py-0.1.0.oci.tar").is_file()

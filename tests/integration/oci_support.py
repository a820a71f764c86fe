"""Base images for the OCI tests, made here from Debian packages: ``debootstrap --variant=minbase bookworm``
plus python3 (or nodejs), written as a one-layer OCI layout by mcpship's own layer writer. Nothing is pulled
from outside the package mirror apt already uses. Built once (about a minute) and cached under
``$MCPSHIP_TEST_CACHE/base-images`` (default ``~/.cache/mcpship-tests/base-images``)."""

from __future__ import annotations

import fcntl
import os
import platform
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from mcpship.targets.oci import LayoutWriter, directory_layer
from mcpship.targets.oci.layout import CONFIG_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, REF_NAME, canonical_json

SUITE = "bookworm"
BASE_TAG = "bookworm"
_PACKAGES = {"python": ("python3",), "node": ("nodejs",)}
_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def require_tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: apt-get install -y {package} (.ci/run must install it)")
    return found


def cache_root() -> Path:
    override = os.environ.get("MCPSHIP_TEST_CACHE")
    root = Path(override) if override else Path.home() / ".cache" / "mcpship-tests"
    return root / "base-images"


def debian_mirror() -> str:
    """The Debian mirror apt is configured with (deb822 ``URIs:`` or one-line ``deb`` entries)."""
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for source in sources:
        if not source.is_file():
            continue
        for url in re.findall(r"(?:^URIs:|^deb)\s+(?:\[[^\]]*\]\s+)?(\S+)", source.read_text(), re.MULTILINE):
            if "debian" in url and "security" not in url:
                return str(url)
    return "http://deb.debian.org/debian"


def debian_base_layout(flavour: str) -> Path:
    """An OCI layout with one image, tagged ``bookworm``: Debian minbase plus python3 or nodejs."""
    arch = _ARCH.get(platform.machine().lower(), platform.machine())
    root = cache_root()
    layout = root / f"{SUITE}-{flavour}-{arch}"
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root / f"{layout.name}.lock"):
        if not (layout / "index.json").is_file():
            _build(layout, flavour, arch)
    return layout


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # parallel test workers build each base once
        yield


def _build(layout: Path, flavour: str, arch: str) -> None:
    debootstrap = require_tool("debootstrap", "debootstrap")
    if os.geteuid() != 0:
        pytest.fail("building the Debian base image needs root (debootstrap); run the OCI tests as root, as CI does")
    rootfs = layout.with_name(layout.name + ".rootfs")
    partial = layout.with_name(layout.name + ".partial")
    for leftover in (rootfs, partial):
        shutil.rmtree(leftover, ignore_errors=True)
    include = ",".join(_PACKAGES[flavour])
    argv = [debootstrap, "--variant=minbase", f"--include={include}", SUITE, str(rootfs), debian_mirror()]
    completed = subprocess.run(argv, capture_output=True, text=True, timeout=1500, check=False)
    if completed.returncode != 0:
        pytest.fail(
            f"debootstrap failed ({completed.returncode}):\n{completed.stdout[-3000:]}{completed.stderr[-3000:]}"
        )
    for clutter in ("var/cache/apt/archives", "var/lib/apt/lists", "var/log"):
        for entry in (rootfs / clutter).glob("*"):
            if entry.is_file():
                entry.unlink()
    writer = LayoutWriter(partial)
    layer = directory_layer(partial / "layer.tar.gz", rootfs, epoch=0)
    writer.add_file(layer.path, layer.digest)
    (partial / "layer.tar.gz").unlink()
    history = f"debootstrap --variant=minbase --include={include} {SUITE}"
    config = {
        "architecture": arch,
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": {"Env": [_PATH], "Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": history}],
    }
    config_descriptor = writer.add_bytes(canonical_json(config), CONFIG_MEDIA_TYPE)
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": config_descriptor,
        "layers": [
            {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer.digest, "size": layer.size}
        ],
    }
    writer.write_index(writer.add_bytes(canonical_json(manifest), MANIFEST_MEDIA_TYPE), {REF_NAME: BASE_TAG})
    shutil.rmtree(rootfs)
    partial.rename(layout)

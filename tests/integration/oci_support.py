"""Base images for the OCI tests, made here from Debian packages: ``debootstrap --variant=minbase bookworm``
plus python3 (or nodejs), written as a one-layer OCI layout by mcpship's own layer writer. Nothing is pulled
from outside the package mirrors (apt's Debian mirror; the npm registry for npm itself). Built once (about a
minute) and cached under ``$MCPSHIP_TEST_CACHE/base-images`` (default ``~/.cache/mcpship-tests/base-images``).

The ``python-venv`` and ``node-npm`` flavours are bases for building the generated Dockerfiles: they add what the
official python and node images give a build (``python3 -m venv`` with pip, or npm; and TLS trust). Their CA
bundle is this machine's, so pip and npm inside a build trust whatever the host trusts (an egress proxy's CA too).

:class:`Buildah` drives buildah with its own storage (vfs driver, chroot isolation: no daemon, no cgroups)."""

from __future__ import annotations

import fcntl
import os
import platform
import re
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from mcpship.targets.oci import LayoutWriter, directory_layer
from mcpship.targets.oci.layout import CONFIG_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, REF_NAME, canonical_json

SUITE = "bookworm"
BASE_TAG = "bookworm"
_PACKAGES = {
    "python": ("python3",),
    "node": ("nodejs",),
    "python-venv": ("python3", "python3-venv", "ca-certificates"),
    "node-npm": ("nodejs", "ca-certificates"),
}
# npm as the official node image has it: the release tarball from the npm registry (it bundles its dependencies).
# Debian's npm package pulls in about 400 packages (python3 and node-gyp among them): a 480 MB image, and its
# virtual dependencies defeat debootstrap's resolver. 10.9 supports bookworm's Node 18.19.
_NPM_RELEASE = "npm@10.9.2"
_HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def require_tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: apt-get install -y {package} (.ci/run must install it)")
    return found


@dataclass(frozen=True)
class Buildah:
    """buildah on a private store under ``home``: the vfs driver (plain copies, no overlay mounts) and chroot
    isolation for ``RUN`` (the only isolation that works without a usable OCI runtime for builds; ``--isolation
    oci`` runs crun, which refuses hybrid cgroup hierarchies). ``RUN`` shares the host's network."""

    executable: str
    home: Path

    @classmethod
    def at(cls, home: Path) -> Buildah:
        return cls(require_tool("buildah", "buildah"), home)

    def __call__(self, *args: str, timeout: float = 600) -> str:
        storage = ("--root", str(self.home / "storage"), "--runroot", str(self.home / "run"), "--storage-driver", "vfs")
        argv = [self.executable, *storage, *args]
        completed = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        if completed.returncode != 0:
            pytest.fail(
                f"buildah {' '.join(args)} failed ({completed.returncode}):\n"
                f"{completed.stdout[-4000:]}{completed.stderr[-4000:]}"
            )
        return completed.stdout

    def load_layout(self, layout: Path, tag: str, name: str) -> None:
        """Copy image ``tag`` of an OCI layout into the store as ``name`` (``localhost/…``). skopeo, not ``buildah
        pull``: that names the image after the layout's path, which is no valid reference under ``~/.cache``."""
        skopeo = require_tool("skopeo", "skopeo")
        store = f"containers-storage:[vfs@{self.home / 'storage'}+{self.home / 'run'}]{name}"
        argv = [skopeo, "copy", "--quiet", f"oci:{layout}:{tag}", store]
        completed = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
        if completed.returncode != 0:
            pytest.fail(f"skopeo could not copy {layout}:{tag} into buildah's store:\n{completed.stderr[-4000:]}")

    def bud(self, context: Path, dockerfile: Path, tag: str, *, build_args: dict[str, str]) -> None:
        """``buildah bud`` as the Dockerfile's header documents it (with the ignore file beside it), never pulling:
        every FROM must be in the store."""
        arguments = [item for key, value in build_args.items() for item in ("--build-arg", f"{key}={value}")]
        ignore = dockerfile.with_name(dockerfile.name + ".dockerignore")
        self(
            "bud",
            *("--isolation", "chroot", "--pull=never", "--ignorefile", str(ignore), *arguments),
            *("-f", str(dockerfile), "-t", tag, str(context)),
        )


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
    """An OCI layout with one image, tagged ``bookworm``: Debian minbase plus python3 or nodejs (or, for
    ``python-venv``, python3 with venv and CA certificates)."""
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
    if flavour == "node-npm":
        _install_npm(rootfs, layout.with_name(layout.name + ".npm"))
    if "ca-certificates" in _PACKAGES[flavour] and _HOST_CA_BUNDLE.is_file():
        shutil.copyfile(_HOST_CA_BUNDLE, rootfs / "etc/ssl/certs/ca-certificates.crt")
    for clutter in ("var/cache/apt/archives", "var/lib/apt/lists", "var/log"):
        for entry in (rootfs / clutter).glob("*"):
            if entry.is_file():
                entry.unlink()
    writer = LayoutWriter(partial)
    layer = directory_layer(partial / "layer.tar.gz", rootfs, epoch=0)
    writer.add_file(layer.path, layer.digest)
    (partial / "layer.tar.gz").unlink()
    history = f"debootstrap --variant=minbase --include={include} {SUITE}"
    if flavour == "node-npm":
        history += f" + {_NPM_RELEASE} in /usr/local/lib/node_modules/npm"
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


def _install_npm(rootfs: Path, download: Path) -> None:
    npm = require_tool("npm", "npm")
    shutil.rmtree(download, ignore_errors=True)
    download.mkdir()
    argv = [npm, "pack", _NPM_RELEASE, "--pack-destination", str(download), "--silent"]
    completed = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    if completed.returncode != 0:
        pytest.fail(f"npm pack {_NPM_RELEASE} failed:\n{completed.stderr[-3000:]}")
    (tarball,) = download.glob("npm-*.tgz")
    target = rootfs / "usr/local/lib/node_modules/npm"
    with tarfile.open(tarball) as archive:
        members = [m for m in archive.getmembers() if m.name.startswith("package/")]
        for member in members:
            member.name = member.name.removeprefix("package/")
        archive.extractall(target, members=members, filter="data")
    for command in ("npm", "npx"):
        (rootfs / "usr/local/bin" / command).symlink_to(f"../lib/node_modules/npm/bin/{command}-cli.js")
    shutil.rmtree(download)


# A bcrypt hash (libcrypt, cost 5) of "test-secret": distribution's htpasswd backend reads bcrypt only, and a
# constant needs no bcrypt library in the tests.
TEST_USER, TEST_PASSWORD = "tester", "test-secret"
_TEST_HTPASSWD = "tester:$2b$05$H0SiZthBdniOtuVcQdpak.FSMZoOIbfHohNkO/M6tsoScJKiBWxAa\n"


@contextmanager
def local_registry(root: Path, *, basic_auth: bool = False) -> Iterator[str]:
    """Debian's docker-registry (the CNCF distribution server) on a free loopback port, storing under ``root``;
    with ``basic_auth``, it wants ``TEST_USER``/``TEST_PASSWORD`` (htpasswd). Yields ``127.0.0.1:PORT``."""
    from tests.registry_support.package_registries import running_oci_registry

    with running_oci_registry(root, htpasswd=_TEST_HTPASSWD if basic_auth else None) as host:
        yield host


def push_layout(
    layout: Path, tag: str, destination: str, *, docker_format: bool = False, creds: str | None = None
) -> None:
    """``skopeo copy oci:LAYOUT:TAG docker://DESTINATION`` over plain HTTP; ``docker_format``: as Docker schema 2
    (the media types Docker Hub serves), else as OCI."""
    skopeo = require_tool("skopeo", "skopeo")
    argv = [skopeo, "copy", "--quiet", "--dest-tls-verify=false"]
    if docker_format:
        argv += ["--format", "v2s2"]
    if creds:
        argv += ["--dest-creds", creds]
    completed = subprocess.run(
        [*argv, f"oci:{layout}:{tag}", f"docker://{destination}"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(f"skopeo could not push {layout}:{tag} to {destination}:\n{completed.stderr[-3000:]}")

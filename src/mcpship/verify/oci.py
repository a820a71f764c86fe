"""An OCI image is verified in two steps, and its row says which ran.

1. Its archive is read as a registry and a runtime read it: every blob matches its digest and size, the config
   carries the MCP server name label, an entrypoint, and a non-root user.
2. It is run the way a client runs it (``docker run -i --rm --network none IMAGE``): with Docker or Podman when
   one works here, else unpacked with umoci and started with runc (no daemon); its interface is listed over MCP
   and compared with the lock. With no runtime at all, the row says so and ``verify`` exits 4 with the install
   hint (:class:`~mcpship.MissingRuntimeError`).
"""

from __future__ import annotations

import hashlib
import platform
import tarfile
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mcpship._exceptions import McpshipError, MissingRuntimeError
from mcpship._reporter import Reporter
from mcpship._safe_load import MAX_FILE_BYTES
from mcpship._untrusted_json import loads_untrusted
from mcpship.interface.lock import InterfaceLock
from mcpship.targets._base import Artifact
from mcpship.verify.result import VerifyResult

__all__ = ["verify_image"]

_ARCHITECTURES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
_REF_NAME = "org.opencontainers.image.ref.name"
_MCP_NAME_LABEL = "io.modelcontextprotocol.server.name"
_CHECKED = "image config checked (blob digests, MCP name label, entrypoint, non-root user)"


def verify_image(
    artifact: Artifact,
    lock: InterfaceLock,
    config: Mapping[str, str],
    timeout: float,
    reporter: Reporter,
    *,
    run: Callable[..., VerifyResult],
    server_name: str | None = None,
) -> VerifyResult:
    from mcpship.targets.oci.engines import RUNTIME_HINT, engine_plan, find_runtime
    from mcpship.targets.oci.run import image_bundle

    problems = check_image_archive(artifact.path, server_name)
    if problems:
        return VerifyResult(artifact=artifact, how="image archive read", status="failed", detail="; ".join(problems))
    here = f"linux-{_ARCHITECTURES.get(platform.machine().lower(), platform.machine().lower())}"
    if artifact.platform and artifact.platform != here:
        return VerifyResult(
            artifact=artifact,
            how="image archive read",
            status="skipped",
            detail=f"{_CHECKED}; not run: built for {artifact.platform}, this machine is {here}",
        )
    try:
        runtime = find_runtime()
    except MissingRuntimeError as error:  # $MCPSHIP_OCI_RUNTIME names one that is not installed
        return VerifyResult(
            artifact=artifact,
            how="image archive read",
            status="skipped",
            detail=f"{_CHECKED}; not run: {error.message}",
            missing=error.hint,
        )
    except McpshipError as error:
        return VerifyResult(artifact=artifact, how="-", status="failed", detail=error.message)
    if runtime is None:
        return VerifyResult(
            artifact=artifact,
            how="image archive read",
            status="skipped",
            detail=f"{_CHECKED}; not run: no container runtime ({RUNTIME_HINT})",
            missing=RUNTIME_HINT,
        )
    with tempfile.TemporaryDirectory(prefix="mcpship-oci-") as scratch:
        try:
            if runtime.name == "runc":
                tag = _tag(artifact.path) or artifact.version
                with image_bundle(artifact.path, tag, Path(scratch) / "run", env=dict(config)) as plan:
                    result = run(artifact, plan, lock, timeout, reporter, how=runtime.how)
            else:
                with engine_plan(runtime, artifact.path, dict(config)) as plan:
                    result = run(artifact, plan, lock, timeout, reporter, how=runtime.how)
        except McpshipError as error:
            return VerifyResult(
                artifact=artifact, how=runtime.how, status="failed", detail=f"{_CHECKED}; {error.message}"
            )
    ran = f"{_CHECKED}; run with {runtime.name}"
    return VerifyResult(
        artifact=result.artifact,
        how=result.how,
        status=result.status,
        seconds=result.seconds,
        matches=result.matches,
        detail=f"{ran}: {result.detail}" if result.detail else ran,
        changes=result.changes,
    )


def check_image_archive(archive: Path, server_name: str | None) -> list[str]:
    """What is wrong with the image in ``archive`` (an ``.oci.tar``), read as a runtime reads it; [] when nothing."""
    try:
        with tarfile.open(archive) as layout:
            manifests = _object(layout, "index.json").get("manifests")
            if not isinstance(manifests, list) or len(manifests) != 1 or not isinstance(manifests[0], dict):
                return ["index.json does not list exactly one image"]
            manifest = _object(layout, _blob(manifests[0]), expect=manifests[0])
            config_descriptor = _field(manifest, "config")
            image_config = _object(layout, _blob(config_descriptor), expect=config_descriptor)
            layers = manifest.get("layers")
            for layer in layers if isinstance(layers, list) else []:
                _check_blob(layout, layer)
    except (OSError, tarfile.TarError, ValueError, KeyError) as exc:
        return [f"not a readable OCI image archive: {exc}"]
    runtime = _field(image_config, "config")
    problems = []
    labels = _field(runtime, "Labels")
    if server_name is not None and labels.get(_MCP_NAME_LABEL) != server_name:
        problems.append(f"the label {_MCP_NAME_LABEL} is {labels.get(_MCP_NAME_LABEL)!r}, not {server_name!r}")
    if not runtime.get("Entrypoint"):
        problems.append("the image has no entrypoint")
    if str(runtime.get("User") or "0").split(":")[0] in ("", "0", "root"):
        problems.append("the image runs as root")
    return problems


def _blob(descriptor: dict[str, Any]) -> str:
    digest = str(descriptor.get("digest", ""))
    algorithm, _, hexdigest = digest.partition(":")
    if algorithm != "sha256" or len(hexdigest) != 64 or not all(c in "0123456789abcdef" for c in hexdigest):
        raise ValueError(f"a descriptor names the digest {digest!r}")
    return f"blobs/sha256/{hexdigest}"


def _check_blob(layout: tarfile.TarFile, descriptor: Any) -> None:
    """Hash the blob as it streams; ValueError when its digest or size differ from ``descriptor``."""
    if not isinstance(descriptor, dict):
        raise ValueError("a layer descriptor is not an object")
    name = _blob(descriptor)
    member = layout.extractfile(name)
    if member is None:
        raise ValueError(f"{name} is not a file")
    sha256, size = hashlib.sha256(), 0
    while chunk := member.read(1 << 20):
        sha256.update(chunk)
        size += len(chunk)
    if f"sha256:{sha256.hexdigest()}" != descriptor.get("digest") or size != descriptor.get("size"):
        raise ValueError(f"{name} does not match its digest and size")


def _field(document: dict[str, Any], key: str) -> dict[str, Any]:
    value = document.get(key)
    return value if isinstance(value, dict) else {}


def _object(layout: tarfile.TarFile, name: str, *, expect: dict[str, Any] | None = None) -> dict[str, Any]:
    member = layout.extractfile(name)
    if member is None:
        raise ValueError(f"{name} is not a file")
    data = member.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"{name} is larger than {MAX_FILE_BYTES} bytes")
    if expect is not None and (
        f"sha256:{hashlib.sha256(data).hexdigest()}" != expect.get("digest") or len(data) != expect.get("size")
    ):
        raise ValueError(f"{name} does not match its digest and size")
    document = loads_untrusted(data)
    if not isinstance(document, dict):
        raise ValueError(f"{name} is not a JSON object")
    return document


def _tag(archive: Path) -> str | None:
    """The tag the image archive's index.json names (``[targets.oci] tag``, default the version)."""
    try:
        with tarfile.open(archive) as layout:
            member = layout.extractfile("index.json")
            index = loads_untrusted(member.read(MAX_FILE_BYTES)) if member is not None else {}
    except (OSError, KeyError, ValueError, tarfile.TarError):
        return None
    manifests = index.get("manifests") if isinstance(index, dict) else None
    for manifest in manifests if isinstance(manifests, list) else []:
        annotations = manifest.get("annotations") if isinstance(manifest, dict) else None
        name = annotations.get(_REF_NAME) if isinstance(annotations, dict) else None
        if isinstance(name, str) and name:
            return name
    return None

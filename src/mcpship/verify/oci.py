"""An OCI image is verified the way a client runs it (``docker run -i --rm --network none IMAGE``), without a
daemon: unpacked with umoci, started with runc, stdin and stdout attached, then listed over MCP."""

from __future__ import annotations

import platform
import tarfile
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from mcpship._exceptions import McpshipError
from mcpship._reporter import Reporter
from mcpship._safe_load import MAX_FILE_BYTES
from mcpship._untrusted_json import loads_untrusted
from mcpship.interface.lock import InterfaceLock
from mcpship.targets._base import Artifact
from mcpship.verify.result import VerifyResult

__all__ = ["verify_image"]

_HOW = "umoci unpack + runc run, stdin attached, no network"
_ARCHITECTURES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
_REF_NAME = "org.opencontainers.image.ref.name"


def verify_image(
    artifact: Artifact,
    lock: InterfaceLock,
    config: Mapping[str, str],
    timeout: float,
    reporter: Reporter,
    *,
    run: Callable[..., VerifyResult],
) -> VerifyResult:
    from mcpship.targets.oci.run import image_bundle

    here = f"linux-{_ARCHITECTURES.get(platform.machine().lower(), platform.machine().lower())}"
    if artifact.platform and artifact.platform != here:
        return VerifyResult(
            artifact=artifact, how=_HOW, status="skipped", detail=f"built for {artifact.platform}; this is {here}"
        )
    with tempfile.TemporaryDirectory(prefix="mcpship-oci-") as scratch:
        try:
            tag = _tag(artifact.path) or artifact.version
            with image_bundle(artifact.path, tag, Path(scratch) / "run", env=dict(config)) as plan:
                return run(artifact, plan, lock, timeout, reporter, how=_HOW)
        except McpshipError as error:
            return VerifyResult(artifact=artifact, how=_HOW, status="failed", detail=error.message)


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

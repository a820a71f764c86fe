"""Unpack a bundle safely: read it with :mod:`.archive` (signature stripped, every limit and the one symlink rule
applied, so what ``mcpship validate`` refuses is refused here in the same words), and extract into a temporary
sibling folder that is renamed into place only when everything succeeded."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from mcpship._exceptions import InvalidArtifactError
from mcpship.targets.mcpb.archive import MAX_UNPACKED_BYTES, BundleLimits, open_bundle

__all__ = ["MAX_UNPACKED_BYTES", "unpack_bundle"]


def unpack_bundle(bundle: Path, destination: Path, *, limits: BundleLimits | None = None) -> Path:
    """Extract ``bundle`` into ``destination`` (absent or empty) and return it; refuse unsafe bundles whole
    (:class:`~mcpship.targets.mcpb.archive.UnsafeBundleError`, exit code 9)."""
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise InvalidArtifactError(f"{destination}: exists and is not an empty folder", hint="unpack somewhere new")
    with open_bundle(bundle, limits=limits) as archive:
        archive.require_safe()  # before a folder is made
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
        try:
            archive.extract(partial)
            if destination.exists():
                destination.rmdir()
            partial.replace(destination)
        except OSError as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise InvalidArtifactError(
                f"{bundle}: cannot unpack it into {destination}: {exc}", hint="check the disk space and permissions"
            ) from exc
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
    return destination

"""Reproducible zip archives: sorted entries, fixed times and modes, no extra fields; the same files give
the same bytes on every machine."""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["write_reproducible_zip"]


def write_reproducible_zip(destination: Path, files: Iterable[tuple[str, Path]], *, epoch: int) -> None:
    """Zip ``(archive name, source file)`` pairs. Executables keep 0755, everything else is 0644."""
    stamp = time.gmtime(epoch)[:6]
    entries = sorted(files, key=lambda pair: pair[0])
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, source in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the mode bits below are honoured by unzip and hosts
            mode = 0o755 if source.stat().st_mode & 0o111 else 0o644
            info.external_attr = (0o100000 | mode) << 16  # regular file + permissions
            archive.writestr(info, source.read_bytes(), compresslevel=9)

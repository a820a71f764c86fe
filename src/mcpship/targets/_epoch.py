"""The timestamp reproducible archives use: ``SOURCE_DATE_EPOCH``, else the last commit's time."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from mcpship._exceptions import BuildError

__all__ = ["source_date_epoch"]

_ZIP_EPOCH_FLOOR = 315532800  # 1980-01-01: zip cannot store earlier times


def source_date_epoch(root: Path) -> int:
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value:
        try:
            return max(int(value), _ZIP_EPOCH_FLOOR)
        except ValueError:
            raise BuildError(
                f"SOURCE_DATE_EPOCH={value!r} is not a whole number of seconds",
                hint="unset it, or set it to a Unix timestamp such as $(git log -1 --format=%ct)",
            ) from None
    try:
        completed = subprocess.run(
            ["git", "log", "-1", "--format=%ct"], cwd=root, capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        completed = None
    if completed is not None and completed.returncode == 0 and completed.stdout.strip().isdigit():
        return max(int(completed.stdout.strip()), _ZIP_EPOCH_FLOOR)
    # Not a git checkout and no SOURCE_DATE_EPOCH: a fixed date still gives reproducible bytes.
    return _ZIP_EPOCH_FLOOR

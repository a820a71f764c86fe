"""Where mcpship keeps what it can make again (environments, computed metadata): light to import on purpose."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["cache_dir"]


def cache_dir() -> Path:
    override = os.environ.get("MCPSHIP_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("mcpship"))

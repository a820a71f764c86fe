"""The team's shared conformance data (official schemas, the OpenAPI document, seed entries), read, never copied.

It lives next to the checkout (``../shared``) in this team's CI only; ``MCPSHIP_SHARED_DIR`` points elsewhere (a
copy, or the original when tests run from another folder, as ``dev/mutate`` does). A test that needs a file of it
that is missing is skipped with the reason when ``CI`` is unset (a fresh clone elsewhere) and fails when ``CI`` is
set, where a silent skip would hide a broken checkout. ``tests/conftest.py`` applies that rule to every test: a
``FileNotFoundError`` for a path under :data:`SHARED` is turned into the skip or the failure.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

__all__ = ["SHARED", "missing_shared_data", "shared_file", "shared_files", "under_shared"]

_ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MCPSHIP_SHARED_DIR") or _ROOT.parent / "shared").resolve()


def under_shared(filename: object) -> bool:
    if not isinstance(filename, str | os.PathLike):
        return False
    return Path(os.fspath(filename)).resolve().is_relative_to(SHARED)


def missing_shared_data(path: object) -> NoReturn:
    reason = (
        f"{path} is missing: the shared conformance data ({SHARED}) exists only in this team's CI; "
        "set MCPSHIP_SHARED_DIR to a copy of it to run this test"
    )
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def shared_files(directory: Path, pattern: str) -> list[Path]:
    """``directory``'s files matching ``pattern``, sorted, for parametrising; when the folder is missing, the folder
    itself stands as the one case, so the test reading it is skipped or failed by the rule above instead of
    collecting no case at all."""
    found = sorted(directory.glob(pattern))
    return found or [directory / pattern]


def shared_file(path: Path) -> Path:
    """``path``, a file of the shared data that is handed to another process: checked here, since that process's
    own error for a missing file is no ``FileNotFoundError`` the rule above can see."""
    if not path.is_file():
        missing_shared_data(path)
    return path

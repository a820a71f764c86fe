"""The GitHub Actions a generated workflow uses, each pinned to the full commit SHA of a release tag.

A tag can be moved to other code; a commit SHA cannot, so workflows name the commit and keep the version in a
comment (``uses: actions/checkout@<sha> # v7.0.1``), which Dependabot and Renovate update together. To move a pin:
``git rev-parse 'refs/tags/vX.Y.Z^{commit}'`` in a clone of the action's repository, then change both fields here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ACTIONS", "ActionPin"]

_SHA = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class ActionPin:
    repository: str
    sha: str
    """The commit the release tag points at (40 hex digits)."""
    version: str

    def __post_init__(self) -> None:
        if not _SHA.fullmatch(self.sha):
            raise ValueError(f"{self.repository}: {self.sha!r} is not a full commit SHA")

    @property
    def uses(self) -> str:
        return f"{self.repository}@{self.sha}"


# Read from each repository's tags (refs/tags/<version>^{commit}) on 2026-12-08.
ACTIONS: dict[str, ActionPin] = {
    "checkout": ActionPin("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "setup-python": ActionPin("actions/setup-python", "5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "setup-uv": ActionPin("astral-sh/setup-uv", "20cfd1bf945f4377ade1205e4dbc17946fc9a30d", "v10.0.1"),
    "setup-node": ActionPin("actions/setup-node", "820762786026740c76f36085b0efc47a31fe5020", "v7.0.0"),
    "upload-artifact": ActionPin("actions/upload-artifact", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "download-artifact": ActionPin("actions/download-artifact", "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
}

"""The image's labels: the MCP Registry's ownership label plus the standard OCI annotations.

The official registry proves an ``oci`` package belongs to a server by reading the label
``io.modelcontextprotocol.server.name`` from the image config; some validator versions read the manifest
annotation instead, so the image carries it in both places.
"""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

from mcpship.spec.model import Spec

__all__ = ["MCP_NAME_LABEL", "git_revision", "image_labels", "rfc3339"]

MCP_NAME_LABEL = "io.modelcontextprotocol.server.name"


def image_labels(spec: Spec, *, revision: str | None, epoch: int) -> dict[str, str]:
    labels = {
        MCP_NAME_LABEL: spec.name,
        "org.opencontainers.image.title": spec.title or spec.server_name,
        "org.opencontainers.image.description": spec.description,
        "org.opencontainers.image.version": spec.version,
        "org.opencontainers.image.created": rfc3339(epoch),
    }
    if spec.repository:
        labels["org.opencontainers.image.source"] = spec.repository
    if spec.homepage:
        labels["org.opencontainers.image.url"] = spec.homepage
    if revision:
        labels["org.opencontainers.image.revision"] = revision
    if spec.license:
        labels["org.opencontainers.image.licenses"] = spec.license
    return labels


def git_revision(root: Path) -> str | None:
    """The commit the project is at, or None outside git (the label is then left out)."""
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    revision = completed.stdout.strip()
    return revision if completed.returncode == 0 and revision else None


def rfc3339(epoch: int) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

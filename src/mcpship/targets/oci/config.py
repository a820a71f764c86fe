"""``[targets.oci]``: what an image needs that the spec does not say."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_BASE_IMAGES", "OciConfig"]

# The official images on Docker Hub; without a digest, the build resolves the tag to the digest it names that day,
# builds on that, and writes it into the Dockerfile's FROM (python:3.12-slim@sha256:…), so the image can be rebuilt.
DEFAULT_BASE_IMAGES = {"python": "python:3.12-slim", "node": "node:22-slim"}


class OciConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    base_image: str | None = Field(default=None, min_length=1)
    """The image to build on, pulled from any registry (``python:3.12-slim``, ``ghcr.io/acme/base:1``, with or
    without ``@sha256:…``); default: the official ``python:3.X-slim`` (the project's Python) or ``node:22-slim``.
    Credentials come from ``docker login``; the resolved digest becomes the Dockerfile's FROM."""
    base_layout: str | None = Field(default=None, min_length=1)
    """An OCI image layout folder (relative to the project) to build on instead of pulling; default:
    $MCPSHIP_OCI_BASE."""
    base_tag: str | None = Field(default=None, min_length=1)
    """The tag in that layout; default: its only image."""
    python_version: str | None = Field(default=None, pattern=r"^3\.\d+$")
    """The base image's Python (``3.11``): picks the default image's tag; default: 3.12 when requires-python
    allows it, else the newest it allows; read from a base given by base_image or base_layout."""
    node_version: str | None = Field(default=None, pattern=r"^\d+$")
    """The default Node image's major version (``node:22-slim``)."""
    platform: str | None = Field(default=None, pattern=r"^linux/(amd64|arm64)$")
    """The image's platform, ``linux/amd64`` or ``linux/arm64``; default: this machine's."""
    insecure: bool = False
    """Pull the base over plain HTTP (registries on this machine always are)."""
    dockerfile_only: bool = False
    """Write only the Dockerfile (no pull, no image), e.g. offline or when CI builds the image."""
    user: str = Field(default="65532:65532", pattern=r"^\d+(:\d+)?$")
    """Numeric uid[:gid] the server runs as: never root, and no passwd entry needed."""
    tag: str | None = Field(default=None, min_length=1)
    """The image's tag in the layout; default: the spec's version."""

"""``[targets.oci]``: what an image needs that the spec does not say."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_BASE_IMAGES", "OciConfig"]

# Digest-pinned (multi-platform index digests, as published for these tags); bump them with
# `docker buildx imagetools inspect python:3.12-slim`. A pinned base makes `docker build` repeatable.
DEFAULT_BASE_IMAGES = {
    "python": "python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea",
    "node": "node:20-slim@sha256:1e85773c98c31d4fe5b545e4cb17379e617b348832fb3738b22a08f68dec30f3",
}


class OciConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    base_image: str | None = Field(default=None, min_length=1)
    """The Dockerfile's FROM (pin it by digest); default: an official python/node slim image, pinned."""
    base_layout: str | None = Field(default=None, min_length=1)
    """An OCI image layout folder (relative to the project) to build the image on; default: $MCPSHIP_OCI_BASE.
    Without either, only the Dockerfile is written."""
    base_tag: str | None = Field(default=None, min_length=1)
    """The tag in that layout; default: its only image."""
    python_version: str | None = Field(default=None, pattern=r"^3\.\d+$")
    """The base image's Python (``3.11``); default: read from the base image."""
    user: str = Field(default="65532:65532", pattern=r"^\d+(:\d+)?$")
    """Numeric uid[:gid] the server runs as: never root, and no passwd entry needed."""
    tag: str | None = Field(default=None, min_length=1)
    """The image's tag in the layout; default: the spec's version."""

"""The ``oci`` target: a Dockerfile, and a reproducible OCI image built daemonless on a base image pulled by digest
(or read from a local OCI layout).

Public pieces other parts of mcpship use:

* :class:`OciTarget`: the build target (``[targets.oci]`` configures it, see :class:`OciConfig`);
* :func:`render_dockerfile` / :func:`render_dockerignore`: the Dockerfile for Docker, Podman and CI builders;
* :func:`files_layer` / :func:`directory_layer` and :class:`LayoutWriter`: reproducible layers and layouts;
* :func:`parse_base_reference`, and :func:`mcpship.targets.oci.pull.pull_base_image`: a base image from any
  registry into the cache (a module of its own: it loads httpx);
* :func:`run_image_plan` / :func:`image_bundle`: run an image with umoci + runc, over stdio, without network.
"""

from __future__ import annotations

from mcpship.targets.oci.config import DEFAULT_BASE_IMAGES, OciConfig
from mcpship.targets.oci.dockerfile import DockerfileInputs, render_dockerfile, render_dockerignore
from mcpship.targets.oci.image import ImageSettings, WrittenImage, write_image_layout
from mcpship.targets.oci.labels import MCP_NAME_LABEL, image_labels
from mcpship.targets.oci.layers import Layer, directory_layer, files_layer
from mcpship.targets.oci.layout import BaseImage, LayoutWriter, extract_layout_tar, pack_layout_tar, read_base_layout
from mcpship.targets.oci.reference import BaseReference, parse_base_reference
from mcpship.targets.oci.run import image_bundle, run_image_plan
from mcpship.targets.oci.target import BASE_LAYOUT_ENV, OciTarget

__all__ = [
    "BASE_LAYOUT_ENV",
    "DEFAULT_BASE_IMAGES",
    "MCP_NAME_LABEL",
    "BaseImage",
    "BaseReference",
    "DockerfileInputs",
    "ImageSettings",
    "Layer",
    "LayoutWriter",
    "OciConfig",
    "OciTarget",
    "WrittenImage",
    "directory_layer",
    "extract_layout_tar",
    "files_layer",
    "image_bundle",
    "image_labels",
    "pack_layout_tar",
    "parse_base_reference",
    "read_base_layout",
    "render_dockerfile",
    "render_dockerignore",
    "run_image_plan",
    "write_image_layout",
]

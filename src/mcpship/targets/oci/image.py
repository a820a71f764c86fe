"""Assemble an image from a base and new layers: config, manifest, index, written as an OCI layout.

The base's layers are reused byte for byte; the new config starts from the base's (its PATH, its Python or
Node) and replaces what decides how the container starts. Every timestamp is the build's epoch, so two
builds of the same commit give the same manifest digest.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcpship.targets.oci.labels import MCP_NAME_LABEL, rfc3339
from mcpship.targets.oci.layers import LAYER_MEDIA_TYPE, Layer
from mcpship.targets.oci.layout import CONFIG_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, REF_NAME, BaseImage, LayoutWriter
from mcpship.targets.oci.layout import canonical_json as _canonical

__all__ = ["ImageSettings", "WrittenImage", "write_image_layout"]


@dataclass(frozen=True, kw_only=True)
class ImageSettings:
    entrypoint: Sequence[str]
    cmd: Sequence[str] = ()
    env: dict[str, str]
    """Added to (and overriding) the base's environment."""
    user: str
    working_dir: str
    labels: dict[str, str]
    tag: str
    epoch: int
    history: str
    """What made the new layers, for ``docker history``."""


@dataclass(frozen=True)
class WrittenImage:
    layout: Path
    manifest_digest: str
    config_digest: str
    tag: str


def write_image_layout(
    directory: Path, base: BaseImage, layers: Sequence[Layer], settings: ImageSettings
) -> WrittenImage:
    writer = LayoutWriter(directory)
    for descriptor in base.layers:
        writer.add_file(base.blob(descriptor["digest"]), descriptor["digest"])
    for layer in layers:
        writer.add_file(layer.path, layer.digest)
    config = writer.add_bytes(_canonical(image_config(base, layers, settings)), CONFIG_MEDIA_TYPE)
    annotations = manifest_annotations(base, settings)
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": config,
        "layers": [
            *base.layers,
            *({"mediaType": LAYER_MEDIA_TYPE, "digest": layer.digest, "size": layer.size} for layer in layers),
        ],
        "annotations": annotations,
    }
    manifest_descriptor = writer.add_bytes(_canonical(manifest), MANIFEST_MEDIA_TYPE)
    manifest_descriptor["platform"] = {"architecture": base.architecture, "os": str(base.config.get("os", "linux"))}
    writer.write_index(manifest_descriptor, {REF_NAME: settings.tag, MCP_NAME_LABEL: settings.labels[MCP_NAME_LABEL]})
    return WrittenImage(
        layout=directory,
        manifest_digest=manifest_descriptor["digest"],
        config_digest=config["digest"],
        tag=settings.tag,
    )


def image_config(base: BaseImage, layers: Sequence[Layer], settings: ImageSettings) -> dict[str, Any]:
    config: dict[str, Any] = copy.deepcopy(base.config)
    runtime: dict[str, Any] = dict(config.get("config") or {})
    runtime["Entrypoint"] = list(settings.entrypoint)
    # The base's Cmd (`python3`, `node`) would become arguments of our entrypoint: replace it, always.
    runtime["Cmd"] = list(settings.cmd) or None
    runtime["Env"] = _merge_env(runtime.get("Env") or [], settings.env)
    runtime["User"] = settings.user
    runtime["WorkingDir"] = settings.working_dir
    runtime["Labels"] = {**(runtime.get("Labels") or {}), **settings.labels}
    runtime.pop("Healthcheck", None)  # the base's check tested the base's process, not the server
    runtime = {key: value for key, value in runtime.items() if value is not None}
    created = rfc3339(settings.epoch)
    history = [dict(entry) for entry in config.get("history") or []]
    history += [{"created": created, "created_by": settings.history, "comment": "mcpship"} for _ in layers]
    diff_ids = [*((config.get("rootfs") or {}).get("diff_ids") or []), *(layer.diff_id for layer in layers)]
    config.update(
        created=created,
        config=runtime,
        history=history,
        rootfs={"type": "layers", "diff_ids": diff_ids},
    )
    config.pop("container_config", None)  # Docker's record of the base's last build step
    config.pop("container", None)
    return config


def manifest_annotations(base: BaseImage, settings: ImageSettings) -> dict[str, str]:
    """The labels again (registries that read annotations find the MCP name), plus where the base came from."""
    return {
        **settings.labels,
        "org.opencontainers.image.base.digest": base.manifest_digest,
        "org.opencontainers.image.base.name": base.reference,
    }


def _merge_env(base: Sequence[str], extra: dict[str, str]) -> list[str]:
    merged = dict(entry.partition("=")[::2] for entry in base)
    merged.update(extra)
    return [f"{name}={value}" for name, value in merged.items()]

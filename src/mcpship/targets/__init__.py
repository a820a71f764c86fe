"""Distribution formats. Each target is a small class checked against :class:`Target`; built-ins and third-party
targets (entry point group ``mcpship.targets``) are found the same way."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from mcpship._exceptions import UsageError
from mcpship.targets._base import Artifact, BuildContext, BuildOptions, Target, target_config

__all__ = ["BUILTIN_TARGETS", "Artifact", "BuildContext", "BuildOptions", "Target", "load_target", "target_config"]

# name -> "module:Class"; imported only when that target is built
BUILTIN_TARGETS = {
    "pypi": "mcpship.targets.pypi:PypiTarget",
    "npm": "mcpship.targets.npm:NpmTarget",
    "mcpb": "mcpship.targets.mcpb:McpbTarget",
    "oci": "mcpship.targets.oci:OciTarget",
    "registry": "mcpship.targets.server_json:RegistryTarget",
    "smithery": "mcpship.targets.smithery:SmitheryTarget",
    "docker-catalog": "mcpship.targets.docker_catalog:DockerCatalogTarget",
    "toolhive": "mcpship.targets.toolhive:ToolhiveTarget",
}


def load_target(name: str) -> Target:
    reference = BUILTIN_TARGETS.get(name)
    if reference is None:
        for entry in entry_points(group="mcpship.targets"):
            if entry.name == name:
                reference = entry.value
                break
    if reference is None:
        from mcpship.spec.model import TARGET_NAMES

        planned = [n for n in TARGET_NAMES if n not in BUILTIN_TARGETS]
        available = ", ".join(sorted(BUILTIN_TARGETS))
        if name in planned:
            raise UsageError(
                f"target {name!r} is not available in this version of mcpship",
                hint=f"build one of: {available}",
            )
        raise UsageError(f"unknown target {name!r}", hint=f"build one of: {available}")
    module_name, _, class_name = reference.partition(":")
    target_class = getattr(importlib.import_module(module_name), class_name)
    target: Target = target_class()
    if not isinstance(target, Target):
        raise UsageError(f"{reference} does not implement the mcpship Target protocol")
    return target

"""Which targets exist: the built-ins (imported only when used), the names they had before, and third-party
targets from the entry point group ``mcpship.targets``.

Nothing here imports a target: the spec loader asks for a target's config class while the CLI starts, so a
built-in's config class is named separately from its target class (a test keeps the two in step), and entry
points are read only for a name no built-in has.
"""

from __future__ import annotations

import difflib
import importlib
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from mcpship._exceptions import UsageError

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = [
    "ALIASES",
    "BUILTIN_CONFIGS",
    "BUILTIN_TARGETS",
    "ENTRY_POINT_GROUP",
    "canonical_name",
    "config_class",
    "import_reference",
    "known_names",
    "plugin_reference",
    "unknown_target_message",
]

ENTRY_POINT_GROUP = "mcpship.targets"

# name -> "module:Class"; imported only when that target is built
BUILTIN_TARGETS = {
    "pypi": "mcpship.targets.pypi:PypiTarget",
    "npm": "mcpship.targets.npm:NpmTarget",
    "mcpb": "mcpship.targets.mcpb:McpbTarget",
    "oci": "mcpship.targets.oci:OciTarget",
    "server-json": "mcpship.targets.server_json:ServerJsonTarget",
    "smithery": "mcpship.targets.smithery:SmitheryTarget",
    "docker-catalog": "mcpship.targets.docker_catalog:DockerCatalogTarget",
    "toolhive": "mcpship.targets.toolhive:ToolhiveTarget",
}

# name -> "module:Class" of its [targets.<name>] table, in modules that are cheap to import
BUILTIN_CONFIGS = {
    "pypi": "mcpship.targets.pypi:PypiConfig",
    "npm": "mcpship.targets.npm:NpmConfig",
    "mcpb": "mcpship.targets.mcpb.config:McpbConfig",
    "oci": "mcpship.targets.oci.config:OciConfig",
    "server-json": "mcpship.targets.server_json:ServerJsonConfig",
    "smithery": "mcpship.targets.smithery:SmitheryConfig",
    "docker-catalog": "mcpship.targets.docker_catalog:DockerCatalogConfig",
    "toolhive": "mcpship.targets.toolhive:ToolhiveConfig",
}

ALIASES = {"registry": "server-json"}
"""Old name -> target: ``[targets.registry]`` and ``--target registry`` keep working."""


def canonical_name(name: str) -> str:
    """``registry`` -> ``server-json``; every other name is itself."""
    return ALIASES.get(name, name)


def plugin_reference(name: str) -> str | None:
    """``module:Class`` of the installed third-party target called ``name``, or None."""
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name == name:
            return entry.value
    return None


def known_names() -> list[str]:
    """Built-in targets, then installed third-party ones (reads the entry points: call it for messages only)."""
    plugins = sorted({entry.name for entry in entry_points(group=ENTRY_POINT_GROUP)} - set(BUILTIN_TARGETS))
    return [*BUILTIN_TARGETS, *plugins]


def unknown_target_message(name: str) -> tuple[str, str]:
    """``(message, hint)`` for a target name nobody provides, with the closest known name when there is one."""
    names = known_names()
    close = difflib.get_close_matches(name, [*names, *ALIASES], n=1, cutoff=0.75)
    message = f"unknown target {name!r}; known targets: {', '.join(names)}"
    if close:
        return f"{message}; did you mean {canonical_name(close[0])!r}?", f"rename it to {canonical_name(close[0])}"
    return message, (
        f"build one of: {', '.join(names)}; a third-party target is found once its package (which declares"
        f" the entry point group {ENTRY_POINT_GROUP}) is installed next to mcpship"
    )


def import_reference(reference: str) -> object:
    """The object a ``module:attribute`` reference names; a broken plugin is a :class:`UsageError`."""
    module_name, _, attribute = reference.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise UsageError(
            f"cannot load {reference}: {exc}",
            hint="reinstall the package that provides this target, or remove it from [targets]",
        ) from exc


def config_class(name: str) -> type[BaseModel]:
    """The pydantic model of ``[targets.<name>]`` (``name`` already canonical); :class:`UsageError` if unknown."""
    from pydantic import BaseModel

    reference = BUILTIN_CONFIGS.get(name)
    found = import_reference(reference) if reference is not None else _plugin_config(name)
    if not (isinstance(found, type) and issubclass(found, BaseModel)):
        raise UsageError(
            f"target {name!r} declares config_class {found!r}, which is not a pydantic model",
            hint="set config_class to a pydantic BaseModel subclass (with extra='forbid')",
        )
    return found


def _plugin_config(name: str) -> object:
    from mcpship.targets import load_target

    return type(load_target(name)).config_class

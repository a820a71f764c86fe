"""Distribution formats. Each target is a small class checked against :class:`Target`; built-ins and third-party
targets (entry point group ``mcpship.targets``) are found the same way. The contract is in docs/plugins.md."""

from __future__ import annotations

from mcpship._exceptions import UsageError
from mcpship.targets._base import (
    Artifact,
    BuildContext,
    BuildOptions,
    BuiltFile,
    NoConfig,
    Target,
    VerifyingTarget,
    target_config,
)
from mcpship.targets._known import (
    ALIASES,
    BUILTIN_TARGETS,
    ENTRY_POINT_GROUP,
    canonical_name,
    import_reference,
    plugin_reference,
    unknown_target_message,
)

__all__ = [
    "ALIASES",
    "BUILTIN_TARGETS",
    "ENTRY_POINT_GROUP",
    "Artifact",
    "BuildContext",
    "BuildOptions",
    "BuiltFile",
    "NoConfig",
    "Target",
    "VerifyingTarget",
    "canonical_name",
    "load_target",
    "target_config",
]


def load_target(name: str) -> Target:
    """The target called ``name`` (or its old name): a built-in, else an installed entry point."""
    name = canonical_name(name)
    reference = BUILTIN_TARGETS.get(name) or plugin_reference(name)
    if reference is None:
        message, hint = unknown_target_message(name)
        raise UsageError(message, hint=hint)
    target_class = import_reference(reference)
    target = target_class() if isinstance(target_class, type) else None
    if not isinstance(target, Target):
        raise UsageError(
            f"{reference} does not implement the mcpship Target protocol (name, config_class, needs,"
            " not_applicable, check, build)",
            hint="see docs/plugins.md for what a target class declares",
        )
    if target.name != name:
        raise UsageError(
            f"{reference} is registered as target {name!r} but calls itself {target.name!r}",
            hint=f'make the entry point name and the class\'s name agree (name = "{name}")',
        )
    return target

"""Find and resolve a project's spec: ``mcpship.toml``, else ``[tool.mcpship]`` in pyproject.toml, over what
pyproject.toml / package.json / the README already say."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mcpship._exceptions import SpecError
from mcpship.spec.backend_metadata import backend_metadata
from mcpship.spec.errors import describe_validation_error
from mcpship.spec.model import Spec
from mcpship.spec.project_metadata import ProjectMetadata, read_package_json, read_pyproject, read_toml

__all__ = ["ResolvedSpec", "load_spec"]

SPEC_FILE = "mcpship.toml"
_DERIVABLE = ("name", "description", "version", "license", "repository", "homepage", "keywords")


@dataclass(frozen=True, kw_only=True)
class ResolvedSpec:
    """A validated spec plus where it came from."""

    spec: Spec
    root: Path
    source: Path | None
    """The file holding the explicit spec; None when everything was derived."""
    origins: dict[str, str] = field(default_factory=dict)
    """Spec field -> the file it was taken from, for fields the spec file itself left out."""
    target_keys: dict[str, str] = field(default_factory=dict)
    """Target -> the key its table has in the spec file, where they differ (``server-json`` -> ``registry``,
    its old name), so errors name the table the author wrote."""


def load_spec(directory: Path | str, *, check_targets: bool = True) -> ResolvedSpec:
    """Load and validate the spec of the project in ``directory``; raise :class:`SpecError` naming file and key.

    Each ``[targets.<name>]`` table is validated with its target's config class (a built-in, or a third-party
    target from the entry point group ``mcpship.targets``). ``check_targets=False`` leaves the tables' keys
    unchecked (target names are still checked) for callers that never build, such as ``mcpship inspect``: it
    spares importing every target's config.
    """
    root = Path(directory).resolve()
    if not root.is_dir():
        raise SpecError(f"{directory}: not a directory", hint="pass the folder that holds your MCP server project")
    explicit, source, label, table = _explicit_spec(root)
    metadata = _project_metadata(root, explicit)
    merged, origins = _merge(explicit, metadata)
    _check_version_agrees(explicit, metadata, label)
    _require_derivable(merged, metadata, label)
    target_keys = _target_keys(merged.get("targets"), label, table)
    try:
        spec = Spec.model_validate(merged)
    except ValidationError as exc:
        message, hint = describe_validation_error(exc, source=label, table=table, model=Spec)
        raise SpecError(message, hint=hint) from None
    if check_targets:
        _check_target_tables(spec, target_keys, label, table)
    return ResolvedSpec(spec=spec, root=root, source=source, origins=origins, target_keys=target_keys)


def _target_keys(targets: object, label: str, table: str) -> dict[str, str]:
    """Target -> its key in ``[targets]`` where the two differ (an old name); unknown names are refused here,
    with the fix, before the model sees them."""
    from mcpship.targets._known import BUILTIN_TARGETS, canonical_name, plugin_reference, unknown_target_message

    if not isinstance(targets, dict):
        return {}  # the model reports the type
    where = f"[{table}.targets]" if table else "[targets]"
    renamed: dict[str, str] = {}
    for key in targets:
        name = canonical_name(key)
        if name not in BUILTIN_TARGETS and plugin_reference(name) is None:
            message, hint = unknown_target_message(key)
            raise SpecError(f"{label}: {message} (in {where})", hint=hint)
        if name != key:
            renamed[name] = key
    return renamed


def _check_target_tables(spec: Spec, target_keys: dict[str, str], label: str, table: str) -> None:
    """Each ``[targets.<name>]`` table against its target's config class: typos name the file, table and key."""
    from mcpship.targets._known import config_class

    for name, raw in spec.targets.items():
        model = config_class(name)
        try:
            model.model_validate(raw)
        except ValidationError as exc:
            where = (
                f"{table}.targets.{target_keys.get(name, name)}" if table else f"targets.{target_keys.get(name, name)}"
            )
            message, hint = describe_validation_error(exc, source=label, table=where, model=model)
            raise SpecError(message, hint=hint) from None


def _explicit_spec(root: Path) -> tuple[dict[str, Any], Path | None, str, str]:
    """The table the author wrote, the file it is in, how to name it in errors, and its TOML table name."""
    spec_file = root / SPEC_FILE
    if spec_file.is_file():
        return read_toml(spec_file), spec_file, str(spec_file), ""
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        tool = read_toml(pyproject).get("tool")
        table = tool.get("mcpship") if isinstance(tool, dict) else None
        if isinstance(table, dict):
            return table, pyproject, f"{pyproject} [tool.mcpship]", "tool.mcpship"
    if not pyproject.is_file() and not (root / "package.json").is_file():
        raise SpecError(
            f"{root}: no mcpship.toml, pyproject.toml or package.json found",
            hint="run `mcpship init` in the project folder to describe the server",
        )
    return {}, None, str(root / SPEC_FILE), ""


def _project_metadata(root: Path, explicit: dict[str, Any]) -> ProjectMetadata | None:
    chosen = _choose_metadata(root, explicit)
    if chosen is None or not chosen.dynamic:
        return chosen
    return _with_dynamic_fields(root, chosen, explicit)


def _choose_metadata(root: Path, explicit: dict[str, Any]) -> ProjectMetadata | None:
    pyproject_path = root / "pyproject.toml"
    python = read_pyproject(root, read_toml(pyproject_path)) if pyproject_path.is_file() else None
    node = read_package_json(root)
    run = explicit.get("run")
    wanted = run.get("runtime") if isinstance(run, dict) else None
    if wanted == "node":
        return node
    if wanted == "python":
        return python
    if wanted == "binary":
        return python or node
    # No runtime given: a Python project with console scripts wins, then an npm package with a bin.
    for candidate in (python, node):
        if candidate is not None and candidate.commands:
            return candidate
    return python or node


def _with_dynamic_fields(root: Path, metadata: ProjectMetadata, explicit: dict[str, Any]) -> ProjectMetadata:
    """Ask the build backend for the ``dynamic`` fields the spec needs and does not set itself."""
    needed = [key for key in _dynamic_needs(metadata, explicit) if key in metadata.dynamic]
    # A spec that sets the version of a dynamic-version project is still checked against the backend (one version
    # for every artifact), but a backend that cannot run then leaves the spec's version standing.
    checking = "version" in metadata.dynamic and "version" in explicit
    if not needed and not checking:
        return metadata
    try:
        computed = backend_metadata(root, read_toml(root / "pyproject.toml"), needed[0] if needed else "version")
    except SpecError:
        if needed:
            raise
        return metadata
    return metadata.with_backend_values(computed)


def _dynamic_needs(metadata: ProjectMetadata, explicit: dict[str, Any]) -> list[str]:
    """``[project]`` keys (in pyproject.toml's terms) whose values the spec would take from the project."""
    run = explicit.get("run")
    needs = {
        "version": "version" not in explicit,
        "description": "description" not in explicit,
        "keywords": "keywords" not in explicit,
        "license": "license" not in explicit,
        "urls": "repository" not in explicit or "homepage" not in explicit,
        "scripts": not (isinstance(run, dict) and "command" in run),
        "readme": "name" not in explicit and "name" not in metadata.values,
    }
    return [key for key, needed in needs.items() if needed]


def _merge(explicit: dict[str, Any], metadata: ProjectMetadata | None) -> tuple[dict[str, Any], dict[str, str]]:
    merged = dict(explicit)
    origins: dict[str, str] = {}
    if metadata is None:
        return merged, origins
    for key in _DERIVABLE:
        if key not in merged and key in metadata.values:
            merged[key] = metadata.values[key]
            origins[key] = metadata.source
    run = merged.get("run")
    if run is None or isinstance(run, dict):
        run = dict(run or {})
        if "runtime" not in run:
            run["runtime"] = metadata.runtime
            origins["run.runtime"] = metadata.source
        if "command" not in run and len(metadata.commands) == 1:
            run["command"] = metadata.commands[0]
            origins["run.command"] = metadata.source
        merged["run"] = run
    return merged, origins


def _check_version_agrees(explicit: dict[str, Any], metadata: ProjectMetadata | None, label: str) -> None:
    # One version for every channel: a spec that disagrees with the package would publish two versions.
    if metadata is None or "version" not in explicit or "version" not in metadata.values:
        return
    if str(explicit["version"]) != str(metadata.values["version"]):
        raise SpecError(
            f'{label}: version "{explicit["version"]}" differs from {metadata.source} version'
            f' "{metadata.values["version"]}"',
            hint=f"remove version from the spec so it is read from {metadata.source}, or make them equal",
        )


def _require_derivable(merged: dict[str, Any], metadata: ProjectMetadata | None, label: str) -> None:
    run = merged.get("run")
    if isinstance(run, dict) and "command" not in run and metadata is not None and len(metadata.commands) > 1:
        choices = ", ".join(metadata.commands)
        raise SpecError(
            f"{label}: {metadata.source} declares several commands ({choices}) and the spec does not say which"
            " starts the server",
            hint=f'add [run] command = "{metadata.commands[0]}" (or another of: {choices})',
        )
    if "version" not in merged and metadata is not None and metadata.dynamic_version:
        raise SpecError(
            f"{label}: the version is dynamic in pyproject.toml and the spec does not set one",
            hint='add version = "X.Y.Z" to the spec, or make [project].version static',
        )

"""``mcpship init``: write ``mcpship.toml`` from what the project already says, checked by a live probe."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import tomlkit
from pydantic import ValidationError

from mcpship._atomic import write_text_atomic
from mcpship._exceptions import SpecError
from mcpship._reporter import NullReporter, Reporter
from mcpship.spec.errors import describe_validation_error
from mcpship.spec.load import SPEC_FILE, ResolvedSpec
from mcpship.spec.model import Spec
from mcpship.spec.project_metadata import ProjectMetadata, read_package_json, read_pyproject, read_toml

__all__ = ["InitOutcome", "init_project"]

_DEFAULT_TARGETS = {"python": ("pypi", "mcpb", "registry"), "node": ("npm", "mcpb", "registry")}


@dataclass(frozen=True, kw_only=True)
class InitOutcome:
    path: Path
    spec: Spec
    tools: int | None
    """How many tools the live probe listed; None with ``probe=False``."""


def init_project(
    directory: Path | str = ".", *, force: bool = False, probe: bool = True, reporter: Reporter | None = None
) -> InitOutcome:
    reporter = reporter or NullReporter()
    root = Path(directory).resolve()
    path = root / SPEC_FILE
    if path.exists() and not force:
        raise SpecError(f"{path} already exists", hint="edit it, or pass --force to write it again from scratch")
    pyproject = root / "pyproject.toml"
    if not force and pyproject.is_file() and isinstance(read_toml(pyproject).get("tool", {}).get("mcpship"), dict):
        raise SpecError(
            f"{pyproject} already has a [tool.mcpship] table", hint="edit it, or pass --force to write mcpship.toml"
        )
    metadata = _metadata(root)
    table = _initial_table(root, metadata)
    spec = _validate(table, path, metadata)
    tools: int | None = None
    if probe:
        from mcpship.probe import inspect_plan, plan_for_project

        plan = plan_for_project(ResolvedSpec(spec=spec, root=root, source=None), reporter=reporter)
        reporter.step(f"probing {root.name}")

        async def run() -> Any:
            return await inspect_plan(plan, reporter=reporter)

        snapshot = anyio.run(run)
        tools = len(snapshot.tools)
        title = snapshot.server_info.get("title")
        if isinstance(title, str) and title and "title" not in table:
            table = {"name": table.pop("name"), "title": title, **table}
            spec = _validate(table, path, metadata)
    write_text_atomic(path, _render(table, metadata))
    return InitOutcome(path=path, spec=spec, tools=tools)


def _metadata(root: Path) -> ProjectMetadata:
    pyproject = root / "pyproject.toml"
    python = read_pyproject(root, read_toml(pyproject)) if pyproject.is_file() else None
    node = read_package_json(root)
    for candidate in (python, node):
        if candidate is not None and candidate.commands:
            return candidate
    raise SpecError(
        f"{root}: found no console script in pyproject.toml ([project.scripts]) and no bin in package.json",
        hint="declare how the server starts there first, then run `mcpship init` again",
    )


def _initial_table(root: Path, metadata: ProjectMetadata) -> dict[str, Any]:
    table: dict[str, Any] = {"name": metadata.values.get("name") or _guess_name(root, metadata)}
    if len(str(metadata.values.get("description", ""))) > 100 or "description" not in metadata.values:
        table["description"] = f"The {root.name} MCP server."
    table["run"] = {"runtime": metadata.runtime, "command": metadata.commands[0]}
    table["targets"] = {name: {} for name in _DEFAULT_TARGETS[metadata.runtime]}
    return table


def _guess_name(root: Path, metadata: ProjectMetadata) -> str:
    repository = str(metadata.values.get("repository", ""))
    found = re.match(r"https?://github\.com/([^/]+)/([^/#?]+)", repository)
    owner, project = (found.group(1), found.group(2)) if found else ("your-github-user", root.name)
    return f"io.github.{owner}/{re.sub(r'[^A-Za-z0-9._-]', '-', project)}"


def _validate(table: dict[str, Any], path: Path, metadata: ProjectMetadata) -> Spec:
    merged = {key: value for key, value in metadata.values.items() if key != "name"} | table
    try:
        return Spec.model_validate(merged)
    except ValidationError as exc:
        message, hint = describe_validation_error(exc, source=str(path), table="", model=Spec)
        raise SpecError(message, hint=hint) from None


def _render(table: dict[str, Any], metadata: ProjectMetadata) -> str:
    document = tomlkit.document()
    document.add(tomlkit.comment("mcpship.toml: one description of this MCP server for every distribution channel."))
    document.add(tomlkit.comment(f"Fields left out (version, description, license, ...) come from {metadata.source}."))
    document.add(tomlkit.nl())
    for key in ("name", "title", "description"):
        if key in table:
            document.add(key, table[key])
    run = tomlkit.table()
    for key, value in table["run"].items():
        run.add(key, value)
    document.add(tomlkit.nl())
    document.add("run", run)
    document.add(tomlkit.comment("Declare the environment the server reads, for example:"))
    document.add(tomlkit.comment("[[env]]"))
    document.add(tomlkit.comment('name = "API_TOKEN"'))
    document.add(tomlkit.comment('description = "Token for the backend"'))
    document.add(tomlkit.comment("required = true"))
    document.add(tomlkit.comment("secret = true"))
    document.add(tomlkit.nl())
    targets = tomlkit.table()
    for name in table["targets"]:
        targets.add(name, tomlkit.inline_table())
    document.add("targets", targets)
    return tomlkit.dumps(document)

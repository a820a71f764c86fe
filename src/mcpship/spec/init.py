"""``mcpship init``: write ``mcpship.toml`` from what the project already says, checked by a live probe.

What it writes is meant to build on the first try: the name from the git remote (:mod:`mcpship.spec.names`),
per-platform bundles when compiled dependencies need them and the release URL server.json lists them under
(:mod:`mcpship.spec._init_targets`), ``[[env]]`` entries for the variables the source reads
(:mod:`mcpship.spec.env_detect`), and the ownership markers the registry checks (README ``mcp-name:``,
package.json ``mcpName``) added to the project's files once the name is a real one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import tomlkit
from pydantic import ValidationError

from mcpship._atomic import write_text_atomic
from mcpship._exceptions import SpecError
from mcpship._reporter import NullReporter, Reporter
from mcpship._safe_load import read_text_file
from mcpship.spec._init_targets import McpbChoice, compiled_dependencies, mcpb_choice, npm_notes
from mcpship.spec.env_detect import DetectedEnv, detect_env
from mcpship.spec.errors import describe_validation_error
from mcpship.spec.load import SPEC_FILE, ResolvedSpec
from mcpship.spec.model import Spec, is_placeholder_name
from mcpship.spec.names import NameSuggestion, suggest_name
from mcpship.spec.project_metadata import (
    ProjectMetadata,
    read_package_json,
    read_package_json_document,
    read_pyproject,
    read_toml,
)

__all__ = ["InitOutcome", "init_project"]

_DEFAULT_TARGETS = {"python": ("pypi", "mcpb", "server-json"), "node": ("npm", "mcpb", "server-json")}


@dataclass(frozen=True, kw_only=True)
class InitOutcome:
    path: Path
    spec: Spec
    tools: int | None
    """How many tools the live probe listed; None with ``probe=False``."""
    changed: tuple[str, ...] = ()
    """Project files init changed besides mcpship.toml, each with what it added."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """What the author still has to decide or fix before the first build, each with the fix."""


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
    suggestion = suggest_name(root, declared_repository=_text(metadata.values.get("repository")))
    notes: list[str] = []
    table = _initial_table(root, metadata, suggestion, notes)
    spec = _validate(table, path, metadata)
    mcpb = McpbChoice(config={}, comment=())
    if metadata.runtime == "python":
        project = read_toml(root / "pyproject.toml").get("project") or {}
        compiled = compiled_dependencies(root, reporter)
        mcpb = mcpb_choice(metadata.runtime, compiled, _text(project.get("requires-python")))
        notes += mcpb.notes
    detected = detect_env(root, metadata.runtime)
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
    table["env"] = [_env_entry(found) for found in detected]
    table["targets"]["mcpb"] = mcpb.config
    spec = _validate(table, path, metadata)
    changed = [] if is_placeholder_name(spec.name) else _add_ownership_markers(root, metadata, spec.name)
    write_text_atomic(path, _render(table, metadata, detected, mcpb))
    return InitOutcome(path=path, spec=spec, tools=tools, changed=tuple(changed), notes=tuple(notes))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


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


def _initial_table(
    root: Path, metadata: ProjectMetadata, suggestion: NameSuggestion, notes: list[str]
) -> dict[str, Any]:
    from mcpship.targets.server_json import suggest_release_url

    declared_name = _text(metadata.values.get("name"))
    table: dict[str, Any] = {"name": declared_name or suggestion.name}
    if declared_name is None and suggestion.note:
        notes.append(suggestion.note)
    if len(str(metadata.values.get("description", ""))) > 100 or "description" not in metadata.values:
        table["description"] = f"The {root.name} MCP server."
    repository = _text(metadata.values.get("repository"))
    if repository is None and suggestion.repository:
        table["repository"] = repository = suggestion.repository
    table["run"] = {"runtime": metadata.runtime, "command": metadata.commands[0]}
    table["targets"] = {name: {} for name in _DEFAULT_TARGETS[metadata.runtime]}
    release = suggest_release_url(repository)
    if release.repository is None and repository is not None and "OWNER/REPO" not in release.mcpb_url:
        registry: dict[str, Any] = {"mcpb_url": release.mcpb_url}
        if suggestion.subfolder:
            registry["subfolder"] = suggestion.subfolder
        table["targets"]["server-json"] = registry
    elif release.repository is not None:  # a declared URL into a monorepo: the registry wants its root
        notes.append(
            f'repository "{repository}" points into a repository: set repository = "{release.repository}" in'
            f' {metadata.source} and, under [targets.server-json], mcpb_url = "{release.mcpb_url}" and subfolder ='
            f' "{release.subfolder or suggestion.subfolder or "path/to/server"}"'
        )
    else:
        notes.append(
            "no GitHub or GitLab repository is known, so server.json cannot say where the bundles are downloaded"
            ' from: set repository, and mcpb_url = "https://github.com/OWNER/REPO/releases/download/v{version}/{file}"'
            " under [targets.server-json]"
        )
    if metadata.runtime == "node":
        package_json = root / "package.json"
        notes += npm_notes(read_package_json_document(package_json), package_json)
    return table


def _env_entry(found: DetectedEnv) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": found.name, "required": found.required}
    if found.secret:
        entry["secret"] = True  # never a default: it would be published in clear
    elif found.default:
        entry["default"] = found.default
    return entry


_SDK_NODE_ENGINES = ">=18"  # what @modelcontextprotocol/sdk declares (engines.node)


def _add_ownership_markers(root: Path, metadata: ProjectMetadata, name: str) -> list[str]:
    """The proofs the MCP Registry checks in the packages (README ``mcp-name:``, package.json ``mcpName``) and
    package.json's ``engines.node``, added when missing, as ``mcpship build --fix`` would; what was added."""
    changed: list[str] = []
    if metadata.runtime == "python":
        from mcpship.targets.pypi.checks import MARKER_PATTERN, add_ownership_marker

        project = read_toml(root / "pyproject.toml").get("project") or {}
        readme = project.get("readme")
        readme = readme.get("file") if isinstance(readme, dict) else readme
        path = root / readme if isinstance(readme, str) and "\0" not in readme else None
        inside = path is not None and path.is_file() and path.resolve().is_relative_to(root)
        if path is not None and inside and not MARKER_PATTERN.search(read_text_file(path, error=SpecError)):
            add_ownership_marker(path, name)
            changed.append(f"{path}: added the ownership marker mcp-name: {name} (an HTML comment)")
        return changed
    package_json = root / "package.json"
    package = read_package_json_document(package_json)
    added: list[str] = []
    if "mcpName" not in package:
        package["mcpName"] = name
        added.append(f'"mcpName": "{name}"')
    engines = package.get("engines")
    if engines is None or (isinstance(engines, dict) and "node" not in engines):
        package["engines"] = {**(engines or {}), "node": _SDK_NODE_ENGINES}
        added.append(f'"engines": {{"node": "{_SDK_NODE_ENGINES}"}} (the MCP SDK\'s own; raise it if you need to)')
    if added:
        write_text_atomic(package_json, json.dumps(package, indent=2, ensure_ascii=False) + "\n")
        changed.append(f"{package_json}: added {' and '.join(added)}")
    return changed


def _validate(table: dict[str, Any], path: Path, metadata: ProjectMetadata) -> Spec:
    merged = {key: value for key, value in metadata.values.items() if key != "name"} | table
    try:
        return Spec.model_validate(merged)
    except ValidationError as exc:
        message, hint = describe_validation_error(exc, source=str(path), table="", model=Spec)
        raise SpecError(message, hint=hint) from None


def _render(table: dict[str, Any], metadata: ProjectMetadata, detected: list[DetectedEnv], mcpb: McpbChoice) -> str:
    document = tomlkit.document()
    document.add(tomlkit.comment("mcpship.toml: one description of this MCP server for every distribution channel."))
    document.add(tomlkit.comment(f"Fields left out (version, description, license, ...) come from {metadata.source}."))
    document.add(tomlkit.nl())
    for key in ("name", "title", "description", "repository"):
        if key in table:
            document.add(key, table[key])
    run = tomlkit.table()
    for key, value in table["run"].items():
        run.add(key, value)
    document.add(tomlkit.nl())
    document.add("run", run)
    if detected:
        document.add(tomlkit.comment("Environment variables detected in the source (where each is read): check them."))
        document.add(tomlkit.comment("required = true when the code gives no default; add a description for users."))
        entries = tomlkit.aot()
        for found, entry in zip(detected, table["env"], strict=True):
            item = tomlkit.table()
            item.add(tomlkit.comment(_detected_comment(found)))
            for key, value in entry.items():
                item.add(key, value)
            entries.append(item)
        document.add("env", entries)
    else:
        document.add(tomlkit.comment("Declare the environment the server reads (none was detected), for example:"))
        document.add(tomlkit.comment("[[env]]"))
        document.add(tomlkit.comment('name = "API_TOKEN"'))
        document.add(tomlkit.comment('description = "Token for the backend"'))
        document.add(tomlkit.comment("required = true"))
        document.add(tomlkit.comment("secret = true"))
    document.add(tomlkit.nl())
    targets = tomlkit.table()
    for name, config in table["targets"].items():
        if name == "mcpb":
            for line in mcpb.comment:
                targets.add(tomlkit.comment(line))
        inline = tomlkit.inline_table()
        inline.update(config)
        targets.add(name, inline)
    document.add("targets", targets)
    return tomlkit.dumps(document)


def _detected_comment(found: DetectedEnv) -> str:
    where = "".join(character if character.isprintable() else "?" for character in f"{found.file}:{found.line}")
    if found.secret and found.default:
        why = "a secret by its name, so the default in code is not published"
    elif found.required:
        why = "required: the code gives no default"
    else:
        why = "optional: the code gives a default"
    return f"detected: {found.how} in {where}; {why}"

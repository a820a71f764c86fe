"""What a Python MCP server's pyproject.toml and README must say before a wheel is worth building."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from mcpship._atomic import write_text_atomic
from mcpship._exceptions import BuildError
from mcpship._problems import Problem
from mcpship._safe_load import read_text_file
from mcpship.spec.model import Spec

__all__ = ["MARKER_PATTERN", "add_ownership_marker", "check_project"]

MARKER_PATTERN = re.compile(r"mcp-name:\s*([A-Za-z0-9.-]+/[A-Za-z0-9._-]+)")
_SDK_PACKAGES = {"mcp", "fastmcp"}


def check_project(root: Path, project: dict[str, Any], spec: Spec, *, fix: bool) -> list[Problem]:
    pyproject = str(root / "pyproject.toml")
    problems: list[Problem] = []
    scripts = project.get("scripts")
    if not isinstance(scripts, dict) or spec.run.command not in scripts:
        problems.append(
            Problem(
                file=pyproject,
                path="[project.scripts]",
                message=f"no console script named {spec.run.command!r}, which the spec's [run] command starts",
                hint=f'add {spec.run.command} = "your_package.server:main" under [project.scripts]',
            )
        )
    if not project.get("requires-python"):
        problems.append(
            Problem(
                file=pyproject,
                path="[project].requires-python",
                message="requires-python is not set, so installers cannot tell which Pythons the server supports",
                hint='add requires-python = ">=3.11" (the oldest Python you test on)',
            )
        )
    dependencies = project.get("dependencies")
    if not _declares_sdk(dependencies if isinstance(dependencies, list) else []):
        problems.append(
            Problem(
                file=pyproject,
                path="[project].dependencies",
                message="the MCP SDK (mcp) is not declared, so `uvx` would start the server without it",
                hint='add "mcp>=2,<3" to [project].dependencies',
            )
        )
    problems.extend(_check_readme(root, project, spec, fix=fix))
    return problems


def _declares_sdk(dependencies: list[object]) -> bool:
    for dependency in dependencies:
        if not isinstance(dependency, str):
            continue
        try:
            if canonicalize_name(Requirement(dependency).name) in _SDK_PACKAGES:
                return True
        except InvalidRequirement:
            continue
    return False


def _readme_path(root: Path, project: dict[str, Any]) -> Path | None:
    readme = project.get("readme")
    if isinstance(readme, dict):
        readme = readme.get("file")
    return root / readme if isinstance(readme, str) and "\0" not in readme else None


def _check_readme(root: Path, project: dict[str, Any], spec: Spec, *, fix: bool) -> list[Problem]:
    """The MCP Registry proves PyPI ownership by finding ``mcp-name: <name>`` in the package's description."""
    readme = _readme_path(root, project)
    if readme is None or not readme.is_file():
        return [
            Problem(
                file=str(root / "pyproject.toml"),
                path="[project].readme",
                message="no README is declared, so the package has no description for the registry's ownership check",
                hint='add readme = "README.md" and put <!-- mcp-name: ' + spec.name + " --> in it",
            )
        ]
    try:
        text = read_text_file(readme, error=BuildError)
    except BuildError as error:
        return [Problem(file=str(readme), path="$", message=error.message.removeprefix(f"{readme}: "), hint=error.hint)]
    found = MARKER_PATTERN.findall(text)
    if spec.name in found:
        return []
    if found:
        return [
            Problem(
                file=str(readme),
                path="mcp-name",
                message=f"the README's ownership marker names {found[0]!r}, but the spec's name is {spec.name!r}",
                hint=f"change it to mcp-name: {spec.name}",
            )
        ]
    if fix:
        add_ownership_marker(readme, spec.name)
        return []
    return [
        Problem(
            file=str(readme),
            path="mcp-name",
            message=f"the README lacks the ownership marker `mcp-name: {spec.name}` the MCP Registry checks on PyPI",
            hint="run again with --fix to add it as an HTML comment, or add it yourself",
        )
    ]


def add_ownership_marker(readme: Path, name: str) -> None:
    """Insert the marker invisibly: an HTML comment in Markdown, a comment in reStructuredText."""
    text = readme.read_text(encoding="utf-8")
    marker = f".. mcp-name: {name}" if readme.suffix == ".rst" else f"<!-- mcp-name: {name} -->"
    lines = text.splitlines(keepends=True)
    at = 1 if lines and lines[0].startswith("#") else 0  # after a leading Markdown title
    lines.insert(at, ("\n" if at else "") + marker + "\n" + ("" if at else "\n"))
    write_text_atomic(readme, "".join(lines))

"""Read what a project already says about itself (pyproject.toml, package.json, README) so the spec can omit it."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcpship._exceptions import SpecError

__all__ = ["ProjectMetadata", "read_package_json", "read_pyproject", "readme_mcp_name"]

_MCP_NAME_MARKER = re.compile(r"mcp-name:\s*([A-Za-z0-9.-]+/[A-Za-z0-9._-]+)")


@dataclass(frozen=True, kw_only=True)
class ProjectMetadata:
    """Spec fields one metadata file provides, and where each came from (for ``mcpship spec`` and errors)."""

    runtime: str
    source: str
    values: dict[str, Any] = field(default_factory=dict)
    commands: tuple[str, ...] = ()
    dynamic_version: bool = False


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: invalid TOML: {exc}", hint="fix the syntax at the line and column shown") from exc
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror}") from exc


def read_pyproject(root: Path, document: dict[str, Any]) -> ProjectMetadata | None:
    project = document.get("project")
    if not isinstance(project, dict):
        return None
    values: dict[str, Any] = {}
    for key in ("version", "description", "keywords"):
        if key in project:
            values[key] = project[key]
    license_value = project.get("license")
    if isinstance(license_value, str):
        values["license"] = license_value
    elif isinstance(license_value, dict) and isinstance(license_value.get("text"), str):
        values["license"] = license_value["text"]
    urls = {str(k).lower(): v for k, v in (project.get("urls") or {}).items()}
    for key in ("repository", "source", "source code", "code"):
        if key in urls:
            values["repository"] = urls[key]
            break
    for key in ("homepage", "home", "documentation"):
        if key in urls:
            values["homepage"] = urls[key]
            break
    scripts = tuple(sorted((project.get("scripts") or {}).keys()))
    name = readme_mcp_name(root, project.get("readme"))
    if name:
        values["name"] = name
    return ProjectMetadata(
        runtime="python",
        source="pyproject.toml",
        values=values,
        commands=scripts,
        dynamic_version="version" in (project.get("dynamic") or []),
    )


def read_package_json(root: Path) -> ProjectMetadata | None:
    path = root / "package.json"
    if not path.is_file():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    if not isinstance(document, dict):
        raise SpecError(f"{path}: expected a JSON object at the top level")
    values: dict[str, Any] = {}
    for key in ("version", "description", "license", "homepage", "keywords"):
        if key in document:
            values[key] = document[key]
    if isinstance(document.get("mcpName"), str):
        values["name"] = document["mcpName"]
    repository = document.get("repository")
    url = repository.get("url") if isinstance(repository, dict) else repository
    if isinstance(url, str):
        values["repository"] = _normalise_git_url(url)
    return ProjectMetadata(runtime="node", source="package.json", values=values, commands=_npm_bins(document))


def npm_bin_path(root: Path, command: str) -> str | None:
    """The file an npm ``bin`` entry points at, relative to the package root."""
    document = json.loads((root / "package.json").read_text(encoding="utf-8"))
    bins = document.get("bin")
    if isinstance(bins, str):
        return bins if command == _unscoped(document.get("name", "")) else None
    if isinstance(bins, dict):
        value = bins.get(command)
        return value if isinstance(value, str) else None
    return None


def readme_mcp_name(root: Path, readme: object) -> str | None:
    """The ``mcp-name: <name>`` ownership marker the MCP Registry looks for in a PyPI README."""
    candidates = [readme] if isinstance(readme, str) else [readme.get("file")] if isinstance(readme, dict) else []
    candidates += ["README.md", "README.rst", "README.txt", "README"]
    for candidate in candidates:
        if isinstance(candidate, str) and (root / candidate).is_file():
            match = _MCP_NAME_MARKER.search((root / candidate).read_text(encoding="utf-8", errors="replace"))
            return match.group(1) if match else None
    return None


def _npm_bins(document: dict[str, Any]) -> tuple[str, ...]:
    bins = document.get("bin")
    if isinstance(bins, str):
        return (_unscoped(str(document.get("name", ""))),)
    if isinstance(bins, dict):
        return tuple(sorted(bins))
    return ()


def _unscoped(package: str) -> str:
    return package.rsplit("/", 1)[-1]


def _normalise_git_url(url: str) -> str:
    url = url.removeprefix("git+")
    url = re.sub(r"^git@github\.com:", "https://github.com/", url)
    url = re.sub(r"^github:", "https://github.com/", url)
    return url.removesuffix(".git")

"""Read what a project already says about itself (pyproject.toml, package.json, README) so the spec can omit it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mcpship._exceptions import SpecError
from mcpship._safe_load import read_bytes, read_json_file, read_toml_file

__all__ = [
    "MCP_NAME_MARKER",
    "ProjectMetadata",
    "read_package_json",
    "read_package_json_document",
    "read_pyproject",
    "read_toml",
    "readme_mcp_name",
]

MCP_NAME_MARKER = re.compile(r"mcp-name:\s*([A-Za-z0-9.-]+/[A-Za-z0-9._-]+)")


@dataclass(frozen=True, kw_only=True)
class ProjectMetadata:
    """Spec fields one metadata file provides, and where each came from (for ``mcpship spec`` and errors)."""

    runtime: str
    source: str
    values: dict[str, Any] = field(default_factory=dict)
    commands: tuple[str, ...] = ()
    dynamic: frozenset[str] = frozenset()
    """``[project]`` keys the build backend computes (pyproject.toml's ``dynamic``)."""

    @property
    def dynamic_version(self) -> bool:
        return "version" in self.dynamic

    def with_backend_values(self, computed: dict[str, Any]) -> ProjectMetadata:
        """Fill what pyproject.toml left dynamic from what its build backend computed (never overriding)."""
        values = dict(self.values)
        if "version" in self.dynamic and isinstance(computed.get("version"), str):
            values["version"] = computed["version"]
        for key in ("description", "keywords", "license"):
            if key in self.dynamic and key in computed:
                values.setdefault(key, computed[key])
        if "urls" in self.dynamic and isinstance(computed.get("urls"), dict):
            for key, value in _url_values(computed["urls"]).items():
                values.setdefault(key, value)
        if isinstance(computed.get("mcp_name"), str):
            values.setdefault("name", computed["mcp_name"])
        commands = self.commands
        if "scripts" in self.dynamic and isinstance(computed.get("scripts"), list):
            commands = tuple(sorted({*commands, *(str(script) for script in computed["scripts"])}))
        return replace(self, values=values, commands=commands)


def read_toml(path: Path) -> dict[str, Any]:
    """``mcpship.toml`` or ``pyproject.toml``; anything malformed is a :class:`SpecError` naming the file."""
    return read_toml_file(path, error=SpecError)


def read_package_json_document(path: Path) -> dict[str, Any]:
    """``package.json`` as an object; anything malformed is a :class:`SpecError` naming the file."""
    document = read_json_file(path, error=SpecError)
    if not isinstance(document, dict):
        raise SpecError(f"{path}: expected a JSON object at the top level", hint="package.json holds one object")
    return document


def read_pyproject(root: Path, document: dict[str, Any]) -> ProjectMetadata | None:
    project = document.get("project")
    if not isinstance(project, dict):
        return None
    source = root / "pyproject.toml"
    values: dict[str, Any] = {}
    for key in ("version", "description", "keywords"):
        if key in project:
            values[key] = project[key]
    license_value = project.get("license")
    if isinstance(license_value, str):
        values["license"] = license_value
    elif isinstance(license_value, dict) and isinstance(license_value.get("text"), str):
        values["license"] = license_value["text"]
    values.update(_url_values(_table(project, "urls", source)))
    scripts = tuple(sorted(_table(project, "scripts", source)))
    name = readme_mcp_name(root, project.get("readme"))
    if name:
        values["name"] = name
    return ProjectMetadata(
        runtime="python",
        source="pyproject.toml",
        values=values,
        commands=scripts,
        dynamic=frozenset(str(key) for key in _array(project, "dynamic", source)),
    )


def _url_values(project_urls: dict[str, Any]) -> dict[str, Any]:
    """``repository`` and ``homepage`` from ``[project.urls]`` (or the built metadata's Project-URL labels)."""
    urls = {str(k).lower(): v for k, v in project_urls.items()}
    values: dict[str, Any] = {}
    for key in ("repository", "source", "source code", "code"):
        if key in urls:
            values["repository"] = urls[key]
            break
    for key in ("homepage", "home", "documentation"):
        if key in urls:
            values["homepage"] = urls[key]
            break
    return values


def _table(project: dict[str, Any], key: str, source: Path) -> dict[str, Any]:
    value = project.get(key, {})
    if not isinstance(value, dict):
        raise SpecError(f"{source}: [project].{key} must be a table", hint=_PYPROJECT_HINT)
    return value


def _array(project: dict[str, Any], key: str, source: Path) -> list[Any]:
    value = project.get(key, [])
    if not isinstance(value, list):
        raise SpecError(f"{source}: [project].{key} must be an array", hint=_PYPROJECT_HINT)
    return value


_PYPROJECT_HINT = "see https://packaging.python.org/en/latest/specifications/pyproject-toml/"


def read_package_json(root: Path) -> ProjectMetadata | None:
    path = root / "package.json"
    if not path.is_file():
        return None
    document = read_package_json_document(path)
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
    document = read_package_json_document(root / "package.json")
    bins = document.get("bin")
    if isinstance(bins, str):
        return bins if command == _unscoped(str(document.get("name", ""))) else None
    if isinstance(bins, dict):
        value = bins.get(command)
        return value if isinstance(value, str) else None
    return None


def readme_mcp_name(root: Path, readme: object) -> str | None:
    """The ``mcp-name: <name>`` ownership marker the MCP Registry looks for in a PyPI README."""
    candidates = [readme] if isinstance(readme, str) else [readme.get("file")] if isinstance(readme, dict) else []
    candidates += ["README.md", "README.rst", "README.txt", "README"]
    for candidate in candidates:
        if isinstance(candidate, str) and "\0" not in candidate and (root / candidate).is_file():
            text = read_bytes(root / candidate, error=SpecError).decode("utf-8", errors="replace")
            match = MCP_NAME_MARKER.search(text)
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

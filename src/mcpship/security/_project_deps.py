"""The dependencies an artifact was built against, from the project: its lock (uv.lock, pylock.toml,
package-lock.json / npm-shrinkwrap.json) when it has one, else what the package declares (unresolved ranges)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from mcpship._exceptions import BuildError
from mcpship._safe_load import MAX_LOCKFILE_BYTES, read_json_file, read_toml_file
from mcpship.security._contents import ArtifactFacts
from mcpship.security._packages import (
    Package,
    lock_package_entries,
    npm_package,
    packages_from_npm_lock,
    packages_from_pylock,
    packages_from_requires_dist,
    packages_from_uv_lock,
    uv_lock_index,
)

__all__ = ["NODE_LOCKS", "PYTHON_LOCKS", "dependencies_of", "project_locks"]

PYTHON_LOCKS = ("uv.lock", "pylock.toml")
NODE_LOCKS = ("npm-shrinkwrap.json", "package-lock.json")


def project_locks(root: Path) -> list[Path]:
    """The dependency lock files the project has (inputs of the build, for the provenance statement)."""
    return [root / name for name in (*PYTHON_LOCKS, *NODE_LOCKS) if (root / name).is_file()]


def dependencies_of(kind: str, facts: ArtifactFacts, root: Path) -> list[Package]:
    """What the artifact of ``kind`` depends on (wheel/sdist/npm) or bundles (mcpb/oci)."""
    if kind in ("wheel", "sdist"):
        return _python_declared(facts, root)
    if kind == "npm":
        return _node_declared(root)
    return _bundled(facts, root)


def _python_declared(facts: ArtifactFacts, root: Path) -> list[Package]:
    locked: list[Package] = []
    if (root / "uv.lock").is_file():
        locked = packages_from_uv_lock(_toml(root / "uv.lock"), facts.name)
    elif (root / "pylock.toml").is_file():
        locked = packages_from_pylock(_toml(root / "pylock.toml"), facts.name)
    # a lock that does not hold this package (another workspace member's) says nothing about it
    return locked or packages_from_requires_dist(facts.requires_dist)


def _node_declared(root: Path) -> list[Package]:
    lock = _node_lock(root)
    if lock:
        return packages_from_npm_lock(lock)
    package = read_json_file(root / "package.json", error=BuildError) if (root / "package.json").is_file() else {}
    declared = package.get("dependencies") if isinstance(package, dict) else None
    return sorted(
        Package(ecosystem="npm", name=name, version=None, source="package.json", requirement=str(spec))
        for name, spec in (declared.items() if isinstance(declared, dict) else [])
        if isinstance(name, str) and name
    )


def _bundled(facts: ArtifactFacts, root: Path) -> list[Package]:
    """The packages found inside the artifact, with the lock's digests and download URLs where the lock
    records the same package at the same place and version."""
    node_entries = lock_package_entries(_node_lock(root))
    python_locked = uv_lock_index(_toml(root / "uv.lock")) if (root / "uv.lock").is_file() else {}
    found: dict[tuple[str, str, str], Package] = {}
    for bundled in facts.bundled:
        package = Package(
            ecosystem="npm" if bundled.ecosystem == "npm" else "pypi",
            name=bundled.name,
            version=bundled.version,
            source="bundled",
        )
        if bundled.ecosystem == "npm":
            entry = node_entries.get(bundled.path)
            locked = npm_package(bundled.path, entry, source="bundled") if entry is not None else None
            if locked is not None and locked.version == bundled.version:
                package = replace(locked, name=bundled.name)
        else:
            locked = python_locked.get((canonicalize_name(bundled.name), bundled.version))
            if locked is not None:
                package = replace(package, distributions=locked.distributions)
        found.setdefault((package.ecosystem, package.name, bundled.version), package)
    return sorted(found.values())


def _node_lock(root: Path) -> Mapping[str, Any]:
    for name in NODE_LOCKS:
        if (root / name).is_file():
            data = read_json_file(root / name, error=BuildError, max_bytes=MAX_LOCKFILE_BYTES)
            return data if isinstance(data, dict) else {}
    return {}


def _toml(path: Path) -> Mapping[str, Any]:
    return read_toml_file(path, error=BuildError, max_bytes=MAX_LOCKFILE_BYTES)

"""Node servers: the files ``npm pack`` would publish, plus the production ``node_modules``.

The production tree is what ``npm ci --omit=dev --ignore-scripts`` installs. ``npm ci`` costs seconds even
from a warm cache, so when the project's own ``node_modules`` provably holds that tree (every production
package of package-lock.json installed at its locked version and integrity, none with install scripts, no
cross-platform build), exactly those packages are copied from it; dev dependencies and anything extraneous
are left out. Otherwise a clean ``npm ci`` runs in a staging copy."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pathspec

from mcpship._exceptions import BuildError, ToolchainError
from mcpship._reporter import Reporter
from mcpship._safe_load import MAX_FILE_BYTES, MAX_LOCKFILE_BYTES, read_json_file
from mcpship.spec.project_metadata import read_package_json_document
from mcpship.targets.mcpb.bundle import IgnoreRules, collect_tree
from mcpship.targets.mcpb.config import Platform

__all__ = ["install_production_modules", "package_files", "production_module_files", "read_package_json"]

# npm always publishes these, whatever "files" says
_ALWAYS = ("package.json", "README*", "readme*", "LICENSE*", "LICENCE*", "license*", "licence*")


def read_package_json(root: Path) -> dict[str, Any]:
    """The project's package.json; malformed is a :class:`SpecError`, as for the spec it completes."""
    return read_package_json_document(root / "package.json")


def package_files(root: Path, package: dict[str, Any], rules: IgnoreRules) -> dict[str, Path]:
    """The package's own files: ``files`` (or everything), the always-published ones, main and bin targets."""
    collected = collect_tree(root, rules, skip=("node_modules",))
    listed = package.get("files")
    if not isinstance(listed, list):
        return collected
    wanted = [_anchored(entry) for entry in listed if isinstance(entry, str)]
    wanted += [f"/{name}" for name in _ALWAYS]
    wanted += [_anchored(target) for target in _entry_files(package)]
    spec = pathspec.GitIgnoreSpec.from_lines(wanted)
    return {name: path for name, path in collected.items() if spec.match_file(name)}


def _entry_files(package: dict[str, Any]) -> list[str]:
    entries = [package["main"]] if isinstance(package.get("main"), str) else []
    bins = package.get("bin")
    if isinstance(bins, str):
        entries.append(bins)
    elif isinstance(bins, dict):
        entries.extend(value for value in bins.values() if isinstance(value, str))
    return entries


def _anchored(pattern: str) -> str:
    """npm reads ``files`` entries from the package root; gitignore patterns need a leading / for that."""
    negated = pattern.startswith("!")
    body = pattern.removeprefix("!").removeprefix("./").lstrip("/")
    return ("!/" if negated else "/") + body


def production_module_files(
    root: Path, staging: Path, rules: IgnoreRules, *, platform: Platform | None, reporter: Reporter
) -> dict[str, Path]:
    """``{archive path: file}`` for the production ``node_modules``: read in place from the project's own tree
    when it is provably in sync with the lock, else from a clean ``npm ci`` in ``staging``."""
    if platform is None:
        reused = _installed_production_tree(root)
        if reused is not None:
            files: dict[str, Path] = {}
            for path in reused:
                # Nested node_modules are separate lock entries, collected on their own when production.
                files.update(
                    collect_tree(
                        root / path, rules, prefix=path, boundary=root / "node_modules", skip=("node_modules",)
                    )
                )
            reporter.debug(
                f"read {len(reused)} production packages from {root / 'node_modules'} (in sync with the lock)"
            )
            return files
    modules = install_production_modules(root, staging, platform=platform, reporter=reporter)
    return collect_tree(modules, rules, prefix="node_modules")


def install_production_modules(root: Path, staging: Path, *, platform: Platform | None, reporter: Reporter) -> Path:
    """``npm ci --omit=dev --ignore-scripts`` in ``staging``; returns its ``node_modules`` (reused if present).

    Install scripts are not run: they would build native code for this machine, and a bundle must not
    depend on what ran at build time. With a platform, npm picks that platform's optional binaries.
    """
    modules = staging / "node_modules"
    if modules.is_dir():
        return modules
    lockfile = root / "package-lock.json"
    if not lockfile.is_file():
        raise BuildError(
            f"{root}: no package-lock.json, so the bundled node_modules could not be reproduced",
            hint="run `npm install` once and commit package-lock.json",
        )
    npm = shutil.which("npm")
    if npm is None:
        raise ToolchainError("npm is not installed", hint="install Node.js (it ships npm), then build again")
    staging.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json", ".npmrc"):
        if (root / name).is_file():
            shutil.copyfile(root / name, staging / name)
    argv = [npm, "ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
    if platform is not None:
        argv += [f"--os={platform.npm_os}", f"--cpu={platform.npm_cpu}"]
    reporter.step(f"installing the production dependencies of {root.name} (npm ci)")
    try:
        completed = subprocess.run(argv, cwd=staging, capture_output=True, text=True, timeout=900, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolchainError(f"could not run npm ci: {exc}") from exc
    if completed.returncode != 0:
        tail = "\n".join((completed.stderr or completed.stdout).strip().splitlines()[-20:])
        raise BuildError(
            f"npm ci for the bundle failed (exit {completed.returncode}):\n{tail}",
            hint=f"run `npm ci --omit=dev` in {root} to see the same error; package-lock.json may be out of date",
        )
    modules.mkdir(exist_ok=True)  # a package without dependencies still gets an (empty) folder
    return modules


def _installed_production_tree(root: Path) -> list[str] | None:
    """The lock's production package paths, if the project's node_modules provably holds them; else None."""
    lock = _json_object(root / "package-lock.json", MAX_LOCKFILE_BYTES)
    installed = _json_object(root / "node_modules" / ".package-lock.json", MAX_LOCKFILE_BYTES)
    if lock is None or installed is None or lock.get("lockfileVersion") not in (2, 3):
        return None
    locked_packages, installed_packages = lock.get("packages"), installed.get("packages")
    if not isinstance(locked_packages, dict) or not isinstance(installed_packages, dict):
        return None
    return _production_packages(locked_packages, installed_packages, root)


def _json_object(path: Path, max_bytes: int = MAX_FILE_BYTES) -> dict[str, Any] | None:
    """A JSON object, or None when the file is missing or malformed: the caller then falls back to npm ci,
    which reports what is wrong with it in its own words."""
    if not path.is_file():
        return None
    try:
        document = read_json_file(path, error=BuildError, max_bytes=max_bytes)
    except BuildError:
        return None
    return document if isinstance(document, dict) else None


def _production_packages(locked: dict[str, Any], installed: dict[str, Any], root: Path) -> list[str] | None:
    wanted: list[str] = []
    for path, entry in sorted(locked.items()):
        if not path.startswith("node_modules/") or not isinstance(entry, dict) or entry.get("dev"):
            continue
        if ".." in path.split("/") or "\0" in path:
            return None  # a lock entry must name a folder inside node_modules; npm ci refuses the rest
        if entry.get("link") or entry.get("hasInstallScript"):
            return None  # workspaces and install scripts: only npm ci reproduces those
        present = installed.get(path)
        if not isinstance(present, dict):
            if entry.get("optional"):
                continue  # an optional package npm skipped here (another OS/CPU) is skipped by npm ci too
            return None
        same = all(present.get(key) == entry.get(key) for key in ("version", "integrity", "resolved"))
        manifest = _json_object(root / path / "package.json")
        if manifest is None or not same or manifest.get("version") != entry.get("version"):
            return None
        wanted.append(path)
    return wanted

"""Node servers: the files ``npm pack`` would publish, plus production ``node_modules`` from a clean
``npm ci --omit=dev --ignore-scripts`` in a staging copy (never the author's own node_modules, which holds
dev dependencies and whatever was installed by hand)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pathspec

from mcpship._exceptions import BuildError, ToolchainError
from mcpship._reporter import Reporter
from mcpship.targets.mcpb.bundle import IgnoreRules, collect_tree
from mcpship.targets.mcpb.config import Platform

__all__ = ["install_production_modules", "package_files", "read_package_json"]

# npm always publishes these, whatever "files" says
_ALWAYS = ("package.json", "README*", "readme*", "LICENSE*", "LICENCE*", "license*", "licence*")


def read_package_json(root: Path) -> dict[str, Any]:
    path = root / "package.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BuildError(f"{path}: cannot read it: {exc}") from exc
    if not isinstance(document, dict):
        raise BuildError(f"{path}: expected a JSON object")
    return document


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

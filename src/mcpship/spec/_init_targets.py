"""What ``mcpship init`` writes under ``[targets]`` so the first ``mcpship build`` succeeds.

- ``mcpb``: a Python server whose installed dependencies hold compiled code (``mcp`` needs pydantic-core) gets one
  bundle per platform and Python minor, as ``examples/notes-py`` has; the platforms always include this machine's,
  and the minors this machine's Python when ``requires-python`` admits it, so ``mcpship verify`` runs one.
- ``server-json``: ``mcpb_url`` for the repository's release downloads (and ``subfolder`` in a monorepo), without
  which server.json cannot list the bundles.
- npm: what ``npm pack`` does with a ``prepare`` script, and a missing ``engines.node``.
"""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from mcpship._reporter import Reporter

__all__ = [
    "DEFAULT_PLATFORMS",
    "SUPPORTED_PYTHON_MINORS",
    "McpbChoice",
    "compiled_dependencies",
    "host_platform_name",
    "mcpb_choice",
    "npm_notes",
    "python_minors",
]

# The per-platform set examples/notes-py ships (the machines most MCPB hosts run on); the host's is added.
DEFAULT_PLATFORMS = ("linux-x86_64", "darwin-arm64", "win32-x86_64")
# CPython minors with upstream support (python.org/downloads; 3.10 until 2026-10): one bundle each, because a
# compiled wheel serves one minor. Revisit each October when a minor is released and one reaches its end.
SUPPORTED_PYTHON_MINORS = ("3.10", "3.11", "3.12", "3.13", "3.14")
_MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


@dataclass(frozen=True, kw_only=True)
class McpbChoice:
    config: dict[str, Any]
    """The ``[targets.mcpb]`` table to write (empty: one portable bundle)."""
    comment: tuple[str, ...]
    """Why per-platform bundles were chosen, for comment lines above the table."""
    notes: tuple[str, ...] = ()


def host_platform_name() -> str:
    """This machine as ``[targets.mcpb] platforms`` names it (``linux-x86_64``), as ``mcpship verify`` does."""
    system = "win32" if sys.platform.startswith("win") else sys.platform
    machine = platform.machine().lower()
    return f"{system}-{_MACHINES.get(machine, machine)}"


def python_minors(requires_python: str | None) -> tuple[list[str], str | None]:
    """The supported minors ``requires-python`` admits, this machine's among them when admitted; and a note when
    this machine's Python is not one of them (its bundle cannot be verified here)."""
    host = f"{sys.version_info.major}.{sys.version_info.minor}"
    try:
        specifiers = SpecifierSet(requires_python or "")
    except InvalidSpecifier:
        specifiers = SpecifierSet()
    candidates = sorted({*SUPPORTED_PYTHON_MINORS, host}, key=lambda minor: int(minor.split(".")[1]))
    admitted = [minor for minor in candidates if any(specifiers.contains(f"{minor}.{p}") for p in (0, 99))]
    if host in admitted:
        return admitted, None
    why = f"requires-python = {requires_python!r} excludes Python {host}" if admitted else None
    if not admitted:
        admitted = [host]
        why = f"requires-python = {requires_python!r} admits none of {', '.join(SUPPORTED_PYTHON_MINORS)}"
    return admitted, f"{why}, so `mcpship verify` cannot run this machine's bundle"


def compiled_dependencies(root: Path, reporter: Reporter) -> tuple[str, ...]:
    """The distributions with compiled code among the project's installed dependencies (its probe environment,
    made or reused here), as the mcpb target finds them in its portable install."""
    from mcpship.probe.environment import child_environment
    from mcpship.probe.pyenv import project_environment
    from mcpship.targets.mcpb.python import compiled_distributions

    venv = project_environment(root, child_environment(), reporter).parent
    found: set[str] = set()
    for site_packages in (*venv.glob("lib/python*/site-packages"), venv / "Lib" / "site-packages"):
        if site_packages.is_dir():
            found.update(compiled_distributions(site_packages))
    return tuple(sorted(found))


def mcpb_choice(runtime: str, compiled: tuple[str, ...], requires_python: str | None) -> McpbChoice:
    if runtime != "python" or not compiled:
        return McpbChoice(config={}, comment=())
    host = host_platform_name()
    platforms = list(DEFAULT_PLATFORMS) + ([host] if host not in DEFAULT_PLATFORMS else [])
    minors, note = python_minors(requires_python)
    listed = ", ".join(compiled[:4]) + (", ..." if len(compiled) > 4 else "")
    comment = (
        f"Compiled dependencies ({listed}) tie a bundle to one platform and Python,",
        f"so one bundle per platform and Python minor requires-python admits ({len(platforms) * len(minors)} bundles).",
    )
    return McpbChoice(
        config={"platforms": platforms, "python_versions": minors}, comment=comment, notes=(note,) if note else ()
    )


def npm_notes(package: dict[str, Any], package_json: Path) -> list[str]:
    """What the first build of an npm package would trip on, each with its fix."""
    notes: list[str] = []
    scripts = package.get("scripts")
    if not isinstance(scripts, dict):
        return notes
    for hook in ("prepare", "prepack"):
        command = scripts.get(hook)
        if isinstance(command, str):
            notes.append(
                f'{package_json}: scripts.{hook} ("{command[:80]}") runs on every `npm pack`, so the npm target'
                " runs it on each build and needs the devDependencies it uses: run `npm ci` first. Registry"
                " installs (npx) never run it, and the mcpb bundle installs with --ignore-scripts: build the files"
                f' it makes (`npm run {hook}`) before `mcpship build`, and list them in "files"'
            )
    return notes

"""mcpship's own outputs inside a project, found by what mcpship wrote, so that no target packs them.

An output folder is any folder of the project holding a build report (``mcpship-build.json``), whatever its name:
the build driver writes one into its output folder before any target runs. Its outputs are the report,
``SHA256SUMS``, every file the report names (artifacts and supply-chain records) and every file shaped like an
artifact (``*.mcpb``, ``*.whl``, ``*.tgz``, ``*.tar.gz``, ``*.oci.tar``) or a record (``*.cdx.json``,
``*.intoto.json``); the folder's other files are not mcpship's. So a TypeScript server's
``dist/`` is packed as its code even when mcpship writes its artifacts beside it, and an output folder named
``out/`` or ``release/`` is left out as surely as ``dist/``.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcpship.targets._base import BuildContext

__all__ = [
    "ARTIFACT_SUFFIXES",
    "OUTPUT_SUFFIXES",
    "RECORD_SUFFIXES",
    "REPORT_FILE",
    "SUMS_FILE",
    "Outputs",
    "find_outputs",
    "is_artifact_name",
    "outputs_for",
    "outputs_of",
]

REPORT_FILE = "mcpship-build.json"
SUMS_FILE = "SHA256SUMS"
ARTIFACT_SUFFIXES = (".mcpb", ".dxt", ".whl", ".tgz", ".tar.gz", ".oci.tar")
RECORD_SUFFIXES = (".cdx.json", ".intoto.json")
"""Supply-chain records (SBOMs, provenance). Not artifact names: a package may ship its own SBOM (PEP 770
puts them in ``.dist-info/sboms/``), so the "no artifact inside another" check does not flag the shape."""
OUTPUT_SUFFIXES = ARTIFACT_SUFFIXES + RECORD_SUFFIXES
# Folders that never hold the project's own outputs and are large: not entered.
_NOT_ENTERED = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox", ".mypy_cache"}
    | {".ruff_cache", ".pytest_cache", ".npm", ".yarn"}
)
_MAX_DEPTH = 8
_MAX_FOLDERS = 20_000
_MAX_REPORT_BYTES = 4 << 20
_MAX_NAMES = 10_000


def is_artifact_name(name: str) -> bool:
    """A file name mcpship gives its artifacts and reports (``notes-0.1.0.tgz``, ``SHA256SUMS``, ...)."""
    return name in (REPORT_FILE, SUMS_FILE) or name.endswith(ARTIFACT_SUFFIXES)


def _is_output_name(name: str) -> bool:
    return is_artifact_name(name) or name.endswith(RECORD_SUFFIXES)


@dataclass(frozen=True)
class Outputs:
    """mcpship's outputs in one project: paths are POSIX, relative to the project root (``""`` is the root)."""

    folders: tuple[str, ...] = ()
    """Folders holding a build report."""
    files: frozenset[str] = frozenset()
    """Files the reports (or this build) name, present or not."""

    def holds(self, relative: str) -> bool:
        """Whether the file at ``relative`` (from the project root) is one of mcpship's outputs."""
        path = PurePosixPath(relative)
        parent = "" if str(path.parent) == "." else str(path.parent)
        return relative in self.files or (parent in self.folders and _is_output_name(path.name))

    def gitignore_patterns(self) -> list[str]:
        """Anchored gitignore patterns (``.mcpbignore`` syntax) that match exactly :meth:`holds`."""
        patterns = []
        for folder in self.folders:
            prefix = "/" + _escape(folder) + "/" if folder else "/"
            patterns += [prefix + _escape(REPORT_FILE), prefix + _escape(SUMS_FILE)]
            patterns += [prefix + "*" + suffix for suffix in OUTPUT_SUFFIXES]
        patterns += ["/" + _escape(file) for file in sorted(self.files)]
        return patterns

    def dockerignore_patterns(self) -> list[str]:
        """The same for a ``.dockerignore`` (Go ``filepath.Match`` syntax, paths from the context root)."""
        return [pattern.removeprefix("/") for pattern in self.gitignore_patterns()]


def outputs_for(context: BuildContext) -> Outputs:
    """The outputs in the project a target builds: earlier builds' and this build's artifacts so far."""
    return outputs_of(context.root, [artifact.path for group in context.built.values() for artifact in group])


def outputs_of(root: Path, artifacts: Iterable[Path] = ()) -> Outputs:
    """:func:`find_outputs`, plus ``artifacts`` (this build's, not yet in a report) that lie inside ``root``."""
    found = find_outputs(root)
    top = root.resolve()
    extra = set()
    for path in artifacts:
        resolved = path.resolve()
        if resolved.is_relative_to(top) and resolved != top:
            extra.add(resolved.relative_to(top).as_posix())
    return Outputs(folders=found.folders, files=found.files | extra)


def find_outputs(root: Path) -> Outputs:
    """Every folder under ``root`` holding a build report (breadth first, bounded in depth and folders)."""
    top = root.resolve()
    folders: list[str] = []
    files: set[str] = set()
    queue: deque[tuple[Path, int]] = deque([(top, 0)])
    visited = 0
    while queue and visited < _MAX_FOLDERS:
        directory, depth = queue.popleft()
        visited += 1
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError:
            continue
        relative = "" if directory == top else directory.relative_to(top).as_posix()
        for entry in entries:
            if entry.name == REPORT_FILE and entry.is_file(follow_symlinks=False):
                folders.append(relative)
                prefix = relative + "/" if relative else ""
                files.update(prefix + name for name in _recorded_names(Path(entry.path)))
            elif entry.is_dir(follow_symlinks=False) and entry.name not in _NOT_ENTERED and depth < _MAX_DEPTH:
                queue.append((Path(entry.path), depth + 1))
    return Outputs(folders=tuple(folders), files=frozenset(files))


def _recorded_names(report: Path) -> list[str]:
    """The file names a report lists. Any report file marks its folder; one that cannot be read names nothing."""
    try:
        with report.open("rb") as handle:
            raw = handle.read(_MAX_REPORT_BYTES + 1)
        data = json.loads(raw) if len(raw) <= _MAX_REPORT_BYTES else None
    except (OSError, ValueError, RecursionError):
        return []
    entries: list[object] = []
    for key in ("artifacts", "supplyChain"):
        listed = data.get(key) if isinstance(data, dict) else None
        entries += listed[:_MAX_NAMES] if isinstance(listed, list) else []
    names = []
    for entry in entries:
        name = entry.get("file") if isinstance(entry, dict) else None
        # only plain names, as the report reader accepts them: never a path out of the folder
        if isinstance(name, str) and name not in ("", ".", "..") and not any(c in name for c in "/\\\0"):
            names.append(name)
    return names


def _escape(path: str) -> str:
    """A literal path as a gitignore / dockerignore pattern: wildcard and escape characters backslashed."""
    escaped = "".join("\\" + char if char in "\\*?[]" else char for char in path)
    return "\\" + escaped if escaped.startswith(("!", "#")) else escaped

"""Which files go into a bundle: default excludes plus ``.mcpbignore`` (gitignore semantics), a safe tree walk,
and the reproducible zip. Secret files are left out afterwards, by :mod:`mcpship.targets._secret_files`.

Rules match archive paths, which for project files are their paths from the project root (as with the
official ``mcpb pack``). Defaults come first and ``.mcpbignore`` after them in one rule list, so a ``!pattern``
there re-includes a default exclusion, exactly like the official CLI. mcpship's own outputs come last, so nothing
re-includes them; they are found by what mcpship wrote (:mod:`mcpship.targets._outputs`), not by a folder name:
``dist/`` and ``build/`` are where TypeScript servers keep their code.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import pathspec

from mcpship._exceptions import BuildError
from mcpship._safe_load import read_text_file
from mcpship.targets._archive import write_reproducible_zip
from mcpship.targets._outputs import Outputs

__all__ = ["DEFAULT_EXCLUDES", "IGNORE_FILE", "PYTHON_EXCLUDES", "IgnoreRules", "collect_tree", "write_bundle"]

IGNORE_FILE = ".mcpbignore"

DEFAULT_EXCLUDES: tuple[str, ...] = (
    # version control, editors, OS litter
    ".git/",
    ".hg/",
    ".svn/",
    ".gitignore",
    ".gitattributes",
    IGNORE_FILE,
    ".DS_Store",
    "Thumbs.db",
    ".idea/",
    ".vscode/",
    # secret files (.env, .npmrc, keys, ...) are left out by mcpship.targets._secret_files, which says so
    # Python
    ".venv/",
    "venv/",
    "__pycache__/",
    "*.pyc",
    "*.pyo",
    ".pytest_cache/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".tox/",
    ".nox/",
    "*.egg-info/",
    ".coverage",
    "htmlcov/",
    # Node; "*.map" spares folders named like "Iterator.prototype.map/" (mcpb issue #241)
    "node_modules/.cache/",
    "node_modules/.bin/",
    "node_modules/.package-lock.json",
    ".npm/",
    ".yarn/",
    ".pnp.*",
    "npm-debug.log*",
    "yarn-debug.log*",
    "yarn-error.log*",
    "*.tsbuildinfo",
    "*.d.ts",
    "*.map",
    "!*.map/",
    # the project's own tests: anchored, so vendored packages keep their tests/
    "/tests/",
    "/test/",
    "/coverage/",
    "/package-lock.json",
    "/yarn.lock",
    "/tsconfig.json",
    # bundles and logs
    "*.mcpb",
    "*.dxt",
    "*.log",
)
# setuptools' scratch folder, which a Python project's own build writes into its tree (a Python package named
# build would shadow pypa's build, so it is never a Python server's code).
PYTHON_EXCLUDES: tuple[str, ...] = ("/build/",)


class IgnoreRules:
    """Gitignore-style exclusion rules over archive paths; the last matching pattern decides."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        self._spec = pathspec.GitIgnoreSpec.from_lines(self.patterns)

    @classmethod
    def for_project(cls, root: Path, *, outputs: Outputs, python: bool = False) -> IgnoreRules:
        """The defaults (and :data:`PYTHON_EXCLUDES` for a Python server), then the project's ``.mcpbignore``
        (``#`` comments and blank lines skipped), then mcpship's own ``outputs``."""
        extra: list[str] = []
        ignore_file = root / IGNORE_FILE
        if ignore_file.is_file():
            for line in read_text_file(ignore_file, error=BuildError).splitlines():
                stripped = line.strip()
                if stripped and not stripped.startswith("#"):
                    extra.append(stripped)
        defaults = (*DEFAULT_EXCLUDES, *PYTHON_EXCLUDES) if python else DEFAULT_EXCLUDES
        return cls((*defaults, *extra, *outputs.gitignore_patterns()))

    def excludes(self, archive_path: str, *, is_dir: bool = False) -> bool:
        return self._spec.match_file(archive_path + "/" if is_dir else archive_path)


def collect_tree(
    top: Path,
    rules: IgnoreRules,
    *,
    prefix: str = "",
    boundary: Path | None = None,
    skip: Iterable[str] = (),
) -> dict[str, Path]:
    """``{archive path: file}`` for every file under ``top`` the rules keep; folders they exclude are not entered.

    Symlinks are followed and stored as regular files (as ``mcpb pack`` does) but only when they stay inside
    ``boundary`` (default ``top``): a link to elsewhere would ship files from outside the project.
    ``skip`` names top-level entries the caller adds another way (``node_modules`` from a clean install).
    """
    limit = (boundary or top).resolve()
    found: dict[str, Path] = {}
    skipped = set(skip)

    def walk(directory: Path, archive_prefix: str, ancestors: frozenset[Path]) -> None:
        for entry in sorted(os.scandir(directory), key=lambda item: item.name):
            if directory == top and entry.name in skipped:
                continue
            name = archive_prefix + entry.name
            path = Path(entry.path)
            is_dir = entry.is_dir(follow_symlinks=True)
            if rules.excludes(name, is_dir=is_dir):
                continue
            if entry.is_symlink():
                _check_link(path, name, limit)
            if is_dir:
                real = path.resolve()
                if real in ancestors:  # a link back up the tree would loop forever
                    raise BuildError(f"{path}: symlink loop", hint=f"remove the link or add {name}/ to {IGNORE_FILE}")
                walk(path, name + "/", ancestors | {real})
            elif entry.is_file(follow_symlinks=True):
                found[name] = path

    walk(top, prefix.rstrip("/") + "/" if prefix else "", frozenset({top.resolve()}))
    return found


def _check_link(path: Path, name: str, limit: Path) -> None:
    target = path.resolve()
    if not target.exists():
        raise BuildError(f"{path}: broken symlink", hint=f"remove it or add {name} to {IGNORE_FILE}")
    if not target.is_relative_to(limit):
        raise BuildError(
            f"{path}: symlink to {target}, outside the project; the bundle would carry files from elsewhere",
            hint=f"copy the file into the project, or add {name} to {IGNORE_FILE}",
        )


def write_bundle(destination: Path, files: Mapping[str, Path], *, epoch: int) -> None:
    """Zip ``files`` reproducibly; ``manifest.json`` must be among them (hosts read it from the root)."""
    if "manifest.json" not in files:
        raise BuildError("internal error: a bundle without manifest.json")
    destination.parent.mkdir(parents=True, exist_ok=True)
    write_reproducible_zip(destination, files.items(), epoch=epoch)

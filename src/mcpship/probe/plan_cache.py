"""Remember how a project folder starts, keyed by the bytes of the files that decide it.

Resolving a folder means validating its spec (pydantic) and checking its managed environment: ~150 ms
spent *before* the server can be spawned. When mcpship.toml, pyproject.toml, package.json and the README
are byte-identical to a run that resolved successfully, the stored plan is the plan; any edit to them
(or a missing environment) is a miss and the full path runs again.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from mcpship.__about__ import __version__
from mcpship._untrusted_json import loads_untrusted
from mcpship.probe.pyenv import cache_dir

__all__ = ["CachedPlan", "DeclaredVar", "load_cached_plan", "store_cached_plan"]

_INPUTS = ("mcpship.toml", "pyproject.toml", "package.json", "README.md", "README.rst", "README.txt", "README")


@dataclass(frozen=True)
class DeclaredVar:
    """The two things about a declared environment variable the launch needs (no pydantic on this path)."""

    name: str
    default: str | None = None


@dataclass(frozen=True, kw_only=True)
class CachedPlan:
    argv: tuple[str, ...]
    cwd: str
    declared: tuple[DeclaredVar, ...]
    fixed_env: dict[str, str]
    """Variables the launch sets itself (VIRTUAL_ENV), applied after the declared ones."""
    path_prefix: str | None


def _key(root: Path) -> str:
    digest = hashlib.sha256(f"{__version__}\0{root}".encode())
    for name in _INPUTS:
        path = root / name
        digest.update(name.encode() + b"\0")
        if path.is_file():
            digest.update(path.read_bytes())
        digest.update(b"\0")
    # Deleting node_modules must bring back the "run npm ci" explanation, not a cached start that crashes.
    digest.update(b"node_modules" if (root / "node_modules").is_dir() else b"-")
    return digest.hexdigest()


def _file(root: Path) -> Path:
    return cache_dir() / "plans" / f"{_key(root)}.json"


def load_cached_plan(root: Path) -> CachedPlan | None:
    try:
        data = loads_untrusted(_file(root).read_bytes())  # a cache file: anything odd in it is a miss
        plan = CachedPlan(
            argv=tuple(data["argv"]),
            cwd=data["cwd"],
            declared=tuple(DeclaredVar(**item) for item in data["declared"]),
            fixed_env=dict(data["fixed_env"]),
            path_prefix=data["path_prefix"],
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # The executable must still be there (a deleted managed venv, an uninstalled node).
    return plan if Path(plan.argv[0]).is_file() else None


def store_cached_plan(root: Path, plan: CachedPlan) -> None:
    from mcpship._atomic import write_text_atomic

    data = {
        "argv": list(plan.argv),
        "cwd": plan.cwd,
        "declared": [{"name": d.name, "default": d.default} for d in plan.declared],
        "fixed_env": plan.fixed_env,
        "path_prefix": plan.path_prefix,
    }
    with suppress(OSError):  # a read-only cache only costs speed
        write_text_atomic(_file(root), json.dumps(data, sort_keys=True))

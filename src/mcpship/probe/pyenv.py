"""A private, editable virtual environment per Python project, so ``inspect``/``lock`` run the live source.

``uvx --from DIR`` rebuilds the project on every start (about 1.4 s here) and ``uv run`` writes ``.venv`` and
``uv.lock`` into the author's project. Instead mcpship keeps one venv per project under its cache folder,
installs the project editable with uv, and reinstalls only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from mcpship._cache_dir import cache_dir
from mcpship._exceptions import ToolchainError
from mcpship._reporter import Reporter
from mcpship._untrusted_json import loads_untrusted

__all__ = ["cache_dir", "project_environment", "uv_executable"]


def uv_executable() -> str:
    """The uv binary shipped with the ``uv`` dependency, falling back to one on PATH."""
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        from shutil import which

        found = which("uv")
        if found is None:
            raise ToolchainError("uv is not installed", hint="pip install uv: mcpship depends on it") from None
        return found


def project_environment(root: Path, env: dict[str, str], reporter: Reporter) -> Path:
    """Return the ``bin`` folder of a venv holding ``root`` installed editable; create or refresh it if needed."""
    key = hashlib.sha256(str(root).encode()).hexdigest()[:16]
    venv = cache_dir() / "envs" / f"{root.name}-{key}"
    marker = venv / "mcpship-env.json"
    fingerprint = _fingerprint(root)
    if _recorded_fingerprint(marker) == fingerprint:
        return _bin(venv)
    reporter.step(f"preparing an environment for {root.name} (uv, editable install)")
    uv = uv_executable()
    python = sys.executable
    _run([uv, "venv", "--quiet", "--allow-existing", "--python", python, str(venv)], env, root)
    _run([uv, "pip", "install", "--quiet", "--python", str(_bin(venv) / "python"), "-e", str(root)], env, root)
    marker.write_text(json.dumps({"fingerprint": fingerprint, "project": str(root)}), encoding="utf-8")
    return _bin(venv)


def _fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "setup.cfg", "setup.py", "uv.lock", "requirements.txt"):
        path = root / name
        if path.is_file():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _recorded_fingerprint(marker: Path) -> object:
    """The fingerprint the environment was made for; None if the marker is missing or unreadable (remake it)."""
    try:
        recorded = loads_untrusted(marker.read_bytes())
    except (OSError, ValueError):
        return None
    return recorded.get("fingerprint") if isinstance(recorded, dict) else None


def _bin(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> None:
    try:
        completed = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolchainError(f"could not run {argv[0]}: {exc}") from exc
    if completed.returncode != 0:
        tail = "\n".join((completed.stderr or completed.stdout).strip().splitlines()[-15:])
        raise ToolchainError(
            f"installing {cwd} into its environment failed (uv exited {completed.returncode}):\n{tail}",
            hint="fix the project's dependencies or pyproject.toml; `uv pip install -e .` shows the same error",
        )

"""The fields a pyproject.toml leaves ``dynamic`` (version, description, ...), computed the way its build backend
computes them: the PEP 517 ``prepare_metadata_for_build_wheel`` hook, run in an isolated environment holding
``[build-system].requires``.

The environment is a uv venv under mcpship's cache folder, one per set of requirements, so only the first run pays
for installing hatchling or setuptools-scm. The result is cached per project state (pyproject.toml, ``git describe``,
the files' sizes and times), so the second ``mcpship build`` reads it from disk.
"""

from __future__ import annotations

import configparser
import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mcpship._atomic import write_text_atomic
from mcpship._cache_dir import cache_dir
from mcpship._exceptions import SpecError, ToolchainError
from mcpship._safe_load import read_bytes
from mcpship._untrusted_json import loads_untrusted

__all__ = ["BackendMetadata", "backend_metadata"]

BackendMetadata = dict[str, Any]
"""``version``, ``description``, ``keywords``, ``license``, ``urls`` (label -> URL), ``scripts`` (names) and
``mcp_name`` (the README's ownership marker), each present only when the backend's metadata has it."""

INSTALL_TIMEOUT = 600.0
"""Seconds for uv to install the build requirements (a cold cache downloads them)."""
HOOK_TIMEOUT = 120.0
"""Seconds for one backend hook; setuptools-scm on a large history takes a few."""
_OUTPUT_TAIL_BYTES = 4096
_MAX_METADATA_BYTES = 1024 * 1024
_MAX_WALKED = 20_000
_SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "dist", "build", "venv"})
# Variables the common backends read to decide a version; a change must not return a stale cached one.
_VERSION_ENV = re.compile(r"^(SETUPTOOLS_SCM_|HATCH_|PDM_|FLIT_|VERSIONINGIT_|POETRY_DYNAMIC_)")
_memo: dict[str, BackendMetadata] = {}


def backend_metadata(root: Path, document: dict[str, Any], field: str) -> BackendMetadata:
    """The metadata ``root``'s build backend computes; ``field`` (a ``[project]`` key) names what was wanted, for
    errors. Raise :class:`SpecError` naming pyproject.toml, the field and the fix when the backend cannot run."""
    pyproject = root / "pyproject.toml"
    system = _build_system(document, pyproject)
    key = _state_key(root, pyproject)
    if key is not None:
        cached = _memo.get(key) or _read_cache(key)
        if cached is not None:
            _memo[key] = cached
            return cached
    requires, backend, backend_path = system
    python = _build_environment(requires, pyproject, field)
    metadata = _run_hooks(root, python, (requires, backend, backend_path), pyproject, field)
    if key is not None:
        _memo[key] = metadata
        _write_cache(key, metadata)
    return metadata


def _build_system(document: dict[str, Any], pyproject: Path) -> tuple[list[str], str, list[str]]:
    # PEP 517's defaults for a pyproject.toml without [build-system]: setuptools' legacy backend.
    table = document.get("build-system", {})
    if not isinstance(table, dict):
        raise SpecError(f"{pyproject}: [build-system] must be a table", hint=_PEP_517_HINT)
    requires = table.get("requires", ["setuptools>=40.8.0"])
    if not isinstance(requires, list) or not all(isinstance(item, str) for item in requires):
        raise SpecError(f"{pyproject}: [build-system].requires must be an array of strings", hint=_PEP_517_HINT)
    backend = table.get("build-backend", "setuptools.build_meta:__legacy__")
    if not isinstance(backend, str) or not backend.strip():
        raise SpecError(f"{pyproject}: [build-system].build-backend must be a string", hint=_PEP_517_HINT)
    backend_path = table.get("backend-path", [])
    if not isinstance(backend_path, list) or not all(isinstance(item, str) for item in backend_path):
        raise SpecError(f"{pyproject}: [build-system].backend-path must be an array of strings", hint=_PEP_517_HINT)
    return requires, backend, backend_path


_PEP_517_HINT = "see https://packaging.python.org/en/latest/specifications/pyproject-toml/#declaring-build-system"


def _fix_hint(field: str) -> str:
    example = '"X.Y.Z"' if field == "version" else '"..."'
    spec_key = {"urls": "repository", "scripts": "[run] command", "readme": "name"}.get(field, field)
    return f"set {spec_key} = {example} in mcpship.toml (or [tool.mcpship])"


def _build_environment(requires: list[str], pyproject: Path, field: str) -> str:
    """The python of a cached venv holding ``requires``; installed with uv on first use."""
    from mcpship.probe.pyenv import uv_executable  # probe imports spec (and is heavy): only when installing

    identity = json.dumps({"requires": sorted(requires), "python": sys.version, "executable": sys.executable})
    venv = cache_dir() / "build-envs" / hashlib.sha256(identity.encode()).hexdigest()[:16]
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    marker = venv / "mcpship-build-env.json"
    if marker.is_file() and python.is_file():
        return str(python)
    try:
        uv = uv_executable()
    except ToolchainError as exc:
        raise SpecError(f"{pyproject}: [project].{field} is dynamic and {exc.message}", hint=exc.hint) from exc
    what = " ".join(requires) or "an empty environment"
    _install([uv, "venv", "--quiet", "--allow-existing", "--python", sys.executable, str(venv)], what, pyproject, field)
    if requires:
        _install([uv, "pip", "install", "--quiet", "--python", str(python), *requires], what, pyproject, field)
    write_text_atomic(marker, identity)
    return str(python)


def _install(argv: list[str], what: str, pyproject: Path, field: str) -> None:
    code, tail = _run_bounded(argv, cwd=pyproject.parent, env=dict(os.environ), timeout=INSTALL_TIMEOUT)
    if code != 0:
        raise SpecError(
            f"{pyproject}: [project].{field} is dynamic, and the build backend that computes it could not be"
            f" installed ({what}): uv {_exit_text(code)}:\n{tail}",
            hint=f"check [build-system].requires (and the network or UV_OFFLINE); or {_fix_hint(field)}",
        )


def _run_hooks(
    root: Path, python: str, system: tuple[list[str], str, list[str]], pyproject: Path, field: str
) -> BackendMetadata:
    from pyproject_hooks import BackendUnavailable, BuildBackendHookCaller, HookMissing

    requires, backend, backend_path = system

    def runner(cmd: Sequence[str], cwd: str | None = None, extra_environ: Mapping[str, str] | None = None) -> None:
        code, tail = _run_bounded(list(cmd), cwd=Path(cwd or root), env={**os.environ, **(extra_environ or {})})
        if code != 0:
            raise _HookFailedError(code, tail, hook=str(cmd[2]) if len(cmd) > 2 else "the hook")

    caller = BuildBackendHookCaller(str(root), backend, backend_path or None, runner=runner, python_executable=python)
    try:
        extra = caller.get_requires_for_build_wheel({})
        if extra:
            _install_extra(python, [str(item) for item in extra], pyproject, field)
        with tempfile.TemporaryDirectory(prefix="mcpship-metadata-") as scratch:
            dist_info = caller.prepare_metadata_for_build_wheel(scratch, {}, _allow_fallback=True)
            return _read_dist_info(Path(scratch) / str(dist_info), pyproject, field)
    except BackendUnavailable as exc:
        raise SpecError(
            f"{pyproject}: [project].{field} is dynamic, and the build backend {backend!r} cannot be imported from"
            f" [build-system].requires ({', '.join(requires) or 'empty'}):"
            f" {_last_line(exc.traceback) or exc}",
            hint=f"add the package providing {backend.partition(':')[0]} to [build-system].requires; or"
            f" {_fix_hint(field)}",
        ) from None
    except HookMissing as exc:  # only without a fallback, which is always allowed here; kept for a clear message
        raise SpecError(
            f"{pyproject}: [project].{field} is dynamic, and the build backend {backend!r} lacks the hook"
            f" {exc.hook_name}",
            hint=f"use a PEP 517 backend; or {_fix_hint(field)}",
        ) from None
    except _HookFailedError as exc:
        raise SpecError(
            f"{pyproject}: [project].{field} is dynamic, and the build backend {backend!r} failed to compute it"
            f" ({exc.hook} {_exit_text(exc.code)}):\n{exc.tail}",
            hint=f"fix the backend's configuration in pyproject.toml (`uv build` shows the same error); or"
            f" {_fix_hint(field)}",
        ) from None


class _HookFailedError(Exception):
    """The hook process failed (raised by the runner, through pyproject-hooks, to :func:`_run_hooks`)."""

    def __init__(self, code: int, tail: str, hook: str) -> None:
        super().__init__(code, tail, hook)
        self.code, self.tail, self.hook = code, tail, hook


def _install_extra(python: str, extra: list[str], pyproject: Path, field: str) -> None:
    from mcpship.probe.pyenv import uv_executable

    argv = [uv_executable(), "pip", "install", "--quiet", "--python", python, *extra]
    _install(argv, " ".join(extra), pyproject, field)


def _run_bounded(argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float | None = None) -> tuple[int, str]:
    """Exit code (-1 on timeout, -2 when it cannot start) and the last lines of its output, read from a file so a
    chatty backend cannot fill memory."""
    timeout = HOOK_TIMEOUT if timeout is None else timeout
    with tempfile.TemporaryFile() as output:
        try:
            completed = subprocess.run(
                argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                timeout=timeout, check=False,
            )  # fmt: skip
            code = completed.returncode
        except subprocess.TimeoutExpired:
            code = -1
        except OSError as exc:
            return -2, str(exc)
        size = output.seek(0, os.SEEK_END)
        output.seek(max(0, size - _OUTPUT_TAIL_BYTES))
        tail = output.read().decode("utf-8", errors="replace").strip()
        if code == -1:
            tail = f"{tail}\n(timed out after {timeout:.0f} s)".strip()
        return code, _readable_tail(tail)


def _readable_tail(text: str) -> str:
    """The last lines of a tool's output; of a Python traceback, only the exception it ends with."""
    lines = text.splitlines()
    frames = [index for index, line in enumerate(lines) if line.startswith('  File "')]
    if frames:
        after = lines[frames[-1] + 1 :]
        exception = [index for index, line in enumerate(after) if line and not line[0].isspace()]
        lines = after[exception[0] :] if exception else lines
    return "\n".join(lines[-20:])


def _exit_text(code: int) -> str:
    if code == -1:
        return "timed out"
    if code == -2:
        return "could not start"
    return f"exited {code}"


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def _read_dist_info(dist_info: Path, pyproject: Path, field: str) -> BackendMetadata:
    from packaging.metadata import parse_email

    metadata_file = dist_info / "METADATA"
    if dist_info.name in ("", ".", "..") or not metadata_file.is_file():
        raise SpecError(
            f"{pyproject}: [project].{field} is dynamic, and the build backend wrote no METADATA file",
            hint=f"check the backend with `uv build`; or {_fix_hint(field)}",
        )
    raw, _unparsed = parse_email(read_bytes(metadata_file, error=SpecError, max_bytes=_MAX_METADATA_BYTES))
    values: BackendMetadata = {}
    if isinstance(raw.get("version"), str):
        values["version"] = raw["version"]
    if isinstance(raw.get("summary"), str):
        values["description"] = raw["summary"]
    if raw.get("keywords"):
        values["keywords"] = list(raw["keywords"])
    license_text = raw.get("license_expression") or raw.get("license")
    if isinstance(license_text, str) and license_text.strip() and "\n" not in license_text.strip():
        values["license"] = license_text.strip()
    if raw.get("project_urls"):
        values["urls"] = dict(raw["project_urls"])
    from mcpship.spec.project_metadata import MCP_NAME_MARKER

    marker = MCP_NAME_MARKER.search(raw.get("description") or "")
    if marker:
        values["mcp_name"] = marker.group(1)
    entry_points = dist_info / "entry_points.txt"
    if entry_points.is_file():
        values["scripts"] = _console_scripts(read_bytes(entry_points, error=SpecError, max_bytes=_MAX_METADATA_BYTES))
    return values


def _console_scripts(data: bytes) -> list[str]:
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # script names keep their case
    try:
        parser.read_string(data.decode("utf-8", errors="replace"))
    except configparser.Error:
        return []
    return sorted(parser["console_scripts"]) if parser.has_section("console_scripts") else []


def _state_key(root: Path, pyproject: Path) -> str | None:
    """What the computed metadata depends on; None when the tree is too large to fingerprint (then not cached)."""
    digest = hashlib.sha256()
    digest.update(str(root).encode() + b"\0" + read_bytes(pyproject, error=SpecError))
    digest.update(_git_describe(root).encode())
    for name, value in sorted(os.environ.items()):
        if _VERSION_ENV.match(name):
            digest.update(f"\0{name}={value}".encode())
    walked = 0
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            walked += 1
            if walked > _MAX_WALKED:
                return None
            if entry.is_dir(follow_symlinks=False):
                if not _skipped(entry.name):
                    stack.append(Path(entry.path))
                continue
            try:
                stat = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            digest.update(f"\0{entry.path}\0{stat.st_size}\0{stat.st_mtime_ns}".encode(errors="surrogateescape"))
    return digest.hexdigest()


def _skipped(name: str) -> bool:
    # Folders no backend reads a version from, and the ones builds write into (so a build does not invalidate).
    return name.startswith(".") or name in _SKIPPED_DIRS or name.endswith(".egg-info")


def _git_describe(root: Path) -> str:
    """HEAD, the nearest tag and whether the tree is dirty: what setuptools-scm and hatch-vcs compute from."""
    try:
        completed = subprocess.run(
            ["git", "describe", "--tags", "--long", "--dirty", "--always", "--abbrev=40"],
            cwd=root, stdin=subprocess.DEVNULL, capture_output=True, timeout=10, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return completed.stdout.decode(errors="replace").strip()[:4096] if completed.returncode == 0 else ""


def _cache_file(key: str) -> Path:
    return cache_dir() / "backend-metadata" / f"{key}.json"


def _read_cache(key: str) -> BackendMetadata | None:
    try:
        document = loads_untrusted(read_bytes(_cache_file(key), error=SpecError, max_bytes=_MAX_METADATA_BYTES))
    except (SpecError, ValueError):
        return None  # missing or damaged: compute again
    return document if isinstance(document, dict) and isinstance(document.get("version"), str) else None


def _write_cache(key: str, metadata: BackendMetadata) -> None:
    with contextlib.suppress(OSError):  # a read-only cache only costs the next run the hook call
        write_text_atomic(_cache_file(key), json.dumps(metadata, sort_keys=True))

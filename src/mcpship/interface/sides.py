"""``mcpship diff OLD NEW``: turn each side the user named into an interface lock, classify the difference, and
decide whether it fails the build.

A side is one of:

* a lock file: ``mcp-interface.json``, or any path ending in ``.json``;
* ``git:REF`` (the current folder's project) or ``git:REF:FOLDER``: the project's lock file as committed at REF,
  read with ``git show``; nothing is checked out;
* a project folder: its server started from source and probed live, the way ``mcpship lock`` does (no lock is
  written);
* anything ``mcpship inspect`` accepts besides a command: ``pypi:NAME==VERSION``, ``npm:NAME@VERSION``, a
  Streamable HTTP URL or a wheel: probed live.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal

from mcpship._exceptions import InterfaceChangeError, LockError, ToolchainError, UsageError
from mcpship._reporter import NullReporter, Reporter
from mcpship._safe_load import MAX_FILE_BYTES
from mcpship.interface.lock import LOCK_FILE, InterfaceLock, lock_from_snapshot, parse_lock, read_lock
from mcpship.interface.render import bump_sentence
from mcpship.interface.semver import Classification, Severity, classify
from mcpship.probe import ProbeLimits, Spawner

__all__ = ["FAIL_ON_LEVELS", "FailOn", "InterfaceDiff", "Side", "check_fail_on", "diff_interfaces", "load_side"]

FailOn = Literal["major", "review", "minor", "patch"]
FAIL_ON_LEVELS: tuple[FailOn, ...] = ("major", "review", "minor", "patch")
_GIT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Side:
    spec: str
    """What the user typed."""
    source: str
    """Where the lock came from, for the reader: a file path, ``git show REF:PATH``, or the probed target."""
    lock: InterfaceLock


@dataclass(frozen=True)
class InterfaceDiff:
    old: Side
    new: Side
    classification: Classification


def diff_interfaces(
    old: str,
    new: str,
    *,
    cwd: Path | None = None,
    overrides: Mapping[str, Severity] | None = None,
    env: Mapping[str, str] | None = None,
    inherit_env: bool = False,
    timeout: float = 60.0,
    reporter: Reporter | None = None,
    spawner: Spawner | None = None,
    limits: ProbeLimits | None = None,
) -> InterfaceDiff:
    """Classify every change from the ``old`` side's interface to the ``new`` side's.

    >>> diff_interfaces("git:v1.0.0", "examples/notes-py").classification.bump    # doctest: +SKIP
    'minor'
    """
    load = partial(
        load_side,
        cwd=cwd or Path.cwd(),
        env=env,
        inherit_env=inherit_env,
        timeout=timeout,
        reporter=reporter,
        spawner=spawner,
        limits=limits,
    )
    before, after = load(old), load(new)
    return InterfaceDiff(before, after, classify(before.lock, after.lock, overrides=overrides))


def check_fail_on(classification: Classification, fail_on: FailOn | None) -> None:
    """Raise :class:`InterfaceChangeError` when a change reaches ``fail_on``: ``major``; ``review`` (major, or
    needs review); ``minor`` (minor or major); ``patch`` (any change). ``None`` never fails."""
    if fail_on is None:
        return
    if fail_on == "review":
        reached = tuple(c for c in classification.changes if c.review or c.severity == "major")
    else:
        reached = classification.at_least(fail_on)
    if reached:
        raise InterfaceChangeError(
            f"{len(reached)} interface change{'s' if len(reached) != 1 else ''} at or above --fail-on {fail_on} "
            f"({bump_sentence(classification)})",
            hint="bump the version the changes require, or revert them; to accept a rule's changes at another "
            "level, pass --severity RULE=LEVEL",
            classification=classification,
        )


def load_side(
    spec: str,
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    inherit_env: bool = False,
    timeout: float = 60.0,
    reporter: Reporter | None = None,
    spawner: Spawner | None = None,
    limits: ProbeLimits | None = None,
) -> Side:
    """The interface lock one side of ``mcpship diff`` names (see the module docstring for the forms)."""
    reporter = reporter or NullReporter()
    if spec.startswith("git:"):
        return _git_side(spec, cwd)
    path = cwd / spec
    if spec.endswith(".json"):
        return Side(spec, str(path), read_lock(path))
    if path.is_dir():
        from mcpship.interface.project import probe_lock

        reporter.step(f"probing {spec}")
        probed = probe_lock(
            path.resolve(),
            env=env,
            inherit_env=inherit_env,
            timeout=timeout,
            reporter=reporter,
            spawner=spawner,
            limits=limits,
        )
        return Side(spec, str(path.resolve()), probed)
    if not spec.startswith(("pypi:", "npm:", "http://", "https://")) and not spec.endswith(".whl"):
        raise UsageError(
            f"{spec}: not a side mcpship diff can read",
            hint="name a lock file (*.json), a project folder, git:REF[:FOLDER], pypi:NAME==VERSION, "
            "npm:NAME@VERSION, a wheel or an http(s) URL",
        )
    from mcpship.probe import inspect_server

    reporter.step(f"connecting to {spec}")
    target = str(path) if spec.endswith(".whl") else spec
    snapshot = inspect_server(
        target,
        env=env,
        inherit_env=inherit_env,
        timeout=timeout,
        reporter=reporter,
        spawner=spawner,
        limits=limits,
    )
    return Side(spec, spec, lock_from_snapshot(snapshot))


def _git_side(spec: str, cwd: Path) -> Side:
    ref, _, folder = spec.removeprefix("git:").partition(":")
    if not ref or ref.startswith("-"):
        raise UsageError(
            f"{spec}: no git ref", hint="write git:REF or git:REF:FOLDER, e.g. git:HEAD, git:v1.2.0:servers/notes"
        )
    project = (cwd / (folder or ".")).resolve()
    if not project.is_dir():
        raise UsageError(f"{spec}: {project} is not a folder", hint="write git:REF:FOLDER with the project's folder")
    top = _git(project, "rev-parse", "--show-toplevel").strip()
    if not top:
        raise UsageError(
            f"{spec}: {project} is not inside a git repository",
            hint="run mcpship diff from the project's repository, or name its folder: git:REF:FOLDER",
        )
    relative = (project / LOCK_FILE).relative_to(Path(top).resolve()).as_posix()
    if not _git(project, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip():
        raise UsageError(
            f"{spec}: {ref!r} is not a commit, branch or tag of {top}",
            hint="check the name with `git tag` / `git branch -a`, or fetch it first (`git fetch --tags`)",
        )
    source = f"git show {ref}:{relative}"
    size = _git(project, "cat-file", "-s", f"{ref}:{relative}").strip()
    if not size:
        raise LockError(
            f"{spec}: {ref} has no {relative} (the project had no interface lock at that commit)",
            hint=f"compare with a ref that has one, or lock that version: `git checkout {ref}`, `mcpship lock`, "
            "and pass the written file",
        )
    if int(size) > MAX_FILE_BYTES:
        raise LockError(
            f"{source}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, more than an interface lock ever needs",
            hint="compare against a ref whose mcp-interface.json was written by `mcpship lock`",
        )
    data = _git_bytes(project, "cat-file", "blob", f"{ref}:{relative}")
    return Side(spec, source, parse_lock(data, source))


def _git(cwd: Path, *arguments: str) -> str:
    """git's stdout as text; empty when git reports a failure (the caller says what that means)."""
    completed = _run_git(cwd, arguments)
    return completed.stdout.decode("utf-8", "replace") if completed.returncode == 0 else ""


def _git_bytes(cwd: Path, *arguments: str) -> bytes:
    completed = _run_git(cwd, arguments)
    if completed.returncode != 0:
        raise ToolchainError(
            f"git {' '.join(arguments)} failed: {completed.stderr.decode('utf-8', 'replace').strip()[:500]}",
            hint="run the same git command in the project's folder to see why",
        )
    return completed.stdout


def _run_git(cwd: Path, arguments: tuple[str, ...]) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git")
    if git is None:
        raise ToolchainError("git is not installed, so a git:REF side cannot be read", hint="install git")
    try:
        return subprocess.run(  # fixed argv, no shell; the ref cannot start with "-"
            [git, "-C", str(cwd), *arguments], capture_output=True, timeout=_GIT_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise ToolchainError(
            f"git {' '.join(arguments)} did not finish in {_GIT_TIMEOUT:.0f} s",
            hint="check the repository (a hung credential helper or a lock file?)",
        ) from error

"""The git commands of ``mcpship release``: each bounded in time, a failure as a :class:`ReleaseError`."""

from __future__ import annotations

import subprocess
from pathlib import Path

from mcpship._exceptions import ReleaseError

__all__ = ["git", "in_git_repo", "refuse_dirty_tree"]

_GIT_TIMEOUT = 30.0


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=_GIT_TIMEOUT, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ReleaseError(f"git {args[0]} could not run in {root}: {exc}", hint="install git, or check PATH") from exc
    if check and done.returncode != 0:
        raise ReleaseError(
            f"`git {' '.join(args[:3])}` failed in {root} ({done.returncode}): {done.stderr.strip()[:2000]}",
            hint="fix what git says, then `mcpship release --resume`",
        )
    return done


def in_git_repo(root: Path) -> bool:
    try:
        return git(root, "rev-parse", "--is-inside-work-tree", check=False).stdout.strip() == "true"
    except ReleaseError:
        return False


def refuse_dirty_tree(root: Path, outdir: Path, *, resuming: bool = False) -> None:
    excluded = [":(exclude).mcpship"]
    if outdir.is_relative_to(root):
        excluded.append(f":(exclude){outdir.relative_to(root).as_posix()}")
    status = git(root, "status", "--porcelain", "--untracked-files=all", "--", ".", *excluded).stdout
    changed = [line[3:] for line in status.splitlines() if line.strip()]
    if changed:
        shown = ", ".join(changed[:10]) + (f" and {len(changed) - 10} more" if len(changed) > 10 else "")
        if resuming:
            raise ReleaseError(
                f"{root}: the git work tree has changes since the release commit: {shown}",
                hint="commit the fix (the tag goes on the commit that was built), then `mcpship release --resume`",
            )
        raise ReleaseError(
            f"{root}: the git work tree has changes a release would mix into its commit: {shown}",
            hint="commit or stash them (git stash -u), then run `mcpship release` again",
        )

"""Start a server process using only the standard library, so the CLI can spawn it before loading anyio,
pydantic and the MCP SDK (about 0.7 s of imports that then overlap the server's own start-up)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from mcpship._exceptions import ServerStartError
from mcpship.probe.plan import StdioPlan
from mcpship.probe.reap import stop_process_tree

__all__ = ["discard", "owned", "spawn"]


def spawn(plan: StdioPlan) -> subprocess.Popen[bytes]:
    """Start the server in a session (and process group) of its own, which :func:`owned` or the stdio session
    (:func:`mcpship.probe.stdio.attach`) stop as a whole, with whatever else holds its pipes."""
    try:
        return subprocess.Popen(
            list(plan.argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=plan.env,
            cwd=plan.cwd,
            start_new_session=True,  # its own session and group: a wrapper's children (uvx, npx) stop with it
        )
    except OSError as exc:
        raise ServerStartError(
            f"could not start the server ({plan.label}): {plan.argv[0]}: {exc.strerror or exc}",
            hint="check that the command exists and is executable",
        ) from exc


@contextmanager
def owned(process: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """Stop ``process`` and its whole tree when the block ends, however it ends (KeyboardInterrupt included).

    A no-op when the session already stopped it; this covers the moments before and after a session.
    """
    try:
        yield process
    finally:
        discard(process)


def discard(process: subprocess.Popen[bytes]) -> None:
    """Stop ``process`` and its whole tree at once (no grace for a clean exit) and close our pipe ends."""
    stop_process_tree(process, polite=False)
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()

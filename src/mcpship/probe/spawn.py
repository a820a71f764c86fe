"""Start a server process using only the standard library, so the CLI can spawn it before loading anyio,
pydantic and the MCP SDK (about 0.7 s of imports that then overlap the server's own start-up)."""

from __future__ import annotations

import subprocess

from mcpship._exceptions import ServerStartError
from mcpship.probe.plan import StdioPlan

__all__ = ["spawn"]


def spawn(plan: StdioPlan) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(
            list(plan.argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=plan.env,
            cwd=plan.cwd,
            start_new_session=True,  # its own process group, so a wrapper's children (uvx, npx) stop with it
        )
    except OSError as exc:
        raise ServerStartError(
            f"could not start the server ({plan.label}): {plan.argv[0]}: {exc.strerror or exc}",
            hint="check that the command exists and is executable",
        ) from exc

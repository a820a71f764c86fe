"""Start the server named on the command line before Typer parses it.

Typer coerces every parameter through pydantic, which loads ~100 ms of modules before a command body runs;
the MCP SDK adds ~700 ms more. A server spawned first boots during all of that. This pre-scan recognises
only the plain shapes of ``inspect`` and ``lock``; anything else (an unknown flag, a cache miss) means no
pre-spawn. It never decides anything: the command computes its plan as usual and adopts the process only
if that plan is identical (same argv, environment and folder); otherwise the process is stopped.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mcpship._exceptions import McpshipError
from mcpship.probe.plan import StdioPlan

__all__ = ["Prespawned", "prespawn"]

# option -> takes a value; a test keeps these in line with the commands' real options
_VALUE_OPTIONS = {"--timeout", "--env", "-e", "--script", "--max-message-mib"}
_FLAG_OPTIONS = {"--json", "--inherit-env", "--check", "-v", "--verbose", "-q", "--quiet"}
_GLOBAL_FLAGS = {"-v", "-vv", "-vvv", "--verbose", "-q", "--quiet"}  # the group's, before the command
_COMMANDS = {"inspect", "lock"}


@dataclass
class Prespawned:
    plan: StdioPlan
    process: subprocess.Popen[bytes]
    adopted: bool = False

    def spawner(self, plan: StdioPlan) -> subprocess.Popen[bytes]:
        """Hand over the running process if ``plan`` is the one it was started from; else start ``plan``."""
        from mcpship.probe.spawn import spawn

        if not self.adopted and plan == self.plan:
            self.adopted = True
            return self.process
        self.discard()
        return spawn(plan)

    def discard(self) -> None:
        """Stop the process if no command adopted it (a parse error, a different plan)."""
        if self.adopted:
            return
        self.adopted = True
        from mcpship.probe.spawn import discard

        discard(self.process)


def prespawn(args: Sequence[str], passthrough: Sequence[str]) -> Prespawned | None:
    parsed = _scan(args)
    if parsed is None:
        return None
    command, target, env, inherit_env, script = parsed
    from mcpship.probe.environment import parse_env_assignments
    from mcpship.probe.locations import plan_for_directory, resolve_target
    from mcpship.probe.spawn import spawn

    try:
        overrides = parse_env_assignments(env)
        if command == "lock":
            if passthrough:
                return None
            plan = plan_for_directory(Path(target or "."), env_overrides=overrides, cached_only=True)
        elif target is not None and Path(target).is_dir():
            plan = plan_for_directory(Path(target), extra_args=passthrough, env_overrides=overrides, cached_only=True)
        elif target is not None and target.startswith(("http://", "https://")):
            return None
        else:
            resolved = resolve_target(
                target, passthrough, env_overrides=overrides, inherit_env=inherit_env, script=script
            )
            plan = resolved if isinstance(resolved, StdioPlan) else None
        if plan is None:
            return None
        return Prespawned(plan, spawn(plan))
    except (McpshipError, OSError, ValueError):
        return None  # the command itself will report this properly


def _scan(args: Sequence[str]) -> tuple[str, str | None, list[str], bool, str | None] | None:
    tokens = list(args)
    while tokens and tokens[0] in _GLOBAL_FLAGS:
        tokens.pop(0)
    if not tokens or tokens[0] not in _COMMANDS:
        return None
    command, rest = tokens[0], tokens[1:]
    target: str | None = None
    env: list[str] = []
    inherit_env = False
    script: str | None = None
    index = 0
    while index < len(rest):
        token = rest[index]
        name, has_value, inline = token.partition("=")
        if token.startswith("-") and name in _VALUE_OPTIONS:
            value = inline if has_value else (rest[index + 1] if index + 1 < len(rest) else None)
            if value is None:
                return None
            index += 1 if has_value else 2
            if name in ("--env", "-e"):
                env.append(value)
            elif name == "--script":
                script = value
            continue
        if token in _FLAG_OPTIONS or token in _GLOBAL_FLAGS:
            inherit_env = inherit_env or token == "--inherit-env"
            index += 1
            continue
        if token.startswith("-") or target is not None:
            return None  # something this scan does not know: leave it all to the real parser
        target = token
        index += 1
    return command, target, env, inherit_env, script

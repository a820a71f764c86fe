"""How each kind of artifact is started, exactly the way its users start it."""

from __future__ import annotations

from collections.abc import Mapping
from configparser import ConfigParser
from pathlib import Path

from mcpship._archive_members import open_zip, read_zip_member
from mcpship._exceptions import VerifyError
from mcpship.probe.environment import child_environment
from mcpship.probe.plan import StdioPlan
from mcpship.probe.pyenv import uv_executable
from mcpship.spec.model import Spec

__all__ = ["npm_plan", "wheel_from_sdist", "wheel_plan"]


def wheel_plan(wheel: Path, spec: Spec, config: Mapping[str, str]) -> StdioPlan:
    """``uvx --from <wheel> <script>`` in a fresh, isolated environment, as a user's client would start it."""
    scripts = _console_scripts(wheel)
    if spec.run.command not in scripts:
        raise VerifyError(
            f"{wheel.name} has no console script {spec.run.command!r} (it has: {', '.join(scripts) or 'none'})",
            hint="add it under [project.scripts]; `mcpship build` checks this before building",
        )
    env = child_environment(declared=spec.env, overrides=config)
    argv = (uv_executable(), "tool", "run", "--isolated", "--from", str(wheel), spec.run.command, *spec.run.args)
    return StdioPlan(argv=argv, env=env, cwd=wheel.parent, label=wheel.name)


def _console_scripts(wheel: Path) -> list[str]:
    with open_zip(wheel) as archive:
        names = [n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")]
        text = read_zip_member(archive, names[0]).decode() if names else ""
    parser = ConfigParser()
    parser.read_string(text)
    return sorted(parser["console_scripts"]) if parser.has_section("console_scripts") else []


def wheel_from_sdist(sdist: Path, into: Path, *, source_date_epoch: int | None) -> Path:
    """Build a wheel from the sdist exactly as pip would when installing it (isolated PEP 517 build)."""
    import os
    import subprocess

    env = dict(os.environ)
    if source_date_epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(source_date_epoch)
    argv = [uv_executable(), "build", "--quiet", "--wheel", "--out-dir", str(into), str(sdist)]
    completed = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900, check=False)
    if completed.returncode != 0:
        tail = "\n".join(completed.stderr.strip().splitlines()[-10:])
        raise VerifyError(f"no wheel could be built from {sdist.name}:\n{tail}", hint="check what the sdist includes")
    return next(into.glob("*.whl"))


def npm_plan(tarball: Path, spec: Spec, config: Mapping[str, str], workdir: Path) -> StdioPlan:
    """``npx -y <tarball>``, run from an empty folder so nothing local is picked up: what a client runs."""
    import shutil

    npx = shutil.which("npx")
    if npx is None:
        raise VerifyError("npx is not on PATH", hint="install Node.js (it ships npm and npx)")
    env = child_environment(declared=spec.env, overrides=config)
    env["npm_config_yes"] = "true"
    argv = (npx, "-y", "--package", str(tarball), spec.run.command, *spec.run.args)
    return StdioPlan(argv=argv, env=env, cwd=workdir, label=tarball.name)

"""Keep secret files out of a project's sdist and wheel, whatever its build backend packs.

hatchling's sdist, for one, packs every file .gitignore does not exclude: ``.env``, ``id_rsa``,
``.aws/credentials``. mcpship cannot configure every backend, so it checks what the backend made: the secret files
(:mod:`mcpship.targets._secret_files`) are dropped from the sdist, and the wheel is then built again *from that
sdist*, which is how pip builds it on install, so ``mcpship verify``'s sdist-to-wheel identity check still holds
and the wheel cannot carry them either. A project whose distributions hold no such file is left untouched.
"""

from __future__ import annotations

import subprocess
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mcpship._exceptions import BuildError
from mcpship.probe.pyenv import uv_executable
from mcpship.targets._archive import tar_gz_names, without_tar_members
from mcpship.targets._outputs import Outputs
from mcpship.targets._secret_files import SecretFiles

__all__ = ["CleanDistributions", "keep_outputs_out", "keep_secrets_out"]


@dataclass(frozen=True)
class CleanDistributions:
    wheel: Path
    sdist: Path | None
    left_out: tuple[str, ...]
    """Paths from the project root (sdist members) and, for files only the wheel had, wheel paths."""


def keep_secrets_out(
    root: Path,
    *,
    wheel: Path,
    sdist: Path | None,
    secrets: SecretFiles,
    work: Path,
    env: Mapping[str, str] | None = None,
) -> CleanDistributions:
    """The distributions without secret files. ``sdist`` None: only a wheel was wanted; an sdist is built in
    ``work`` only when the wheel holds a file that looks like a secret (to tell included ones from others)."""
    in_wheel = [name for name in _wheel_names(wheel) if secrets.looks_secret(name)]
    if sdist is None and not in_wheel:
        return CleanDistributions(wheel=wheel, sdist=None, left_out=())
    checked = sdist or _build(root, "--sdist", work / "sdist", env)
    names = tar_gz_names(checked)
    top = _sdist_top(names)
    members = {name.removeprefix(top): name for name in names if name != top}
    _, left_out = secrets.split(members)
    if sdist is None:  # only the wheel ships: what the sdist alone holds does not matter
        left_out = [m for m in left_out if any(m == name or m.endswith("/" + name) for name in in_wheel)]
    wheel_only = _not_included(in_wheel, members, secrets)
    if not left_out and not wheel_only:
        return CleanDistributions(wheel=wheel, sdist=sdist, left_out=())
    if left_out:
        dropped = {members[name] for name in left_out}
        without_tar_members(checked, dropped.__contains__)
    rebuilt = _build(checked, "--wheel", work / "wheel-from-sdist", env)
    still = [n for n in _wheel_names(rebuilt) if secrets.looks_secret(n) and _left_out_of_wheel(n, members, secrets)]
    if still:
        raise BuildError(
            f"the wheel built from the cleaned sdist still holds files that look like secrets: {', '.join(still)}"
            " (the build backend adds them from outside the sdist)",
            hint="remove them from the backend's wheel configuration (e.g. force-include), or name them in"
            " [files] include if they are meant to ship",
        )
    wheel.unlink()
    rebuilt = rebuilt.replace(wheel.parent / rebuilt.name)
    return CleanDistributions(wheel=rebuilt, sdist=sdist, left_out=tuple(left_out + wheel_only))


def keep_outputs_out(
    *, wheel: Path, sdist: Path, outputs: Outputs, work: Path, env: Mapping[str, str] | None = None
) -> CleanDistributions:
    """The distributions without mcpship's own outputs (a backend such as hatchling packs an output folder not
    named ``dist`` into the sdist): they are dropped from the sdist, and the wheel is built again from it."""
    names = tar_gz_names(sdist)
    top = _sdist_top(names)
    dropped = without_tar_members(sdist, lambda name: name != top and outputs.holds(name.removeprefix(top)))
    wheel_names = _wheel_names(wheel)
    if not dropped and not any(outputs.holds(name) for name in wheel_names):
        return CleanDistributions(wheel=wheel, sdist=sdist, left_out=())
    rebuilt = _build(sdist, "--wheel", work / "wheel-without-outputs", env)
    wheel.unlink()
    rebuilt = rebuilt.replace(wheel.parent / rebuilt.name)
    return CleanDistributions(wheel=rebuilt, sdist=sdist, left_out=tuple(name.removeprefix(top) for name in dropped))


def _not_included(in_wheel: list[str], members: Mapping[str, str], secrets: SecretFiles) -> list[str]:
    """Wheel paths that look like secrets, are not included, and come from no secret-looking sdist file (those
    are decided by the sdist's rules: ``pkg/a.pem`` in the wheel is ``src/pkg/a.pem`` in the sdist)."""
    from_sdist = [name for name in members if secrets.looks_secret(name)]
    return [
        name
        for name in in_wheel
        if not secrets.included(name) and not any(m == name or m.endswith("/" + name) for m in from_sdist)
    ]


def _left_out_of_wheel(name: str, members: Mapping[str, str], secrets: SecretFiles) -> bool:
    """A wheel path that should not be there: neither included itself nor the file of an included sdist member."""
    sources = [m for m in members if m == name or m.endswith("/" + name)]
    return not secrets.included(name) and not any(not secrets.left_out(m) for m in sources)


def _wheel_names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def _sdist_top(names: list[str]) -> str:
    """``name-1.0/``: every sdist member sits in one folder named after the distribution."""
    return names[0].split("/", 1)[0] + "/" if names else ""


def _build(source: Path, flag: str, parent: Path, env: Mapping[str, str] | None) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    out_dir = Path(tempfile.mkdtemp(prefix="secrets-", dir=parent))
    argv = [uv_executable(), "build", "--quiet", flag, "--out-dir", str(out_dir), str(source)]
    try:
        completed = subprocess.run(
            argv, capture_output=True, text=True, timeout=900, check=False, env=dict(env) if env else None
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError(f"building {source.name} {flag} failed: could not run uv: {exc}") from exc
    if completed.returncode != 0:
        tail = "\n".join((completed.stderr or completed.stdout).strip().splitlines()[-20:])
        raise BuildError(
            f"building {source.name} {flag} to leave secret files out failed (uv exited {completed.returncode}):"
            f"\n{tail}",
            hint="a file the build needs looks like a secret: name it in [files] include",
        )
    suffix = ".whl" if flag == "--wheel" else ".tar.gz"
    built = sorted(path for path in out_dir.iterdir() if path.name.endswith(suffix))
    if not built:
        raise BuildError(f"uv build {flag} produced nothing for {source}")
    return built[-1]

"""Which container runtime runs an image here, and how Docker or Podman run one from its ``.oci.tar``.

The choice, unless ``$MCPSHIP_OCI_RUNTIME`` names one (``docker``, ``podman`` or ``runc``): Docker when its daemon
answers, else Podman when it works on this machine, else umoci + runc (:mod:`mcpship.targets.oci.run`, no daemon).
Docker and Podman load the archive (``load -i``), run it as a client does (``run -i --rm --network none``, settings
passed by name with ``-e NAME`` so no secret is on a command line) and remove it afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mcpship._exceptions import MissingRuntimeError, ToolchainError, VerifyError
from mcpship.probe.plan import StdioPlan

__all__ = ["RUNTIME_ENV", "RUNTIME_HINT", "Runtime", "engine_plan", "find_runtime"]

RUNTIME_ENV = "MCPSHIP_OCI_RUNTIME"
RUNTIME_HINT = "install podman (apt-get install -y podman), or umoci and runc (apt-get install -y umoci runc)"
_PROBE_TIMEOUT = 30.0
_LOADED = re.compile(r"^Loaded image(?: ID)?\(?s?\)?: *(\S+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Runtime:
    name: str
    """``docker``, ``podman`` or ``runc``."""
    executable: str

    @property
    def how(self) -> str:
        if self.name == "runc":
            return "umoci unpack + runc run, stdin attached, no network"
        return f"{self.name} load + {self.name} run -i --rm --network none"


def find_runtime() -> Runtime | None:
    """The runtime ``verify`` runs images with, or None when this machine has none that works."""
    forced = os.environ.get(RUNTIME_ENV, "").strip().lower()
    if forced:
        if forced not in ("docker", "podman", "runc"):
            raise ToolchainError(
                f"${RUNTIME_ENV} is {forced!r}; it names docker, podman or runc", hint=f"unset {RUNTIME_ENV} or fix it"
            )
        found = _runc() if forced == "runc" else shutil.which(forced)
        if found is None:
            raise MissingRuntimeError(
                f"${RUNTIME_ENV} asks for {forced}, which is not installed", hint=f"{RUNTIME_HINT}; or unset it"
            )
        return Runtime(forced, found)
    for name, probe in (("docker", ("version", "--format", "{{.Server.Version}}")), ("podman", ("info",))):
        executable = shutil.which(name)
        if executable is not None and _answers(executable, probe):
            return Runtime(name, executable)
    runc = _runc()
    return Runtime("runc", runc) if runc is not None else None


def _runc() -> str | None:
    runc, umoci = shutil.which("runc"), shutil.which("umoci")
    return runc if runc is not None and umoci is not None else None


def _answers(executable: str, probe: tuple[str, ...]) -> bool:
    """The CLI works here (Docker's daemon is up; Podman finds its storage and runtime)."""
    try:
        completed = subprocess.run(
            [executable, *probe], capture_output=True, timeout=_PROBE_TIMEOUT, check=False, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return completed.returncode == 0


@contextmanager
def engine_plan(runtime: Runtime, archive: Path, env: Mapping[str, str]) -> Iterator[StdioPlan]:
    """Load ``archive`` into Docker or Podman and give the plan that runs it; the image is removed afterwards."""
    image = _load(runtime, archive)
    try:
        settings = [item for name in env for item in ("-e", name)]
        yield StdioPlan(
            argv=(runtime.executable, "run", "-i", "--rm", "--network", "none", *settings, image),
            env={**os.environ, **env},  # the CLI's own settings (DOCKER_HOST, ...) plus the server's, named by -e
            label=f"{runtime.name}:{archive.name}",
        )
    finally:
        subprocess.run(
            [runtime.executable, "rmi", image], capture_output=True, timeout=120, check=False, stdin=subprocess.DEVNULL
        )


def _load(runtime: Runtime, archive: Path) -> str:
    try:
        completed = subprocess.run(
            [runtime.executable, "load", "-i", str(archive)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise VerifyError(f"{runtime.name} load could not load {archive.name}: {exc}") from exc
    loaded = _LOADED.findall(completed.stdout)
    if completed.returncode != 0 or not loaded:
        said = (completed.stderr or completed.stdout).strip()[-1000:]
        raise VerifyError(
            f"{runtime.name} load -i {archive.name} failed ({completed.returncode}): {said}",
            hint=f"{runtime.name} must load OCI archives (Docker 25 or newer); or set {RUNTIME_ENV}=runc",
        )
    return str(loaded[-1])

"""Run a built image the way a client runs ``docker run -i --rm --network none IMAGE``, without a daemon:
``umoci unpack`` makes a runtime bundle, ``runc run`` starts it with stdin and stdout attached.

The bundle's config is edited for MCP over stdio: no terminal (a TTY would mangle JSON-RPC), the image's
entrypoint as the process, the caller's environment added. umoci's default config gives the container a
new network namespace with only ``lo``, so the server has no network. crun is not used: it refuses hybrid
cgroup hierarchies, which are common on CI machines.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mcpship._exceptions import ToolchainError, VerifyError
from mcpship._safe_load import read_json_file
from mcpship.probe.plan import StdioPlan
from mcpship.targets.oci.layout import extract_layout_tar

__all__ = ["image_bundle", "run_image_plan"]

_APT_HINTS = {"umoci": "apt-get install -y umoci", "runc": "apt-get install -y runc"}


def run_image_plan(image: Path, tag: str, work: Path, *, env: Mapping[str, str] | None = None) -> StdioPlan:
    """Unpack ``image`` (an OCI layout folder or ``.oci.tar``) into ``work`` and return the plan that starts it.

    ``plan.argv`` is ``runc --root … run --bundle … ID``; pass it to :func:`mcpship.probe.inspect_server`. The
    container is removed when the process ends (``runc run`` without ``--detach`` deletes it); ``work`` holds
    the unpacked root file system and the runtime state, for the caller to delete.
    """
    runc = _tool("runc")
    image, work = image.resolve(), work.resolve()  # runc resolves relative paths against its own state
    layout = image
    if image.is_file():
        layout = extract_layout_tar(image, work / "layout")
    bundle = work / "bundle"
    _unpack(layout, tag, bundle)
    config_file = bundle / "config.json"
    config = read_json_file(config_file, error=VerifyError)  # umoci writes it from the image's own config
    if not isinstance(config, dict):
        raise VerifyError(f"{config_file}: umoci wrote a runtime config that is not a JSON object")
    _prepare_for_stdio(config, env or {})
    config_file.write_text(json.dumps(config, indent=2), encoding="utf-8")
    state = work / "runc-state"
    state.mkdir(parents=True, exist_ok=True)
    container = f"mcpship-{uuid.uuid4().hex[:12]}"
    return StdioPlan(
        argv=(runc, "--root", str(state), "run", "--bundle", str(bundle), container),
        env={"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")},
        label=f"oci:{image}:{tag}",
    )


@contextmanager
def image_bundle(image: Path, tag: str, work: Path, *, env: Mapping[str, str] | None = None) -> Iterator[StdioPlan]:
    """:func:`run_image_plan`, then the container (if still there) and the unpacked files removed."""
    try:
        plan = run_image_plan(image, tag, work, env=env)
        yield plan
    finally:
        state = work / "runc-state"
        if state.is_dir():
            for container in (entry.name for entry in state.iterdir()):
                subprocess.run(
                    [_tool("runc"), "--root", str(state), "delete", "--force", container],
                    capture_output=True,
                    timeout=30,
                    check=False,
                )
        shutil.rmtree(work, ignore_errors=True)


def _unpack(layout: Path, tag: str, bundle: Path) -> None:
    umoci = _tool("umoci")
    argv = [umoci, "unpack", "--image", f"{layout}:{tag}", str(bundle)]
    if os.geteuid() != 0:
        argv.insert(2, "--rootless")
    try:
        completed = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolchainError(f"could not run umoci: {exc}") from exc
    if completed.returncode != 0:
        raise VerifyError(
            f"umoci could not unpack {layout}:{tag}: {completed.stderr.strip()[-2000:]}",
            hint=f"check the tag with `skopeo inspect oci:{layout}:{tag}`",
        )


def _prepare_for_stdio(config: dict[str, Any], env: Mapping[str, str]) -> None:
    process = config.setdefault("process", {})
    process["terminal"] = False
    process.pop("consoleSize", None)
    merged = dict(str(entry).partition("=")[::2] for entry in process.get("env", []))
    merged.update(env)
    process["env"] = [f"{name}={value}" for name, value in merged.items()]
    namespaces = config.setdefault("linux", {}).setdefault("namespaces", [])
    if not any(ns.get("type") == "network" for ns in namespaces):
        namespaces.append({"type": "network"})  # the equivalent of --network none


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ToolchainError(
            f"{name} is not installed; running OCI images without a daemon needs umoci and runc",
            hint=f"{_APT_HINTS[name]} (Debian/Ubuntu package {name!r})",
        )
    return found

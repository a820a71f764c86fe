"""An MCPB bundle is verified the way a desktop host runs it: unpacked safely, ``mcp_config`` resolved with
the host's rules (platform overrides, ``${__dirname}``, ``${user_config.*}``), then started."""

from __future__ import annotations

import dataclasses
import platform
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from mcpship._exceptions import InvalidArtifactError, McpshipError
from mcpship._reporter import Reporter
from mcpship.interface.lock import InterfaceLock
from mcpship.probe.environment import child_environment
from mcpship.probe.plan import StdioPlan
from mcpship.targets._base import Artifact
from mcpship.verify.result import VerifyResult

if TYPE_CHECKING:
    from mcpship.targets.mcpb.archive import BundleLimits

__all__ = ["PLACEHOLDER", "verify_bundle"]

PLACEHOLDER = "mcpship-verify-placeholder"
"""Given to required settings nobody supplied: verify lists the interface, it never calls a tool."""

_HOW = "unpacked; mcp_config resolved as a host does"
_MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
Runner = Callable[..., VerifyResult]


def verify_bundle(
    artifact: Artifact,
    lock: InterfaceLock,
    config: Mapping[str, str],
    timeout: float,
    reporter: Reporter,
    *,
    run: Runner,
    limits: BundleLimits | None = None,
) -> VerifyResult:
    from mcpship.targets.mcpb.host import host_platform, resolve_mcp_config
    from mcpship.targets.mcpb.unpack import unpack_bundle

    here = f"{host_platform()}-{_MACHINES.get(platform.machine().lower(), platform.machine().lower())}"
    if artifact.platform and artifact.platform != here:
        return VerifyResult(
            artifact=artifact, how=_HOW, status="skipped", detail=f"built for {artifact.platform}; this is {here}"
        )
    with tempfile.TemporaryDirectory(prefix="mcpship-mcpb-") as scratch:
        try:
            root = unpack_bundle(artifact.path, Path(scratch) / "bundle", limits=limits)
            manifest = _manifest(artifact.path, limits)
            skip = _runtime_mismatch(manifest)
            if skip is not None:
                return VerifyResult(artifact=artifact, how=_HOW, status="skipped", detail=skip)
            values, placeholders = _user_config(manifest, config)
            launch = resolve_mcp_config(manifest, root, user_config=values)
        except McpshipError as error:
            return VerifyResult(artifact=artifact, how=_HOW, status="failed", detail=error.message)
        env = child_environment(overrides={**config, **launch.env})
        plan = StdioPlan(argv=(launch.command, *launch.args), env=env, cwd=root, label=artifact.path.name)
        result = run(artifact, plan, lock, timeout, reporter, how=_HOW)
    if placeholders and result.status == "ok":
        note = f"placeholder for required {', '.join(placeholders)} (pass --config to set)"
        return dataclasses.replace(result, detail=note)
    return result


def _manifest(bundle: Path, limits: BundleLimits | None) -> dict[str, Any]:
    """The bundle's manifest, read as ``validate`` reads it (bounded, strict JSON)."""
    from mcpship.targets.mcpb.archive import open_bundle, parse_manifest

    with open_bundle(bundle, limits=limits) as archive:
        raw = archive.read_manifest()
    if raw is None:
        raise InvalidArtifactError(f"{bundle}: no manifest.json at the root of the bundle")
    data = parse_manifest(raw, source=f"{bundle}!manifest.json")
    if not isinstance(data, dict):
        raise InvalidArtifactError(f"{bundle}!manifest.json: a manifest must be a JSON object")
    return data


def _user_config(manifest: Mapping[str, Any], config: Mapping[str, str]) -> tuple[dict[str, object], list[str]]:
    """``--config`` values by user_config key, or by the environment variable a key feeds; placeholders for the
    required keys still missing."""
    options: Mapping[str, Any] = manifest.get("user_config") or {}
    env_to_key: dict[str, str] = {}
    mcp_env = ((manifest.get("server") or {}).get("mcp_config") or {}).get("env") or {}
    for variable, value in mcp_env.items():
        found = re.fullmatch(r"\$\{user_config\.([^}]+)\}", str(value))
        if found:
            env_to_key[str(variable)] = found.group(1)
    values: dict[str, object] = {}
    for name, value in config.items():
        key = name if name in options else env_to_key.get(name)
        if key is not None:
            values[key] = value
    placeholders = [
        key
        for key, option in options.items()
        if isinstance(option, Mapping) and option.get("required") and not values.get(key)
    ]
    for key in placeholders:
        values[key] = PLACEHOLDER
    return values, placeholders


def _runtime_mismatch(manifest: Mapping[str, Any]) -> str | None:
    """A bundle for another Python minor cannot run here; say so instead of failing."""
    server = manifest.get("server") or {}
    wanted = ((manifest.get("compatibility") or {}).get("runtimes") or {}).get("python")
    if server.get("type") != "python" or not isinstance(wanted, str):
        return None
    try:
        specifier = SpecifierSet(",".join(wanted.split()))
    except InvalidSpecifier:
        return None
    python = shutil.which("python3") or shutil.which("python")
    if python is None:
        return "no python3 on PATH to run a python bundle"
    completed = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    version = completed.stdout.strip()
    if completed.returncode == 0 and version and Version(version) not in specifier:
        return f"built for Python {wanted}; python3 here is {version}"
    return None

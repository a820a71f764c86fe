"""What goes into the image's app layer: the server and its dependencies, installed for the image's platform.

* Python: the project's wheel and its dependencies installed with ``uv pip install --target /app/lib`` for the
  base image's architecture and Python (wheels only), plus the ``/app/main.py`` launcher the MCPB bundles use.
* Node: the files ``npm pack`` would publish plus the production ``node_modules`` under ``/app``.
"""

from __future__ import annotations

import platform
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

from mcpship._exceptions import BuildError
from mcpship.targets._base import BuildContext
from mcpship.targets._outputs import outputs_for
from mcpship.targets._secret_files import SecretFiles, warn_left_out
from mcpship.targets.mcpb.bundle import IgnoreRules, collect_tree
from mcpship.targets.mcpb.config import PLATFORMS, Platform
from mcpship.targets.mcpb.node import package_files, production_module_files, read_package_json
from mcpship.targets.mcpb.python import build_project_wheel, launcher_source, lock_constraints, vendor_python
from mcpship.targets.oci.layout import BaseImage

__all__ = ["AppFiles", "base_python_version", "image_platform", "node_app", "node_entry", "python_app"]

APP_DIR = "/app"
_PYTHON_LIB = re.compile(r"^(?:\./)?usr/(?:local/)?lib/python(3\.\d+)/os\.py$")
_PLATFORM_BY_ARCH = {"amd64": "linux-x86_64", "arm64": "linux-arm64"}
_HOST_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


@dataclass(frozen=True)
class AppFiles:
    files: dict[str, Path | bytes]
    """``{absolute path in the image: source file or content}``."""
    entrypoint: tuple[str, ...]


def image_platform(base: BaseImage) -> Platform:
    name = _PLATFORM_BY_ARCH.get(base.architecture)
    if name is None or base.config.get("os", "linux") != "linux":
        raise BuildError(
            f"the base image is {base.config.get('os', 'linux')}/{base.architecture}; mcpship builds images for"
            " linux/amd64 and linux/arm64",
            hint="pick a linux/amd64 or linux/arm64 base image",
        )
    return PLATFORMS[name]


def base_python_version(base: BaseImage) -> str:
    """The base image's Python minor: ``PYTHON_VERSION`` of the official images, else the newest
    ``/usr[/local]/lib/python3.X/os.py`` in its layers (a Debian-built base)."""
    for entry in base.config.get("config", {}).get("Env") or []:
        name, _, value = str(entry).partition("=")
        if name == "PYTHON_VERSION" and re.match(r"^3\.\d+", value):
            return ".".join(value.split(".")[:2])
    found: set[str] = set()
    for descriptor in base.layers:
        with tarfile.open(base.blob(descriptor["digest"]), mode="r|*") as archive:
            for member in archive:
                match = _PYTHON_LIB.match(member.name)
                if match:
                    found.add(match.group(1))
    if not found:
        raise BuildError(
            f"no Python found in the base image {base.reference}",
            hint='use a base image with Python 3, or set python_version = "3.X" under [targets.oci]',
        )
    return max(found, key=lambda version: int(version.split(".")[1]))


def python_app(context: BuildContext, base: BaseImage, python_version: str) -> AppFiles:
    work = context.work / "oci"
    target_platform = image_platform(base)
    wheel = build_project_wheel(context.resolved, work / "wheel", context.reporter)
    vendored = vendor_python(
        wheel,
        work / f"lib-{target_platform.name}-{python_version}",
        command=context.resolved.spec.run.command,
        python_version=python_version,
        platform=target_platform,
        reporter=context.reporter,
        constraints=lock_constraints(context.root, work / "uv-lock-constraints.txt"),
    )
    launcher = launcher_source(
        command=context.resolved.spec.run.command, entry=vendored.entry, exact_python=python_version, oldest=None
    )
    files: dict[str, Path | bytes] = {
        f"{APP_DIR}/{name}": path for name, path in collect_tree(vendored.lib, IgnoreRules(()), prefix="lib").items()
    }
    files[f"{APP_DIR}/main.py"] = launcher.encode()
    return AppFiles(files=files, entrypoint=("python3", f"{APP_DIR}/main.py"))


def node_entry(root: Path, command: str) -> str:
    """The bin script the spec's command names, relative to the project root."""
    package = read_package_json(root)
    bins = package.get("bin")
    if isinstance(bins, str):
        entry: object = bins
    elif isinstance(bins, dict):
        entry = bins.get(command)
    else:
        entry = None
    if not isinstance(entry, str):
        raise BuildError(
            f"{root / 'package.json'} has no bin entry {command!r}, the spec's [run] command",
            hint=f'add "bin": {{"{command}": "bin/{command}.js"}} to package.json',
        )
    return entry.removeprefix("./")


def node_app(context: BuildContext, base: BaseImage) -> AppFiles:
    root = context.root
    target_platform = image_platform(base)
    rules = IgnoreRules.for_project(root, outputs=outputs_for(context))
    files: dict[str, Path | bytes] = {}
    package = read_package_json(root)
    collected, left_out = SecretFiles.for_spec(context.resolved).split(package_files(root, package, rules))
    warn_left_out(context.reporter, context.resolved, where="the image", left_out=left_out)
    # The project's own node_modules fits the image only when this machine is that platform.
    same_platform = platform.system() == "Linux" and _HOST_ARCH.get(platform.machine().lower()) == base.architecture
    collected.update(
        production_module_files(
            root,
            context.work / "oci" / f"npm-{target_platform.name}",
            rules,
            platform=None if same_platform else target_platform,
            reporter=context.reporter,
        )
    )
    files.update({f"{APP_DIR}/{name}": path for name, path in collected.items()})
    entry = node_entry(root, context.resolved.spec.run.command)
    return AppFiles(files=files, entrypoint=("node", f"{APP_DIR}/{entry}"))

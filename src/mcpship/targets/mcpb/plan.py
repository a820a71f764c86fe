"""Everything decided before any bundle is written: config, author, icons, the server's launch, the list of
bundles (one portable, or one per platform and Python) and the problems that stop the build."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcpship._exceptions import SpecError
from mcpship._problems import Problem
from mcpship.spec.project_metadata import npm_bin_path, read_toml
from mcpship.targets._base import BuildContext, target_config
from mcpship.targets.mcpb.config import PLATFORMS, McpbConfig, Platform
from mcpship.targets.mcpb.generate import project_author
from mcpship.targets.mcpb.manifest import Author, ManifestIcon
from mcpship.targets.mcpb.node import read_package_json
from mcpship.targets.mcpb.python import oldest_python

__all__ = ["BundlePlan", "Signing", "Variant", "make_plan"]

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Variant:
    platform: Platform | None
    python: str | None
    """The Python minor a python bundle is installed for (its markers, and its wheels when per platform)."""

    @property
    def key(self) -> str:
        return f"{self.platform.name if self.platform else 'portable'}-py{self.python or 'none'}"


@dataclass(frozen=True, kw_only=True)
class Signing:
    """The key, certificate and chain every bundle is signed with: ``[targets.mcpb]``, each overridden by its flag."""

    key: Path
    cert: Path
    chain: tuple[Path, ...] = ()


@dataclass(frozen=True, kw_only=True)
class BundlePlan:
    config: McpbConfig
    server_type: str
    author: Author | None
    icons: tuple[tuple[ManifestIcon, Path], ...]
    variants: tuple[Variant, ...]
    pyproject: dict[str, Any] = field(default_factory=dict)
    package: dict[str, Any] = field(default_factory=dict)
    entry_point: str | None = None
    """The server's main file in the bundle, when it comes from the project (node bin, uv module)."""
    problems: tuple[Problem, ...] = ()
    signing: Signing | None = None
    """None: the bundles are not signed."""


def make_plan(context: BuildContext) -> BundlePlan:
    """Read config and project files; raise :class:`SpecError` for a malformed ``[targets.mcpb]`` table."""
    config = target_config(context, "mcpb", McpbConfig)
    spec = context.resolved.spec
    server_type = config.server_type or spec.run.runtime
    problems: list[Problem] = []
    author = _author(context, config, problems)
    icons = _icons(context, config, problems)
    platform_names = list(context.options.platforms or config.platforms)
    platforms = _platforms(platform_names, context, problems)
    signing = _signing(context, config, problems)
    pyproject: dict[str, Any] = {}
    package: dict[str, Any] = {}
    entry_point: str | None = None
    if server_type in ("python", "uv"):
        pyproject = _pyproject(context, problems)
        entry_point = _python_checks(context, pyproject, server_type, problems)
    elif server_type == "node":
        package, entry_point = _node_checks(context, problems)
    if server_type == "uv" and platforms:
        problems.append(
            _spec_problem(
                context,
                "platforms",
                "uv bundles are portable (the host installs the dependencies), so platforms do not apply",
                'remove platforms, or use server_type = "python" for per-platform bundles',
            )
        )
    python_minors = config.python_versions or [oldest_python(pyproject.get("requires-python"))]
    if server_type == "python":
        variants = (
            tuple(Variant(p, v) for p, v in itertools.product(platforms, python_minors))
            if platforms
            else (Variant(None, python_minors[0]),)
        )
    elif server_type == "node":
        variants = tuple(Variant(p, None) for p in platforms) or (Variant(None, None),)
    else:
        variants = (Variant(None, None),)
    return BundlePlan(
        config=config,
        server_type=server_type,
        author=author,
        icons=tuple(icons),
        variants=variants,
        pyproject=pyproject,
        package=package,
        entry_point=entry_point,
        problems=tuple(problems),
        signing=signing,
    )


def _spec_file(context: BuildContext) -> str:
    return str(context.resolved.source or context.root / "mcpship.toml")


def _spec_problem(context: BuildContext, key: str, message: str, hint: str) -> Problem:
    source = _spec_file(context)
    table = "[tool.mcpship.targets.mcpb]" if source.endswith("pyproject.toml") else "[targets.mcpb]"
    return Problem(file=source, path=f"{table}.{key}", message=message, hint=hint)


def _author(context: BuildContext, config: McpbConfig, problems: list[Problem]) -> Author | None:
    if config.author is not None:
        return Author(name=config.author.name, email=config.author.email, url=config.author.url)
    found = project_author(context.root, context.resolved.spec.run.runtime)
    if found is None:
        metadata = (
            "pyproject.toml [project].authors"
            if context.resolved.spec.run.runtime == "python"
            else ('package.json "author"')
        )
        problems.append(
            _spec_problem(
                context,
                "author",
                f"an MCPB manifest requires an author, and neither [targets.mcpb] nor {metadata} names one",
                'add author = { name = "Your Name", email = "you@example.com" } under [targets.mcpb],'
                f" or set {metadata}",
            )
        )
    return found


def _icons(context: BuildContext, config: McpbConfig, problems: list[Problem]) -> list[tuple[ManifestIcon, Path]]:
    # Only local files can go into a bundle; the spec's https icons are for registries and are left out.
    icons: list[tuple[ManifestIcon, Path]] = []
    for index, icon in enumerate(config.icons):
        relative = icon.src.removeprefix("./")
        path = (context.root / relative).resolve()
        key = f"icons[{index}].src"
        if not path.is_relative_to(context.root.resolve()) or not path.is_file():
            problems.append(_spec_problem(context, key, f"icon {icon.src!r} is not a file in the project", _ICON_HINT))
            continue
        head = path.read_bytes()[:24]
        if not head.startswith(_PNG_MAGIC):
            problems.append(_spec_problem(context, key, f"icon {icon.src!r} is not a PNG file", _ICON_HINT))
            continue
        size = icon.size or f"{int.from_bytes(head[16:20], 'big')}x{int.from_bytes(head[20:24], 'big')}"
        icons.append((ManifestIcon(src=path.relative_to(context.root.resolve()).as_posix(), size=size), path))
    return icons


_ICON_HINT = "point src at a PNG in the project (512x512 is what Claude Desktop recommends)"


def _platforms(names: list[str], context: BuildContext, problems: list[Problem]) -> list[Platform]:
    platforms: list[Platform] = []
    for name in names:
        if name in PLATFORMS:
            platforms.append(PLATFORMS[name])
        else:
            problems.append(
                _spec_problem(context, "platforms", f"unknown platform {name!r}", f"use one of: {', '.join(PLATFORMS)}")
            )
    return platforms


def _signing(context: BuildContext, config: McpbConfig, problems: list[Problem]) -> Signing | None:
    """What signs the bundles: each of ``--sign-key``/``--sign-cert``/``--sign-chain`` over its ``[targets.mcpb]``
    key (paths there are relative to the project); None when neither says, or with a problem."""
    options = context.options

    def configured(value: str) -> Path:
        return context.root / Path(value).expanduser()

    key = options.sign_key or (configured(config.sign_key) if config.sign_key else None)
    cert = options.sign_cert or (configured(config.sign_cert) if config.sign_cert else None)
    chain = options.sign_chain or tuple(configured(item) for item in config.sign_chain)
    flags = {"sign_key": options.sign_key, "sign_cert": options.sign_cert}
    found = len(problems)
    if (key is None) != (cert is None):
        missing = "sign_cert" if cert is None else "sign_key"
        problems.append(
            _spec_problem(
                context,
                missing,
                "signing needs both a private key and its certificate",
                "set sign_key and sign_cert together under [targets.mcpb] (or pass --sign-key and --sign-cert)",
            )
        )
    elif key is None and chain:
        problems.append(
            _spec_problem(
                context,
                "sign_chain",
                "a certificate chain without sign_key and sign_cert signs nothing",
                "set sign_key and sign_cert too, or remove sign_chain",
            )
        )
    given = [("sign_key", key), ("sign_cert", cert), *(("sign_chain", path) for path in chain)]
    for name, path in given:
        if path is not None and not path.is_file():
            by_flag = flags.get(name) is not None or (name == "sign_chain" and bool(options.sign_chain))
            where = f"--{name.replace('_', '-')}" if by_flag else f"[targets.mcpb].{name}"
            problems.append(Problem(file=str(path), path=where, message="no such file", hint="give a PEM file"))
    if key is None or cert is None or len(problems) > found:
        return None
    return Signing(key=key, cert=cert, chain=chain)


def _pyproject(context: BuildContext, problems: list[Problem]) -> dict[str, Any]:
    path = context.root / "pyproject.toml"
    if not path.is_file():
        problems.append(
            Problem(
                file=str(path),
                path="$",
                message="no pyproject.toml: a Python bundle installs the project from it",
                hint="create it with [project] name, version, dependencies and [project.scripts]",
            )
        )
        return {}
    project = read_toml(path).get("project")
    return project if isinstance(project, dict) else {}


def _python_checks(
    context: BuildContext, project: dict[str, Any], server_type: str, problems: list[Problem]
) -> str | None:
    if not project:
        return None
    command = context.resolved.spec.run.command
    scripts = project.get("scripts") or {}
    if command not in scripts and "scripts" not in (project.get("dynamic") or []):
        problems.append(
            Problem(
                file=str(context.root / "pyproject.toml"),
                path="[project.scripts]",
                message=f"no console script named {command!r}, which the spec's [run] command starts",
                hint=f'add {command} = "your_package.server:main" under [project.scripts]',
            )
        )
        return None
    if server_type != "uv":
        return "server/main.py"
    return _module_file(context.root, str(scripts.get(command, "")))


def _module_file(root: Path, entry: str) -> str:
    """The file defining a ``module:function`` entry, for the uv type's entry_point (pyproject.toml if unknown)."""
    module = entry.partition(":")[0].strip().replace(".", "/")
    for base in ("", "src/"):
        for candidate in (f"{base}{module}.py", f"{base}{module}/__init__.py"):
            if module and (root / candidate).is_file():
                return candidate
    return "pyproject.toml"


def _node_checks(context: BuildContext, problems: list[Problem]) -> tuple[dict[str, Any], str | None]:
    root = context.root
    if not (root / "package.json").is_file():
        problems.append(
            Problem(file=str(root / "package.json"), path="$", message="no package.json", hint="run `npm init`")
        )
        return {}, None
    package = read_package_json(root)
    if not (root / "package-lock.json").is_file():
        problems.append(
            Problem(
                file=str(root / "package-lock.json"),
                path="$",
                message="no package-lock.json, so the bundled node_modules could not be reproduced",
                hint="run `npm install` once and commit package-lock.json",
            )
        )
    command = context.resolved.spec.run.command
    entry = npm_bin_path(root, command)
    if entry is None or not (root / entry).is_file():
        problems.append(
            Problem(
                file=str(root / "package.json"),
                path="$.bin",
                message=f"no bin entry {command!r} pointing at a file, which the spec's [run] command starts",
                hint=f'add "bin": {{"{command}": "bin/{command}.js"}} to package.json',
            )
        )
        return package, None
    return package, entry.removeprefix("./")


def spec_error_problem(context: BuildContext, error: SpecError) -> Problem:
    return Problem(file=_spec_file(context), path="[targets.mcpb]", message=error.message, hint=error.hint)

"""Turn what the user typed (a folder, a URL, a wheel, ``pypi:``/``npm:`` names, or ``-- COMMAND``) into a plan."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mcpship._exceptions import SpecError, ToolchainError, UsageError
from mcpship._reporter import NullReporter, Reporter
from mcpship.probe.environment import child_environment
from mcpship.probe.plan import HttpPlan, LaunchPlan, StdioPlan
from mcpship.probe.plan_cache import CachedPlan, DeclaredVar, load_cached_plan, store_cached_plan
from mcpship.probe.pyenv import project_environment, uv_executable

if TYPE_CHECKING:
    from mcpship.spec.load import ResolvedSpec

__all__ = ["TARGET_FORMS", "plan_for_directory", "plan_for_project", "resolve_target"]

TARGET_FORMS = (
    "a project folder (with mcpship.toml, pyproject.toml or package.json)",
    "-- COMMAND [ARGS...]",
    "http://HOST:PORT/PATH (Streamable HTTP)",
    "a wheel file (*.whl)",
    "pypi:NAME[==VERSION|@VERSION]",
    "npm:NAME[@VERSION]",
)
_PYPI_FORMS = "write pypi:NAME, pypi:NAME==VERSION or pypi:NAME@VERSION"
_NPM_NAME = re.compile(r"^(@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*$")


def resolve_target(
    target: str | None,
    command: Sequence[str] = (),
    *,
    env_overrides: Mapping[str, str] | None = None,
    inherit_env: bool = False,
    script: str | None = None,
    reporter: Reporter | None = None,
) -> LaunchPlan:
    """Work out how to start (or reach) the server the user named."""
    reporter = reporter or NullReporter()
    overrides = dict(env_overrides or {})
    if target is None:
        if not command:
            raise UsageError("no server given", hint="name a TARGET or a command after --; see `mcpship inspect -h`")
        env = child_environment(overrides=overrides, inherit_all=inherit_env)
        return StdioPlan(argv=tuple(command), env=env, cwd=Path.cwd(), label=" ".join(command))
    extra = tuple(command)
    if target.startswith(("http://", "https://")):
        if extra:
            raise UsageError("arguments after -- cannot be passed to a server reached by URL")
        return HttpPlan(url=target, label=target)
    if target.startswith("pypi:"):
        env = child_environment(overrides=overrides, inherit_all=inherit_env)
        return _pypi_plan(target, extra, env, script)
    if target.startswith("npm:"):
        env = child_environment(overrides=overrides, inherit_all=inherit_env)
        return _npm_plan(target, extra, env, script)
    path = Path(target)
    if target.endswith(".whl"):
        if not path.is_file():
            raise UsageError(f"{target}: no such wheel file")
        env = child_environment(overrides=overrides, inherit_all=inherit_env)
        return _wheel_plan(path, extra, env, script)
    if path.is_dir():
        plan = plan_for_directory(
            path, extra_args=extra, env_overrides=overrides, inherit_env=inherit_env, reporter=reporter
        )
        assert plan is not None
        return plan
    raise _unknown_target(target, path)


def plan_for_directory(
    directory: Path,
    *,
    extra_args: Sequence[str] = (),
    env_overrides: Mapping[str, str] | None = None,
    inherit_env: bool = False,
    reporter: Reporter | None = None,
    cached_only: bool = False,
) -> StdioPlan | None:
    """The plan for a project folder: from the plan cache when its inputs are unchanged, else from its spec.

    With ``cached_only`` a cache miss returns None instead of loading the spec (the CLI's pre-spawn path).
    """
    root = directory.resolve()
    cached = load_cached_plan(root)
    if cached is not None:
        return _plan_from_cache(cached, extra_args, env_overrides, inherit_env, label=str(root))
    if cached_only:
        return None
    from mcpship.spec.load import load_spec

    resolved = load_spec(root, check_targets=False)  # inspecting reads no [targets] table: import none of them
    return plan_for_project(
        resolved, extra_args=extra_args, env_overrides=env_overrides, inherit_env=inherit_env, reporter=reporter
    )


def plan_for_project(
    resolved: ResolvedSpec,
    *,
    extra_args: Sequence[str] = (),
    env_overrides: Mapping[str, str] | None = None,
    inherit_env: bool = False,
    reporter: Reporter | None = None,
) -> StdioPlan:
    """Start a project from its source the way its spec says, with the spec's declared variables passed."""
    spec, root = resolved.spec, resolved.root
    declared = tuple(DeclaredVar(entry.name, entry.default) for entry in spec.env)
    base_env = child_environment(declared=declared, overrides=env_overrides, inherit_all=inherit_env)
    fixed_env: dict[str, str] = {}
    path_prefix: str | None = None
    if spec.run.runtime == "python":
        bin_dir = project_environment(root, base_env, reporter or NullReporter())
        executable = bin_dir / spec.run.command
        if not executable.exists():
            raise SpecError(
                f"{root}: [run] command {spec.run.command!r} is not a console script of this project",
                hint="add it under [project.scripts] in pyproject.toml, or fix [run] command",
            )
        argv: tuple[str, ...] = (str(executable),)
        fixed_env["VIRTUAL_ENV"] = str(bin_dir.parent)
        path_prefix = str(bin_dir)
    elif spec.run.runtime == "node":
        argv = _node_argv(resolved, base_env)
    else:
        argv = (_binary(resolved, base_env),)
    cached = CachedPlan(
        argv=(*argv, *spec.run.args),
        cwd=str(root),
        declared=declared,
        fixed_env=fixed_env,
        path_prefix=path_prefix,
    )
    store_cached_plan(root, cached)
    return _plan_from_cache(cached, extra_args, env_overrides, inherit_env, label=str(root))


def _plan_from_cache(
    cached: CachedPlan,
    extra_args: Sequence[str],
    env_overrides: Mapping[str, str] | None,
    inherit_env: bool,
    *,
    label: str,
) -> StdioPlan:
    env = child_environment(declared=cached.declared, overrides=env_overrides, inherit_all=inherit_env)
    env.update(cached.fixed_env)
    if cached.path_prefix:
        env["PATH"] = f"{cached.path_prefix}{os.pathsep}{env.get('PATH', '')}"
    return StdioPlan(argv=(*cached.argv, *extra_args), env=env, cwd=Path(cached.cwd), label=label)


def _binary(resolved: ResolvedSpec, env: Mapping[str, str]) -> str:
    root, command = resolved.root, resolved.spec.run.command
    executable_path = root / command
    found = str(executable_path) if executable_path.is_file() else shutil.which(command, path=env.get("PATH"))
    if found is None:
        raise SpecError(
            f"{root}: [run] command {command!r} is neither a file in the project nor on PATH",
            hint="point [run] command at the server executable",
        )
    return found


def _node_argv(resolved: ResolvedSpec, env: Mapping[str, str]) -> tuple[str, str]:
    from mcpship.spec.project_metadata import npm_bin_path

    root, command = resolved.root, resolved.spec.run.command
    if not (root / "package.json").is_file():
        raise SpecError(f"{root}: runtime is node but there is no package.json", hint="run `npm init` first")
    entry = npm_bin_path(root, command)
    if entry is None:
        raise SpecError(
            f'{root / "package.json"}: no "bin" entry named {command!r}',
            hint=f'add "bin": {{"{command}": "bin/{command}.js"}} to package.json, or fix [run] command',
        )
    if (root / "package-lock.json").is_file() and not (root / "node_modules").is_dir():
        raise ToolchainError(
            f"{root}: the package's dependencies are not installed (no node_modules)",
            hint=f"run `npm ci` in {root}",
        )
    node = shutil.which("node", path=env.get("PATH"))
    if node is None:
        raise ToolchainError("node is not on PATH", hint="install Node.js 18 or newer")
    return node, str(root / entry)


def _pypi_plan(target: str, extra: tuple[str, ...], env: dict[str, str], script: str | None) -> StdioPlan:
    from packaging.requirements import InvalidRequirement, Requirement

    spec_text = _pinned_as_uvx_reads_it(target.removeprefix("pypi:"))
    try:
        requirement = Requirement(spec_text)
    except InvalidRequirement as exc:
        raise UsageError(
            f"{target}: not a package requirement ({exc})",
            hint="write pypi:NAME, pypi:NAME==VERSION or pypi:NAME@VERSION",
        ) from None
    if requirement.url or requirement.marker:
        raise UsageError(f"{target}: URLs and markers are not supported", hint=_PYPI_FORMS)
    uv = uv_executable()
    command = script or _pypi_script(target, spec_text, requirement.name, uv, env)
    return StdioPlan(argv=(uv, "tool", "run", "--from", spec_text, command, *extra), env=env, label=target)


# Run in the package's own environment (the one uvx then reuses from its cache): its console scripts, as JSON.
_LIST_SCRIPTS = (
    "import importlib.metadata as m, json, sys\n"
    "d = m.distribution(sys.argv[1])\n"
    "print(json.dumps(sorted({e.name for e in d.entry_points if e.group == 'console_scripts'})))"
)
_SCRIPTS_TIMEOUT = 300.0  # installing a large package from a cold cache
_MAX_SCRIPTS_OUTPUT = 256 * 1024


def _pypi_script(target: str, spec_text: str, name: str, uv: str, env: dict[str, str]) -> str:
    """The console script uvx should run: the one named like the package, else the package's only one.

    When the package cannot be installed here the name stands, so uvx reports its own error when it starts."""
    # From uv's cache first (0.7 s here, against 3-4 s for resolving again online), which holds the package
    # whenever it was inspected or run before; online only when that fails.
    scripts = None
    for mode in (("--offline",), ()):  # the second as the user configured uv (UV_OFFLINE included)
        argv = (uv, "tool", "run", *mode, "--from", spec_text, "python", "-c", _LIST_SCRIPTS, name)
        scripts = _listed_scripts(argv, env)
        if scripts is not None:
            break
    if scripts is None or name in scripts:
        return name
    return _only_script(target, scripts, "console script", "the package's [project.scripts]")


def _only_script(target: str, scripts: list[str], kind: str, where: str) -> str:
    if len(scripts) == 1:
        return scripts[0]
    shown = ", ".join(scripts[:20]) + (f" and {len(scripts) - 20} more" if len(scripts) > 20 else "")
    if not scripts:
        raise UsageError(f"{target}: the package has no {kind} to start the server", hint=f"check {where}")
    raise UsageError(
        f"{target}: the package has several {kind}s and none is named like it: {shown}",
        hint=f"name the one that starts the server with --script NAME (one of: {shown})",
    )


def _listed_scripts(argv: Sequence[str], env: dict[str, str], *, whole_output: bool = False) -> list[str] | None:
    """The names a helper command prints: a JSON list on its last line, or with ``whole_output`` a JSON object
    (``npm view NAME bin --json``: bin name -> file; no output when the package has no bin) whose keys are the
    names. None when the command fails (the caller then keeps its default)."""
    import subprocess
    import tempfile

    from mcpship._untrusted_json import loads_untrusted

    with tempfile.TemporaryFile() as output:
        try:
            completed = subprocess.run(
                argv, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.DEVNULL,
                timeout=_SCRIPTS_TIMEOUT, check=False,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            return None
        output.seek(0)
        data = output.read(_MAX_SCRIPTS_OUTPUT + 1)
    if completed.returncode != 0 or len(data) > _MAX_SCRIPTS_OUTPUT:
        return None
    try:
        text = data.decode("utf-8").strip()
        if whole_output:
            listed = loads_untrusted(text) if text else {}
            names = list(listed) if isinstance(listed, dict) else None
        else:
            lines = text.splitlines()
            names = loads_untrusted(lines[-1]) if lines else None
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(names, list) or not all(isinstance(item, str) and 0 < len(item) <= 200 for item in names):
        return None
    return sorted(set(names))


def _pinned_as_uvx_reads_it(text: str) -> str:
    """``NAME@VERSION`` (uvx's form) as ``NAME==VERSION``, ``NAME@latest`` as ``NAME``; anything else unchanged (a
    PEP 508 ``NAME @ URL`` stays a URL, and is refused as one)."""
    from packaging.version import InvalidVersion, Version

    name, at, version = text.partition("@")
    if not at or not name.strip() or name != name.rstrip() or version != version.lstrip():
        return text
    if version == "latest":
        return name
    try:
        Version(version)
    except InvalidVersion:
        return text
    return f"{name}=={version}"


def _npm_plan(target: str, extra: tuple[str, ...], env: dict[str, str], script: str | None) -> StdioPlan:
    spec_text = target.removeprefix("npm:")
    name, _, version = spec_text[1:].partition("@") if spec_text.startswith("@") else spec_text.partition("@")
    name = f"@{name}" if spec_text.startswith("@") else name
    if not _NPM_NAME.match(name) or (version == "" and spec_text.endswith("@")):
        raise UsageError(
            f"{target}: not an npm package name", hint="write npm:NAME, npm:NAME@VERSION or npm:@SCOPE/NAME"
        )
    npx = shutil.which("npx", path=env.get("PATH"))
    if npx is None:
        raise ToolchainError("npx is not on PATH", hint="install Node.js (it ships npm and npx)")
    if script is None:
        script = _npm_bin(target, spec_text, name, npx, env)
    argv = (npx, "-y", spec_text) if script is None else (npx, "-y", "--package", spec_text, script)
    return StdioPlan(argv=(*argv, *extra), env=env, label=target)


def _npm_bin(target: str, spec_text: str, name: str, npx: str, env: dict[str, str]) -> str | None:
    """The bin npx should run, or None when npx chooses it itself (the package's only bin, or the one named like
    the package without its scope, as npx does). A package with several bins and none named like it makes npx fail
    with "could not determine executable to run": say so before starting anything, listing the bins."""
    npm = shutil.which("npm", path=env.get("PATH")) or str(Path(npx).with_name("npm"))
    bins = _listed_scripts((npm, "view", spec_text, "bin", "--json"), env, whole_output=True)
    if bins is None or len(bins) == 1 or name.rpartition("/")[2] in bins:
        return None
    return _only_script(target, bins, "bin", 'the package\'s "bin" in package.json')


def _wheel_plan(path: Path, extra: tuple[str, ...], env: dict[str, str], script: str | None) -> StdioPlan:
    scripts = _wheel_console_scripts(path)
    package = path.name.split("-", 1)[0].replace("_", "-").lower()
    if script is None and package in scripts:
        script = package  # what `uvx --from <wheel>` would run: the script named like the package
    if script is None:
        if len(scripts) != 1:
            listed = ", ".join(scripts) or "none"
            raise UsageError(
                f"{path}: cannot tell which console script starts the server (the wheel has: {listed})",
                hint="name it with --script NAME",
            )
        script = scripts[0]
    uv = uv_executable()
    return StdioPlan(argv=(uv, "tool", "run", "--from", str(path.resolve()), script, *extra), env=env, label=str(path))


def _wheel_console_scripts(path: Path) -> list[str]:
    import zipfile  # the wheel form only: every other target starts without the archive readers
    import zlib
    from configparser import ConfigParser

    from mcpship._archive_members import open_zip, read_zip_member

    try:
        with open_zip(path) as wheel:  # any wheel a user points at: bounded reads
            names = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
            text = read_zip_member(wheel, names[0]).decode() if names else ""
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
        raise UsageError(f"{path}: not a readable wheel ({exc})") from exc
    parser = ConfigParser()
    parser.read_string(text)
    return sorted(parser["console_scripts"]) if parser.has_section("console_scripts") else []


def _unknown_target(target: str, path: Path) -> UsageError:
    forms = "\n  ".join(TARGET_FORMS)
    if target.startswith("oci:") or target.endswith(".mcpb"):
        return UsageError(
            f"{target}: OCI images and .mcpb bundles cannot be inspected by this version of mcpship",
            hint=f"the forms accepted are:\n  {forms}",
        )
    if ":" in target and not path.exists():
        scheme = target.split(":", 1)[0]
        return UsageError(f"{target}: unknown TARGET form {scheme + ':'!r}", hint=f"use one of:\n  {forms}")
    if path.exists():
        return UsageError(f"{target}: not a folder, wheel or URL", hint=f"use one of:\n  {forms}")
    return UsageError(f"{target}: no such file or folder, and not a known TARGET form", hint=f"use one of:\n  {forms}")

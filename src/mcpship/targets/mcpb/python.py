"""Python servers: the project and its dependencies installed (non-editable) into ``server/lib`` with uv,
made byte-stable, plus a small ``server/main.py`` that starts the console script.

Installed trees carry machine-specific bits that would make two builds differ or leak the build machine:
``bin/`` scripts with absolute shebangs, ``direct_url.json`` (a ``file://`` path), uv's cache stamps. They
are dropped and each RECORD is rewritten without them, so the metadata still tells the truth.
"""

from __future__ import annotations

import configparser
import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from mcpship._exceptions import BuildError
from mcpship._reporter import Reporter
from mcpship.probe.pyenv import uv_executable
from mcpship.spec.load import ResolvedSpec
from mcpship.targets._secret_files import SecretFiles, warn_left_out
from mcpship.targets.mcpb.config import Platform
from mcpship.targets.pypi.clean import keep_secrets_out

__all__ = [
    "VendoredPython",
    "build_project_wheel",
    "compiled_distributions",
    "exact_python_range",
    "launcher_source",
    "lock_constraints",
    "oldest_python",
    "python_runtime_range",
    "vendor_python",
]

_MACHINE_SPECIFIC = ("direct_url.json", "uv_cache.json", "uv_build.json")
_KNOWN_MINORS = range(8, 20)
_INSTALL_HINT = (
    "a per-platform bundle takes wheels only: pin a version of that dependency that has a wheel for the"
    " platform and Python asked for, or drop that platform"
)


@dataclass(frozen=True)
class VendoredPython:
    lib: Path
    """The ``server/lib`` tree, ready to zip."""
    compiled: tuple[str, ...]
    """Distributions installed from platform-specific wheels (their names), which tie the bundle to a platform."""
    entry: str
    """The console script's ``module:attribute`` target."""


def build_project_wheel(resolved: ResolvedSpec, out_dir: Path, reporter: Reporter) -> Path:
    """One wheel of the project (uv build, isolated); installing it is what users of the bundle get.

    Secret files the backend packed are left out (built again from a cleaned sdist), and the reporter says so."""
    root = resolved.root
    existing = sorted(out_dir.glob("*.whl")) if out_dir.is_dir() else []
    if existing:
        return existing[0]
    reporter.step(f"building a wheel of {root.name} for the bundle")
    _run_uv(
        ["build", "--wheel", "--quiet", "--out-dir", str(out_dir), str(root)],
        what=f"building a wheel of {root.name}",
        hint=f"run `uv build --wheel {root}` to see the whole output",
    )
    wheels = sorted(out_dir.glob("*.whl"))
    if not wheels:
        raise BuildError(f"uv build produced no wheel for {root}", hint=f"run `uv build --wheel {root}` to see why")
    clean = keep_secrets_out(
        root, wheel=wheels[0], sdist=None, secrets=SecretFiles.for_spec(resolved), work=out_dir.parent / "secrets"
    )
    warn_left_out(reporter, resolved, where="the wheel", left_out=clean.left_out)
    return clean.wheel


def lock_constraints(root: Path, destination: Path) -> Path | None:
    """The project's ``uv.lock`` as pins for the install (None without one): the bundle then gets the versions
    the author locked and tested, and a rebuild months later the same ones."""
    if not (root / "uv.lock").is_file():
        return None
    if not destination.is_file():
        destination.parent.mkdir(parents=True, exist_ok=True)
        argv = ["export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes", "--no-header", "--quiet"]
        _run_uv([*argv, "--project", str(root), "--output-file", str(destination)], what=f"reading {root}/uv.lock")
    return destination


def vendor_python(
    wheel: Path,
    destination: Path,
    *,
    command: str,
    python_version: str,
    platform: Platform | None,
    reporter: Reporter,
    constraints: Path | None = None,
) -> VendoredPython:
    """Install ``wheel`` and its dependencies into ``destination`` (reused when a previous call made it)."""
    if not destination.is_dir():
        label = platform.name if platform else "this platform"
        reporter.step(f"installing {wheel.name} and its dependencies for Python {python_version} on {label}")
        partial = destination.with_name(destination.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        argv = ["pip", "install", "--quiet", "--no-progress", "--link-mode", "copy", "--target", str(partial)]
        argv += ["--python-version", python_version]
        if platform is not None:
            # Wheels only: an sdist would be compiled for this machine, not for the platform asked for.
            argv += ["--python-platform", platform.uv_platform, "--only-binary", ":all:"]
        if constraints is not None:
            argv += ["--constraints", str(constraints)]
        _run_uv([*argv, str(wheel)], what=f"installing the dependencies of {wheel.name}", hint=_INSTALL_HINT)
        _make_stable(partial)
        partial.rename(destination)
    project = canonicalize_name(wheel.name.split("-", 1)[0])
    return VendoredPython(
        lib=destination,
        compiled=compiled_distributions(destination),
        entry=_console_entry(destination, command, project),
    )


def _run_uv(arguments: Sequence[str], *, what: str, hint: str | None = None) -> None:
    argv = [uv_executable(), *arguments]
    try:
        completed = subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError(f"{what} failed: could not run uv: {exc}") from exc
    if completed.returncode != 0:
        tail = "\n".join((completed.stderr or completed.stdout).strip().splitlines()[-20:])
        raise BuildError(f"{what} failed (uv exited {completed.returncode}):\n{tail}", hint=hint)


def _make_stable(lib: Path) -> None:
    shutil.rmtree(lib / "bin", ignore_errors=True)  # console scripts with this machine's interpreter path
    (lib / ".lock").unlink(missing_ok=True)  # uv's lock on the target folder
    for cache in lib.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    for dist_info in lib.glob("*.dist-info"):
        removed = {name for name in _MACHINE_SPECIFIC if (dist_info / name).exists()}
        for name in removed:
            (dist_info / name).unlink()
        record = dist_info / "RECORD"
        if record.is_file():
            dropped = {f"{dist_info.name}/{name}" for name in removed}
            lines = [
                line
                for line in record.read_text(encoding="utf-8").splitlines()
                if line and line.split(",", 1)[0] not in dropped and not line.startswith(("bin/", "../"))
            ]
            # A new file, not an in-place write: with other link modes it could be shared with uv's cache.
            record.unlink()
            record.write_text("\n".join(lines) + "\n", encoding="utf-8")


def compiled_distributions(lib: Path) -> tuple[str, ...]:
    compiled: list[str] = []
    for dist_info in sorted(lib.glob("*.dist-info")):
        wheel = dist_info / "WHEEL"
        if not wheel.is_file():
            continue
        fields = [line.partition(":") for line in wheel.read_text(encoding="utf-8").splitlines()]
        purelib = any(key.strip() == "Root-Is-Purelib" and value.strip() == "true" for key, _, value in fields)
        tags = [value.strip() for key, _, value in fields if key.strip() == "Tag"]
        if not purelib or any(not tag.endswith("-none-any") for tag in tags):
            compiled.append(_distribution_name(dist_info))
    return tuple(compiled)


def _distribution_name(dist_info: Path) -> str:
    metadata = dist_info / "METADATA"
    if metadata.is_file():
        for line in metadata.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("Name:"):
                return canonicalize_name(line.partition(":")[2].strip())
            if not line:
                break
    return canonicalize_name(dist_info.name.split("-", 1)[0])


def _console_entry(lib: Path, command: str, project: str) -> str:
    candidates = sorted(lib.glob("*.dist-info"), key=lambda d: canonicalize_name(d.name.split("-", 1)[0]) != project)
    for dist_info in candidates:
        entry_points = dist_info / "entry_points.txt"
        if not entry_points.is_file():
            continue
        parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]  # script names are case-sensitive
        parser.read_string(entry_points.read_text(encoding="utf-8"))
        if parser.has_option("console_scripts", command):
            return parser.get("console_scripts", command).partition("[")[0].strip()
    raise BuildError(
        f"no installed package provides the console script {command!r} that the spec's [run] command names",
        hint=f'declare it in pyproject.toml: [project.scripts] {command} = "your_package.server:main"',
    )


def launcher_source(*, command: str, entry: str, exact_python: str | None, oldest: str | None) -> str:
    """``server/main.py``: put ``lib`` first on sys.path and call the console script's function.

    The path is set here too, not only through PYTHONPATH in mcp_config, so the bundle also starts when a
    host does not pass the manifest's env. A wrong Python fails with a sentence, not an ImportError.
    """
    module, _, attribute = entry.partition(":")
    head, _, rest = attribute.partition(".")
    call = f"{head}.{rest}()" if rest else f"{head}()"
    lines = [
        f'"""Starts the {command} MCP server from the libraries bundled in lib/ (generated by mcpship)."""',
        "",
        "import os",
        "import sys",
        "",
    ]
    if exact_python:
        lines += _version_guard(exact_python, exact=True, command=command)
    elif oldest:
        lines += _version_guard(oldest, exact=False, command=command)
    lines += [
        'sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))',
        f"sys.argv[0] = {json.dumps(command)}",
        "",
        f"from {module} import {head}  # noqa: E402",
        "",
        f"sys.exit({call})",
        "",
    ]
    return "\n".join(lines)


def _version_guard(version: str, *, exact: bool, command: str) -> list[str]:
    major, minor = (int(part) for part in version.split("."))
    if exact:
        condition = f"sys.version_info[:2] != ({major}, {minor})"
        need = f"Python {version} (its compiled libraries are built for it)"
    else:
        condition = f"sys.version_info[:2] < ({major}, {minor})"
        need = f"Python {version} or later"
    message = f"{command} needs {need}, not %d.%d"
    return [f"if {condition}:", f"    sys.exit({json.dumps(message)} % sys.version_info[:2])", ""]


def oldest_python(requires_python: str | None) -> str:
    """The oldest Python minor that ``requires-python`` admits; without one, the Python running mcpship."""
    current = f"{sys.version_info.major}.{sys.version_info.minor}"
    if not requires_python:
        return current
    try:
        specifiers = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return current
    for minor in _KNOWN_MINORS:
        if any(specifiers.contains(f"3.{minor}.{patch}") for patch in (0, 99)):
            return f"3.{minor}"
    return current


def python_runtime_range(requires_python: str | None) -> str | None:
    """``requires-python`` as the space-separated semver range hosts compare with (``">=3.11 <4"``)."""
    if not requires_python:
        return None
    try:
        specifiers = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return None
    parts: list[str] = []
    for specifier in sorted(specifiers, key=lambda s: (s.operator not in (">=", ">"), str(s))):
        parts.extend(_semver_comparators(specifier.operator, specifier.version))
    if not any(part.startswith("<") for part in parts):
        parts.append("<4")  # Python 4 would be a new language; hosts need an upper bound to compare against
    return " ".join(parts) if parts else None


def _semver_comparators(operator: str, version: str) -> list[str]:
    if operator in (">=", ">", "<", "<="):
        return [f"{operator}{version}"]
    if operator == "==" and version.endswith(".*"):
        release = [int(part) for part in version.removesuffix(".*").split(".")]
        upper = [*release[:-1], release[-1] + 1]
        return [f">={'.'.join(map(str, release))}", f"<{'.'.join(map(str, upper))}"]
    if operator == "==":
        return [version]
    if operator == "~=":
        release = [int(part) for part in version.split(".")]
        upper = [*release[:-2], release[-2] + 1]
        return [f">={version}", f"<{'.'.join(map(str, upper))}"]
    return []  # != and === have no semver form; the bounds above still hold


def exact_python_range(version: str) -> str:
    major, minor = (int(part) for part in version.split("."))
    return f">={major}.{minor} <{major}.{minor + 1}"

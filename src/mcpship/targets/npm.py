"""The ``npm`` target: the package tarball ``npm pack`` makes (reproducible: npm fixes every entry's time),
after the checks that make ``npx -y <package>`` start the server and let the MCP Registry prove ownership."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, ClassVar

import pathspec
from pydantic import BaseModel, ConfigDict

from mcpship._atomic import write_text_atomic
from mcpship._exceptions import BuildError, SpecError, ToolchainError
from mcpship._problems import Problem
from mcpship._safe_load import read_bytes
from mcpship.spec.project_metadata import read_package_json_document
from mcpship.targets._archive import tar_gz_names, without_tar_members
from mcpship.targets._base import BuildContext, BuiltFile, target_config
from mcpship.targets._outputs import OUTPUT_SUFFIXES, outputs_for
from mcpship.targets._secret_files import SecretFiles, warn_left_out

__all__ = ["NpmConfig", "NpmTarget", "check_package"]

_SHEBANG = "#!/usr/bin/env node"
_PREFIX = "package/"  # every entry of an npm tarball sits in package/
# Top-level ESM syntax: an import/export statement at the start of a line.
_ESM = re.compile(r"^\s*(import\s[^(]|import\s*\{|export\s)", re.MULTILINE)


class NpmConfig(BaseModel):
    """``[targets.npm]``: nothing to configure yet; the table exists so typos are caught."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NpmTarget:
    name: ClassVar[str] = "npm"
    config_class: ClassVar[type[BaseModel]] = NpmConfig
    needs: ClassVar[tuple[str, ...]] = ()

    def not_applicable(self, context: BuildContext) -> str | None:
        runtime = context.resolved.spec.run.runtime
        if runtime != "node":
            return f"a {runtime} server; the npm target packages Node servers"
        return None

    def check(self, context: BuildContext) -> list[Problem]:
        target_config(context, self.name, NpmConfig)
        return check_package(
            context.root, context.resolved.spec.name, context.resolved.spec.run.command, fix=context.options.fix
        )

    def build(self, context: BuildContext) -> list[BuiltFile]:
        npm = shutil.which("npm")
        if npm is None:
            raise ToolchainError("npm is not installed", hint="install Node.js (it ships npm)")
        argv = [npm, "pack", "--json", "--loglevel=error", "--pack-destination", str(context.staging)]
        context.reporter.debug("running " + " ".join(argv))
        completed = subprocess.run(argv, cwd=context.root, capture_output=True, text=True, timeout=600, check=False)
        if completed.returncode != 0:
            tail = "\n".join(completed.stderr.strip().splitlines()[-15:])
            raise BuildError(
                f"npm pack failed (exit {completed.returncode}):\n{tail}",
                hint=f"run `npm pack --dry-run` in {context.root} to see the same error",
            )
        tarball = _packed_tarball(context.staging)
        _leave_outputs_out(context, tarball)
        secrets = SecretFiles.for_spec(context.resolved)
        # npm pack packs what "files" / .npmignore / .gitignore allow; secret files are dropped from its tarball
        # (entries keep their headers and order, so the tarball stays reproducible).
        if any(secrets.left_out(name.removeprefix(_PREFIX)) for name in tar_gz_names(tarball)):
            dropped = without_tar_members(tarball, lambda name: secrets.left_out(name.removeprefix(_PREFIX)))
            left_out = [name.removeprefix(_PREFIX) for name in dropped]
            warn_left_out(context.reporter, context.resolved, where="the npm tarball", left_out=left_out)
        return [BuiltFile("npm", tarball)]


def _leave_outputs_out(context: BuildContext, tarball: Path) -> None:
    """npm pack packs an output folder its ``files`` / .npmignore do not exclude (with the default ``dist/``, the
    previous build's tarball and bundles): those members are dropped from the tarball, as secret files are. The
    project's package.json is not rewritten; the warning says how to keep ``npm publish`` alone from packing them."""
    outputs = outputs_for(context)
    if not any(outputs.holds(name.removeprefix(_PREFIX)) for name in tar_gz_names(tarball)):
        return
    dropped = without_tar_members(tarball, lambda name: outputs.holds(name.removeprefix(_PREFIX)))
    paths = [name.removeprefix(_PREFIX) for name in dropped]
    shown = ", ".join(paths[:5]) + (" ..." if len(paths) > 5 else "")
    context.reporter.warn(
        f"left {len(paths)} of mcpship's own outputs out of the npm tarball ({shown}); `npm publish` run by hand"
        f' would pack them: list the package\'s own files in package.json "files", or add these lines to'
        f" .npmignore: {' '.join(_npmignore_lines(paths))}"
    )


def _npmignore_lines(paths: list[str]) -> list[str]:
    """One line per output kind and folder (``dist/*.tgz``), so the lines still fit the next version's files."""
    lines: list[str] = []
    for path in paths:
        folder, _, name = path.rpartition("/")
        suffix = next((s for s in OUTPUT_SUFFIXES if name.endswith(s)), None)
        line = f"/{folder + '/' if folder else ''}{'*' + suffix if suffix else name}"
        if line not in lines:
            lines.append(line)
    return lines


def _packed_tarball(staging: Path) -> Path:
    # The folder was empty before npm pack ran: its one .tgz is the package (npm's --json output is not needed).
    tarballs = sorted(staging.glob("*.tgz"))
    if len(tarballs) != 1:
        raise BuildError(f"npm pack left {len(tarballs)} tarballs in {staging}, not one", hint="run `npm pack` to see")
    return tarballs[0]


def check_package(root: Path, name: str, command: str, *, fix: bool) -> list[Problem]:
    path = root / "package.json"
    file = str(path)
    if not path.is_file():
        return [Problem(file=file, path="$", message="no such file", hint="run `npm init` first")]
    try:
        package = read_package_json_document(path)
    except SpecError as error:
        return [Problem(file=file, path="$", message=error.message.removeprefix(f"{file}: "), hint=error.hint)]
    problems: list[Problem] = []
    entry = _bin_entry(package, command)
    if entry is None:
        problems.append(
            Problem(
                file=file,
                path="$.bin",
                message=f"no bin named {command!r} (the spec's [run] command)",
                hint=f'add "bin": {{"{command}": "bin/{command}.js"}}',
            )
        )
    else:
        problems += _check_bin(root, package, entry, file)
    if package.get("mcpName") != name:
        if fix:
            package["mcpName"] = name
            write_text_atomic(path, json.dumps(package, indent=2, ensure_ascii=False) + "\n")
        else:
            problems.append(
                Problem(
                    file=file,
                    path="$.mcpName",
                    message=f"mcpName is {package.get('mcpName')!r}, but the MCP Registry checks it equals {name!r}",
                    hint=f'set "mcpName": "{name}" (or run with --fix)',
                )
            )
    engines = package.get("engines")
    if not (isinstance(engines, dict) and engines.get("node")):
        problems.append(
            Problem(
                file=file,
                path="$.engines.node",
                message="engines.node is not set, so npm cannot warn users on an unsupported Node",
                hint='add "engines": {"node": ">=18"}',
            )
        )
    return problems


def _bin_entry(package: dict[str, Any], command: str) -> str | None:
    bins = package.get("bin")
    if isinstance(bins, str):
        return bins if command == str(package.get("name", "")).rsplit("/", 1)[-1] else None
    if isinstance(bins, dict) and isinstance(bins.get(command), str):
        return str(bins[command])
    return None


def _check_bin(root: Path, package: dict[str, Any], entry: str, file: str) -> list[Problem]:
    relative = entry.removeprefix("./")
    script = root / relative
    if "\0" in relative or not script.is_file():
        return [
            Problem(
                file=file,
                path="$.bin",
                message=f"the bin file {entry} does not exist",
                hint="point bin at the server's start script",
            )
        ]
    problems: list[Problem] = []
    try:
        text = read_bytes(script, error=BuildError).decode("utf-8", errors="replace")
    except BuildError as error:
        return [Problem(file=str(script), path="$", message=error.message, hint=error.hint)]
    if not text.startswith(_SHEBANG):
        problems.append(
            Problem(
                file=str(script),
                path="line 1",
                message=f"the bin file does not start with `{_SHEBANG}`, so npx cannot run it",
                hint=f"make `{_SHEBANG}` its first line",
            )
        )
    listed = package.get("files")
    if isinstance(listed, list):
        spec = pathspec.GitIgnoreSpec.from_lines("/" + str(p).removeprefix("./").lstrip("/") for p in listed)
        if not spec.match_file(relative):
            problems.append(
                Problem(
                    file=file,
                    path="$.files",
                    message=f"{relative} (the bin) is not in files",
                    hint=f'add "{relative.split("/", 1)[0]}" to "files"',
                )
            )
    if script.suffix == ".js" and _ESM.search(text) and package.get("type") != "module":
        problems.append(
            Problem(
                file=file,
                path="$.type",
                message=f'{relative} uses ES module syntax but the package is not "type": "module"',
                hint='add "type": "module" (or rename the file to .mjs)',
            )
        )
    return problems

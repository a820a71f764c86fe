"""The ``mcpb`` target: MCPB bundles (formerly DXT) for Claude Desktop and other MCPB hosts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel

from mcpship._exceptions import BuildError, SpecError
from mcpship._problems import Problem
from mcpship.targets._base import BuildContext, BuiltFile
from mcpship.targets._outputs import outputs_for
from mcpship.targets._secret_files import SecretFiles, warn_left_out
from mcpship.targets.mcpb.bundle import IgnoreRules, collect_tree, write_bundle
from mcpship.targets.mcpb.config import McpbConfig
from mcpship.targets.mcpb.generate import Launch, build_manifest
from mcpship.targets.mcpb.manifest import Compatibility, McpConfigOverride, Runtimes, manifest_problems
from mcpship.targets.mcpb.node import package_files, production_module_files
from mcpship.targets.mcpb.plan import BundlePlan, Variant, make_plan, spec_error_problem
from mcpship.targets.mcpb.python import (
    VendoredPython,
    build_project_wheel,
    exact_python_range,
    launcher_source,
    lock_constraints,
    oldest_python,
    python_runtime_range,
    vendor_python,
)
from mcpship.targets.mcpb.signing import sign_bundle

__all__ = ["McpbTarget"]

_ALL_OSES: tuple[str, ...] = ("darwin", "linux", "win32")
_DOCS = ("README*", "LICENSE*", "LICENCE*", "NOTICE*")


class McpbTarget:
    name: ClassVar[str] = "mcpb"
    config_class: ClassVar[type[BaseModel]] = McpbConfig
    needs: ClassVar[tuple[str, ...]] = ()

    def not_applicable(self, context: BuildContext) -> str | None:
        if context.resolved.spec.run.runtime == "binary":
            return "a binary server; mcpship builds MCPB bundles for Python and Node servers"
        return None

    def check(self, context: BuildContext) -> list[Problem]:
        try:
            _, problems = self._plan(context)
        except SpecError as error:
            return [spec_error_problem(context, error)]
        if context.lock is None:
            context.reporter.warn("no mcp-interface.json: the bundle's manifest will list no tools or prompts")
        return problems

    def build(self, context: BuildContext) -> list[BuiltFile]:
        plan, problems = self._plan(context)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise BuildError(
                "the mcpb target cannot be built:\n" + "\n".join(p.render() for p in errors), hint=errors[0].hint
            )
        outputs: list[BuiltFile] = []
        left_out: set[str] = set()
        for variant in plan.variants:
            bundle, variant_left_out = self._build_variant(context, plan, variant)
            left_out.update(variant_left_out)
            outputs.append(BuiltFile("mcpb", bundle, variant.platform.name if variant.platform else None))
        warn_left_out(context.reporter, context.resolved, where="the bundle", left_out=sorted(left_out))
        return outputs

    def _plan(self, context: BuildContext) -> tuple[BundlePlan, list[Problem]]:
        """The plan and its problems; a portable Python bundle is installed here already (reused by the build)
        because only the installed wheels tell whether a dependency is compiled."""
        plan = make_plan(context)
        problems = list(plan.problems)
        portable_python = plan.server_type == "python" and plan.variants[0].platform is None
        if portable_python and not any(p.severity == "error" for p in problems):
            vendored = self._vendor(context, plan, plan.variants[0])
            if vendored.compiled:
                problems.append(_compiled_problem(context, vendored.compiled))
        return plan, problems

    def _vendor(self, context: BuildContext, plan: BundlePlan, variant: Variant) -> VendoredPython:
        work = context.work / "mcpb"
        wheel = build_project_wheel(context.resolved, work / "wheel", context.reporter)
        return vendor_python(
            wheel,
            work / f"lib-{variant.key}",
            command=context.resolved.spec.run.command,
            python_version=variant.python or oldest_python(plan.pyproject.get("requires-python")),
            platform=variant.platform,
            reporter=context.reporter,
            constraints=lock_constraints(context.root, work / "uv-lock-constraints.txt"),
        )

    def _build_variant(self, context: BuildContext, plan: BundlePlan, variant: Variant) -> tuple[Path, list[str]]:
        """The bundle, and the project's secret files it leaves out."""
        spec = context.resolved.spec
        rules = IgnoreRules.for_project(
            context.root, outputs=outputs_for(context), python=context.resolved.spec.run.runtime == "python"
        )
        generated = context.work / "mcpb" / f"generated-{variant.key}"
        secrets = SecretFiles.for_spec(context.resolved)
        left_out: list[str] = []
        if plan.server_type == "python":
            files, launch = self._python_files(context, plan, variant, rules, generated)
        elif plan.server_type == "node":
            files, launch = self._node_files(context, plan, variant, rules)
            files, left_out = _without_secrets(files, secrets)
        else:
            files, launch = self._uv_files(context, plan, rules)
            files, left_out = secrets.split(files)
        for icon, path in plan.icons:
            files[icon.src] = path
        if launch.entry_point not in files:
            raise BuildError(
                f"the server's entry point {launch.entry_point} is not among the bundled files",
                hint="check .mcpbignore and package.json files: they must not exclude it",
            )
        assert plan.author is not None  # check() reported its absence
        manifest = build_manifest(
            spec,
            context.lock,
            plan.config,
            author=plan.author,
            launch=launch,
            compatibility=self._compatibility(plan, variant),
            icons=[icon for icon, _ in plan.icons],
        ).to_json()
        errors = [p for p in manifest_problems(manifest, source="manifest.json") if p.severity == "error"]
        if errors:  # a bug in mcpship, not the user's doing; still never ship an invalid manifest
            listing = "\n".join(p.render() for p in errors)
            raise BuildError(f"internal error: the generated manifest is invalid:\n{listing}")
        files["manifest.json"] = _write(generated / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        destination = context.staging / _bundle_name(spec.server_name, spec.version, plan.server_type, variant)
        context.reporter.step(f"writing {destination.name} ({len(files)} files)")
        write_bundle(destination, files, epoch=context.source_date_epoch)
        if plan.signing is not None:
            sign_bundle(destination, key=plan.signing.key, cert=plan.signing.cert, chain=plan.signing.chain)
        return destination, left_out

    def _python_files(
        self, context: BuildContext, plan: BundlePlan, variant: Variant, rules: IgnoreRules, generated: Path
    ) -> tuple[dict[str, Path], Launch]:
        vendored = self._vendor(context, plan, variant)
        command = context.resolved.spec.run.command
        oldest = oldest_python(plan.pyproject.get("requires-python")) if plan.pyproject.get("requires-python") else None
        launcher = launcher_source(
            command=command,
            entry=vendored.entry,
            exact_python=variant.python if variant.platform else None,
            oldest=oldest,
        )
        files = _project_docs(context.root, rules)
        files.update(collect_tree(vendored.lib, rules, prefix="server/lib"))
        files["server/main.py"] = _write(generated / "main.py", launcher)
        oses = [variant.platform.os] if variant.platform else list(_ALL_OSES)
        launch = Launch(
            server_type="python",
            entry_point="server/main.py",
            # python3 is the name on macOS and most Linux distributions (which may have no `python` at all);
            # on Windows the python.org installer provides only `python` (and `py`).
            command="python3",
            args=("${__dirname}/server/main.py", *context.resolved.spec.run.args),
            env={"PYTHONPATH": "${__dirname}/server/lib"},
            platform_overrides={"win32": McpConfigOverride(command="python")} if "win32" in oses else {},
        )
        return files, launch

    def _node_files(
        self, context: BuildContext, plan: BundlePlan, variant: Variant, rules: IgnoreRules
    ) -> tuple[dict[str, Path], Launch]:
        staging = context.work / "mcpb" / f"npm-{variant.key}"
        files = package_files(context.root, plan.package, rules)
        files.update(
            production_module_files(context.root, staging, rules, platform=variant.platform, reporter=context.reporter)
        )
        entry = plan.entry_point or ""
        launch = Launch(
            server_type="node",
            entry_point=entry,
            command="node",
            args=(f"${{__dirname}}/{entry}", *context.resolved.spec.run.args),
        )
        return files, launch

    def _uv_files(self, context: BuildContext, plan: BundlePlan, rules: IgnoreRules) -> tuple[dict[str, Path], Launch]:
        files = collect_tree(context.root, rules)
        run = context.resolved.spec.run
        launch = Launch(
            server_type="uv",
            entry_point=plan.entry_point or "pyproject.toml",
            # Hosts that manage uv themselves may ignore this; it is what runs the project anywhere uv is.
            command="uv",
            args=("run", "--directory", "${__dirname}", run.command, *run.args),
        )
        return files, launch

    def _compatibility(self, plan: BundlePlan, variant: Variant) -> Compatibility:
        if plan.server_type == "node":
            engines = plan.package.get("engines")
            node = engines.get("node") if isinstance(engines, dict) else None
            runtimes = Runtimes(node=node) if isinstance(node, str) else None
        elif variant.platform is not None and variant.python:
            runtimes = Runtimes(python=exact_python_range(variant.python))
        else:
            python = python_runtime_range(plan.pyproject.get("requires-python"))
            runtimes = Runtimes(python=python) if python else None
        platforms = [variant.platform.os] if variant.platform else list(_ALL_OSES)
        return Compatibility(
            claude_desktop=plan.config.claude_desktop,
            platforms=platforms,  # type: ignore[arg-type]  # os names are the manifest's literals
            runtimes=runtimes,
        )


_COMPILED_HINT = (
    'build one bundle per platform: platforms = ["linux-x86_64", "darwin-arm64", "win32-x86_64"] under'
    ' [targets.mcpb] (or --platform); or let the host install the dependencies: server_type = "uv" with'
    ' manifest_version = "0.4" (Claude Desktop only, for now)'
)


def _compiled_problem(context: BuildContext, compiled: tuple[str, ...]) -> Problem:
    return Problem(
        file=str(context.root / "pyproject.toml"),
        path="[project].dependencies",
        message=(
            f"compiled packages among the dependencies ({', '.join(compiled)}) tie a bundle to one platform and"
            " Python version, so a single portable bundle would not start elsewhere"
        ),
        hint=_COMPILED_HINT,
    )


def _without_secrets(files: dict[str, Path], secrets: SecretFiles) -> tuple[dict[str, Path], list[str]]:
    """The project's own files without secret ones; node_modules holds the dependencies' files, never filtered."""
    own = {name: path for name, path in files.items() if not name.startswith("node_modules/")}
    _, left_out = secrets.split(own)
    dropped = set(left_out)
    return {name: path for name, path in files.items() if name not in dropped}, left_out


def _project_docs(root: Path, rules: IgnoreRules) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for pattern in _DOCS:
        for path in root.glob(pattern):
            if path.is_file() and not rules.excludes(path.name):
                found[path.name] = path
    return found


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return path


def _bundle_name(server: str, version: str, server_type: str, variant: Variant) -> str:
    parts = [server, version]
    if variant.platform is not None:
        parts.append(variant.platform.name)
        if server_type == "python" and variant.python:
            parts.append("cp" + variant.python.replace(".", ""))
    return "-".join(parts) + ".mcpb"

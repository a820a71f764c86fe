"""The ``oci`` target: a Dockerfile for any builder, and the image itself, built daemonless in Python (no Docker,
no root) as a reproducible OCI layout tarball ``<name>-<version>.oci.tar``, on a base image pulled by digest into
mcpship's cache (:mod:`mcpship.targets.oci.pull`) or read from a local OCI layout (``base_layout``).

``skopeo copy oci-archive:notes-py-0.1.0.oci.tar docker://REGISTRY/notes-py:0.1.0`` pushes it;
:func:`mcpship.targets.oci.run_image_plan` runs it with umoci and runc.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from pydantic import BaseModel

from mcpship._exceptions import BuildError, SpecError
from mcpship._problems import Problem
from mcpship._safe_load import read_toml_file
from mcpship.targets._base import BuildContext, BuiltFile, target_config
from mcpship.targets._outputs import outputs_for
from mcpship.targets._secret_files import SecretFiles, warn_left_out
from mcpship.targets.oci.app import base_python_version, node_app, node_entry, python_app
from mcpship.targets.oci.config import DEFAULT_BASE_IMAGES, OciConfig
from mcpship.targets.oci.dockerfile import DockerfileInputs, render_dockerfile, render_dockerignore
from mcpship.targets.oci.image import ImageSettings, write_image_layout
from mcpship.targets.oci.labels import git_revision, image_labels
from mcpship.targets.oci.layers import files_layer
from mcpship.targets.oci.layout import BaseImage, pack_layout_tar, read_base_layout
from mcpship.targets.oci.reference import parse_base_reference

__all__ = ["BASE_LAYOUT_ENV", "OciTarget"]

BASE_LAYOUT_ENV = "MCPSHIP_OCI_BASE"
_DEFAULT_PYTHON = "3.12"  # the Python of DEFAULT_BASE_IMAGES["python"]
_OTHER_PYTHONS = ("3.14", "3.13", "3.11", "3.10", "3.9")  # newest first: when requires-python excludes 3.12


class OciTarget:
    name: ClassVar[str] = "oci"
    config_class: ClassVar[type[BaseModel]] = OciConfig
    needs: ClassVar[tuple[str, ...]] = ()

    def not_applicable(self, context: BuildContext) -> str | None:
        if context.resolved.spec.run.runtime == "binary":
            return "a binary server; mcpship builds images of Python and Node servers"
        return None

    def check(self, context: BuildContext) -> list[Problem]:
        spec_file = str(context.resolved.source or context.root / "mcpship.toml")
        try:
            config = target_config(context, "oci", OciConfig)
        except SpecError as error:
            return [Problem(file=spec_file, path="[targets.oci]", message=error.message, hint=error.hint)]
        problems: list[Problem] = []
        layout = _base_layout(context, config)
        if layout is not None and not (layout / "index.json").is_file():
            problems.append(
                Problem(
                    file=spec_file,
                    path="[targets.oci].base_layout",
                    message=f"{layout} is not an OCI image layout (no index.json)",
                    hint="create one with `skopeo copy docker://python:3.12-slim oci:DIR:latest`, or unset it",
                )
            )
        if config.base_image is not None:
            try:
                parse_base_reference(config.base_image)
            except SpecError as error:
                problems.append(
                    Problem(file=spec_file, path="[targets.oci].base_image", message=error.message, hint=error.hint)
                )
        if context.resolved.spec.run.runtime == "python" and config.base_image is None:
            try:
                _default_python(context.root, config)
            except BuildError as error:
                pyproject = str(context.root / "pyproject.toml")
                problems.append(
                    Problem(file=pyproject, path="[project].requires-python", message=error.message, hint=error.hint)
                )
        if context.resolved.spec.run.runtime == "node":
            problems += _node_problems(context.root, context.resolved.spec.run.command)
        return problems

    def build(self, context: BuildContext) -> list[BuiltFile]:
        config = target_config(context, "oci", OciConfig)
        spec = context.resolved.spec
        labels = image_labels(spec, revision=git_revision(context.root), epoch=context.source_date_epoch)
        layout = _base_layout(context, config)
        base: BaseImage | None = None
        from_image = config.base_image or _default_base_image(context, config)
        if layout is not None:
            base = read_base_layout(layout, config.base_tag)
        elif not config.dockerfile_only:
            base, from_image = _pull(context, config, from_image)
        inputs = DockerfileInputs(
            spec=spec,
            labels=labels,
            base_image=from_image,
            user=config.user,
            node_entry=node_entry(context.root, spec.run.command) if spec.run.runtime == "node" else None,
        )
        dockerfile = _write(context.staging / "Dockerfile", render_dockerfile(inputs))
        own_outputs = outputs_for(context).dockerignore_patterns()
        ignore = _write(context.staging / "Dockerfile.dockerignore", render_dockerignore(spec, own_outputs))
        warn_left_out(
            context.reporter,
            context.resolved,
            where="the Dockerfile's build context (Dockerfile.dockerignore)",
            left_out=SecretFiles.for_spec(context.resolved).in_tree(context.root),
            verb="kept out",
        )
        outputs = [BuiltFile("dockerfile", dockerfile), BuiltFile("dockerignore", ignore)]
        if base is not None:
            outputs.append(self._build_image(context, config, labels, base))
        return outputs

    def _build_image(
        self, context: BuildContext, config: OciConfig, labels: dict[str, str], base: BaseImage
    ) -> BuiltFile:
        spec = context.resolved.spec
        env = {v.name: v.default for v in spec.env if v.default is not None and not v.secret}
        if spec.run.runtime == "python":
            python_version = config.python_version or base_python_version(base)
            app = python_app(context, base, python_version)
            env.update(PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1")
        else:
            app = node_app(context, base)
            env["NODE_ENV"] = "production"
        work = context.work / "oci"
        context.reporter.step(f"writing the image layer ({len(app.files)} files)")
        layer = files_layer(work / "app-layer.tar.gz", app.files, epoch=context.source_date_epoch)
        settings = ImageSettings(
            entrypoint=app.entrypoint,
            cmd=spec.run.args,
            env=env,
            user=config.user,
            working_dir="/app",
            labels=labels,
            tag=config.tag or spec.version,
            epoch=context.source_date_epoch,
            history=f"mcpship oci: {spec.name} {spec.version} and its dependencies in /app",
        )
        image = write_image_layout(work / "layout", base, [layer], settings)
        destination = context.staging / f"{spec.server_name}-{spec.version}.oci.tar"
        pack_layout_tar(image.layout, destination, epoch=context.source_date_epoch)
        return BuiltFile("oci", destination, f"linux-{base.architecture}")


def _base_layout(context: BuildContext, config: OciConfig) -> Path | None:
    value = config.base_layout or os.environ.get(BASE_LAYOUT_ENV)
    return (context.root / value).resolve() if value else None


def _pull(context: BuildContext, config: OciConfig, image: str) -> tuple[BaseImage, str]:
    """The base pulled into the cache, and the pinned reference (``name@sha256:…``) the Dockerfile builds FROM."""
    from mcpship.probe.pyenv import cache_dir
    from mcpship.targets.oci.pull import pull_base_image

    reference = parse_base_reference(image)
    architecture = config.platform.removeprefix("linux/") if config.platform else None
    pulled = pull_base_image(
        reference,
        cache_dir() / "oci",
        architecture=architecture,
        insecure=config.insecure,
        reporter=context.reporter,
    )
    fetched = f"{pulled.downloaded / 1e6:.1f} MB downloaded" if pulled.downloaded else "from the cache"
    resolved = "" if reference.digest else f" resolved to {pulled.digest},"
    context.reporter.step(
        f"base image {reference.written}{resolved} {pulled.platform} {pulled.base.manifest_digest} ({fetched})"
    )
    return pulled.base, pulled.pinned


def _default_base_image(context: BuildContext, config: OciConfig) -> str:
    runtime = context.resolved.spec.run.runtime
    if runtime == "python":
        return f"python:{_default_python(context.root, config)}-slim"
    if config.node_version:
        return f"node:{config.node_version}-slim"
    return DEFAULT_BASE_IMAGES[runtime]


def _default_python(root: Path, config: OciConfig) -> str:
    """The Python of the default base: ``python_version``, else 3.12 when requires-python allows it, else the
    newest it allows."""
    if config.python_version:
        return config.python_version
    try:
        project = read_toml_file(root / "pyproject.toml", error=SpecError).get("project")
        requires = project.get("requires-python") if isinstance(project, dict) else None
        specifier = SpecifierSet(str(requires or ""))
    except (SpecError, InvalidSpecifier):
        return _DEFAULT_PYTHON  # the spec loader and the pypi target report a broken pyproject.toml
    for version in (_DEFAULT_PYTHON, *_OTHER_PYTHONS):
        if specifier.contains(f"{version}.0") or specifier.contains(f"{version}.99"):
            return version
    raise BuildError(
        f"requires-python {specifier} allows none of Python 3.9 to 3.14, the official python images mcpship"
        " defaults to",
        hint='set base_image = "python:3.X-slim" (or python_version = "3.X") under [targets.oci]',
    )


def _node_problems(root: Path, command: str) -> list[Problem]:
    problems: list[Problem] = []
    try:
        node_entry(root, command)
    except BuildError as error:
        problems.append(Problem(file=str(root / "package.json"), path="$.bin", message=error.message, hint=error.hint))
    if not (root / "package-lock.json").is_file():
        problems.append(
            Problem(
                file=str(root / "package-lock.json"),
                path="$",
                message="no package-lock.json: `npm ci` in the image build needs one",
                hint="run `npm install` once and commit package-lock.json",
            )
        )
    return problems


def _write(path: Path, text: str) -> Path:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return path

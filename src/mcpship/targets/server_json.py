"""The ``server-json`` target (``registry`` is its old name): ``server.json`` for the MCP Registry, from the spec
and the artifacts built with it.

Each package channel built in the same run (or recorded in the previous report) becomes one ``packages``
entry, so server.json always names exactly what was built: the PyPI project with ``uvx``, and one mcpb
entry per bundle with its download URL and SHA-256. Before anything is written the document goes through
the official registry's rules (:func:`mcpship.server_json.validate_server_json`) and the ownership checks
on the built files (``mcp-name:`` in the wheel's README, ...), so a build never yields a server.json the
registry would refuse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Formatter
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mcpship import _forges
from mcpship._atomic import write_text_atomic
from mcpship._exceptions import BuildError, SpecError
from mcpship._problems import Problem
from mcpship._safe_load import read_toml_file
from mcpship.server_json import (
    CURRENT_SCHEMA_URL,
    Icon,
    KeyValueInput,
    Package,
    PositionalArgument,
    Remote,
    Repository,
    ServerJSON,
    ServerMeta,
    SseRemote,
    StdioTransport,
    StreamableHttpRemote,
    check_ownership_markers,
    dump_server_json,
    validate_server_json,
)
from mcpship.server_json._artifact_files import read_npm_manifest, read_python_metadata
from mcpship.spec.model import EnvVar, Spec
from mcpship.spec.model import Icon as SpecIcon
from mcpship.targets._base import Artifact, BuildContext, BuiltFile, config_location, target_config

if TYPE_CHECKING:
    from mcpship.verify.context import VerifyContext
    from mcpship.verify.result import VerifyResult

__all__ = [
    "ReleaseSuggestion",
    "ServerJsonConfig",
    "ServerJsonRemote",
    "ServerJsonTarget",
    "compose_server_json",
    "suggest_release_url",
]

SERVER_JSON = "server.json"
_MCPB_PLACEHOLDERS = frozenset({"version", "file"})


class ServerJsonRemote(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    type: Literal["streamable-http", "sse"] = "streamable-http"
    url: str
    """Public https endpoint of a hosted deployment."""


class ServerJsonConfig(BaseModel):
    """``[targets.server-json]`` (or ``[targets.registry]``, its old name) in the spec; every key is optional.

    - ``mcpb_url``: where the bundles will be downloaded from, with ``{version}`` and ``{file}`` filled in,
      e.g. ``https://github.com/acme/notes-mcp/releases/download/v{version}/{file}``. Required when mcpb is built.
    - ``oci_image``: where the image will be pushed, with ``{version}``: ``ghcr.io/acme/notes:{version}``. Required
      when an oci image is built.
    - ``remotes``: hosted endpoints, ``[{type = "streamable-http", url = "https://notes.acme.dev/mcp"}]``.
    - ``public_url``: the base URL where the spec's ``[http]`` transport is deployed; adds a streamable-http
      remote at ``public_url`` + ``[http].path``. Without it ``[http]`` is a local transport and not listed.
    - ``subfolder``: ``repository.subfolder``, for a server inside a monorepo.
    - ``website_url``: ``websiteUrl``; default: the spec's homepage when it is https.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    mcpb_url: str | None = None
    oci_image: str | None = None
    """Where the image will be pushed, with ``{version}``: ``ghcr.io/acme/notes:{version}``. Required with oci."""
    remotes: list[ServerJsonRemote] = Field(default_factory=list)
    public_url: str | None = None
    subfolder: str | None = None
    website_url: str | None = None

    @field_validator("mcpb_url")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        try:
            names = {name for _, name, _, _ in Formatter().parse(value) if name is not None}
        except ValueError:
            raise ValueError("unbalanced { or }: the placeholders are {version} and {file}") from None
        unknown = sorted(names - _MCPB_PLACEHOLDERS)
        if unknown:
            raise ValueError(f"unknown placeholder {{{unknown[0]}}}; mcpb_url knows {{version}} and {{file}}")
        return value


class ServerJsonTarget:
    """Writes ``server.json``; reads the artifacts of ``npm``, ``pypi``, ``mcpb`` and ``oci``."""

    name: ClassVar[str] = "server-json"
    config_class: ClassVar[type[BaseModel]] = ServerJsonConfig
    needs: ClassVar[tuple[str, ...]] = ("pypi", "npm", "mcpb", "oci")

    def not_applicable(self, context: BuildContext) -> str | None:
        return None  # every server can be listed, even with no package built (a metadata-only entry)

    def check(self, context: BuildContext) -> list[Problem]:
        _, problems = _prepare(context)
        return problems

    def build(self, context: BuildContext) -> list[BuiltFile]:
        server, problems = _prepare(context)
        errors = [problem for problem in problems if problem.severity == "error"]
        if server is None or errors:
            table = _config_table(context)[1]
            raise BuildError(_refusal(errors), hint=f"fix these in the spec or in [{table}], then build again")
        for warning in problems:
            context.reporter.warn(warning.render())
        path = context.staging / SERVER_JSON
        write_text_atomic(path, dump_server_json(server))
        return [BuiltFile("server.json", path)]

    def verify(self, artifact: Artifact, context: VerifyContext) -> VerifyResult:
        """By the official registry's rules again, and against the packages recorded beside it."""
        from mcpship.verify.server_json import verify_server_json

        return verify_server_json(artifact, context.others(artifact))


def _prepare(context: BuildContext) -> tuple[ServerJSON | None, list[Problem]]:
    """The document and everything wrong with it (config, composition, registry rules, ownership proofs)."""
    config = target_config(context, ServerJsonTarget.name, ServerJsonConfig)
    problems = _config_problems(context, config)
    if any(problem.severity == "error" for problem in problems):
        return None, problems
    server, notes = compose_server_json(context, config)
    problems += notes
    problems += validate_server_json(server.to_wire(), source=SERVER_JSON)
    built = [artifact for target in ServerJsonTarget.needs for artifact in context.built.get(target, ())]
    problems += check_ownership_markers(server, built, source=SERVER_JSON)
    return server, problems


def _refusal(errors: Sequence[Problem]) -> str:
    lines = [f"server.json would be refused by the MCP Registry ({len(errors)} problem(s)):"]
    for problem in errors:
        lines.append(f"  {problem.render()}")
        if problem.hint:
            lines.append(f"    hint: {problem.hint}")
    return "\n".join(lines)


def _config_table(context: BuildContext) -> tuple[str, str]:
    """The file holding ``[targets.server-json]`` and the table's name there (as the file names it)."""
    return config_location(context.resolved, ServerJsonTarget.name)


def _config_problem(context: BuildContext, key: str, message: str, hint: str) -> Problem:
    source, table = _config_table(context)
    return Problem(file=source, path=f"[{table}].{key}", message=message, hint=hint)


def _spec_warning(context: BuildContext, key: str, message: str, hint: str) -> Problem:
    """A warning about a spec value, in the file it came from (pyproject.toml when derived)."""
    origin = context.resolved.origins.get(key.strip("[]").replace("].", "."))
    source = context.root / origin if origin else context.resolved.source or context.root / "mcpship.toml"
    return Problem(file=str(source), path=key, message=message, hint=hint, severity="warning")


def _config_problems(context: BuildContext, config: ServerJsonConfig) -> list[Problem]:
    spec = context.resolved.spec
    problems = [
        Problem(
            file=str(artifact.path),
            path="$",
            message=f"{artifact.path.name} was built for version {artifact.version}, but the spec's version is"
            f" {spec.version}; server.json would point at a stale artifact",
            hint=f"build the {target} target again together with server-json",
        )
        for target in ServerJsonTarget.needs
        for artifact in context.built.get(target, ())
        if artifact.version != spec.version
    ]
    bundles = _bundles(context.built.get("mcpb", ()))
    if bundles and config.mcpb_url is None:
        problems.append(
            _config_problem(
                context,
                "mcpb_url",
                "an mcpb bundle was built, but server.json needs the URL it will be downloaded from",
                _mcpb_url_hint(spec, config, _config_table(context)[1]),
            )
        )
    elif len(bundles) > 1 and config.mcpb_url is not None and "{file}" not in config.mcpb_url:
        problems.append(
            _config_problem(
                context,
                "mcpb_url",
                f"{len(bundles)} bundles were built (one per platform) but mcpb_url has no {{file}}",
                "put {file} in mcpb_url so each bundle gets its own download URL",
            )
        )
    images = [a for a in context.built.get("oci", ()) if a.kind == "oci"]
    if images and config.oci_image is None:
        problems.append(
            _config_problem(
                context,
                "oci_image",
                "an OCI image was built, but server.json needs the reference it will be pulled from",
                f'set oci_image = "ghcr.io/<owner>/{spec.server_name}:{{version}}" under [{_config_table(context)[1]}]',
            )
        )
    if config.public_url is not None and spec.http is None:
        problems.append(
            _config_problem(
                context,
                "public_url",
                "public_url lists the [http] transport, but the spec has no [http] table",
                "add [http]",
            )
        )
    if config.subfolder is not None and spec.repository is None:
        problems.append(_config_problem(context, "subfolder", "subfolder needs a repository", "set repository"))
    return problems


@dataclass(frozen=True, kw_only=True)
class ReleaseSuggestion:
    """Where a release of ``repository`` serves its bundles; a monorepo URL is split into repository + subfolder."""

    mcpb_url: str
    repository: str | None
    """The repository's root URL, when the declared one points deeper (``…/servers/tree/main/src/time``)."""
    subfolder: str | None
    """The folder the deeper URL pointed at (``src/time``), for ``subfolder`` under [targets.registry]."""


def suggest_release_url(repository: str | None) -> ReleaseSuggestion:
    """The ``mcpb_url`` to propose for a repository: its GitHub or GitLab release downloads, else a template."""
    url = _forges.repository_url(repository or "")
    parts = urlsplit(url)
    forge = _forges.forge_of(url)
    segments = [segment for segment in parts.path.split("/") if segment]
    if forge is None or len(segments) < 2:
        return ReleaseSuggestion(
            mcpb_url="https://github.com/OWNER/REPO/releases/download/v{version}/{file}",
            repository=None,
            subfolder=None,
        )
    root = f"https://{parts.hostname}/{segments[0]}/{segments[1]}"
    deeper = segments[2:]
    if deeper[:1] == ["-"]:  # GitLab: /owner/repo/-/tree/main/src/x
        deeper = deeper[1:]
    subfolder = "/".join(deeper[2:]) if deeper[:1] in (["tree"], ["blob"]) and len(deeper) > 2 else None
    if forge == "github":
        mcpb_url = root + "/releases/download/v{version}/{file}"
    else:
        mcpb_url = root + "/-/releases/v{version}/downloads/{file}"
    return ReleaseSuggestion(mcpb_url=mcpb_url, repository=root if deeper else None, subfolder=subfolder)


def _mcpb_url_hint(spec: Spec, config: ServerJsonConfig, table: str) -> str:
    suggestion = suggest_release_url(spec.repository)
    hint = f'set mcpb_url = "{suggestion.mcpb_url}" under [{table}]'
    if suggestion.subfolder and config.subfolder is None:
        hint += f', with subfolder = "{suggestion.subfolder}"'
    if suggestion.repository:
        hint += f'; and repository = "{suggestion.repository}" (the repository itself, not a folder in it)'
    return hint


@dataclass(frozen=True, kw_only=True)
class _Inputs:
    """What the package builders share: the spec, the config and the env vars in server.json form."""

    context: BuildContext
    config: ServerJsonConfig
    environment: list[KeyValueInput]


def compose_server_json(context: BuildContext, config: ServerJsonConfig) -> tuple[ServerJSON, list[Problem]]:
    """The server.json for this build, and warnings about spec values left out of it."""
    spec = context.resolved.spec
    notes: list[Problem] = []
    inputs = _Inputs(context=context, config=config, environment=[environment_variable(env) for env in spec.env])
    packages: list[Package] = []
    for target, builder in _PACKAGE_BUILDERS:
        artifacts = context.built.get(target, ())
        if artifacts:
            packages += builder(inputs, artifacts, notes)
    server = ServerJSON(
        schema_url=CURRENT_SCHEMA_URL,
        name=spec.name,
        description=spec.description,
        version=spec.version,
        **given(
            title=spec.title,
            website_url=_website_url(context, config, notes),
            repository=_repository(context, config, notes),
            icons=[_icon(icon) for icon in spec.icons] or None,
            packages=packages or None,
            remotes=_remotes(spec, config) or None,
            meta=_interface_meta(context),
        ),
    )
    return server, notes


INTERFACE_META_KEY = "io.github.mcpship/interface"
_PUBLISHER_META_BUDGET = 3072
"""Upstream refuses publisher-provided ``_meta`` over 4 KB; names beyond this budget are left out."""


def _interface_meta(context: BuildContext) -> ServerMeta | None:
    """The locked interface's digest and tool/prompt names, so registries can search by tool
    (``_meta["io.modelcontextprotocol.registry/publisher-provided"]["io.github.mcpship/interface"]``)."""
    lock = context.lock
    if lock is None:
        return None
    summary: dict[str, Any] = {"digest": lock.digest, "tools": [], "prompts": []}
    for kind in ("tools", "prompts"):
        for name in sorted(lock.items(kind)):
            summary[kind].append(name)
            if len(json.dumps(summary)) > _PUBLISHER_META_BUDGET:
                summary[kind].pop()
                break
    return ServerMeta(publisher_provided={INTERFACE_META_KEY: summary})


def given(**fields: Any) -> dict[str, Any]:
    """Only the fields that have a value: absent keys stay absent in server.json (never null)."""
    return {key: value for key, value in fields.items() if value is not None}


def environment_variable(env: EnvVar) -> KeyValueInput:
    """One spec ``[[env]]`` entry as a server.json environment variable (shared with the toolhive target)."""
    return KeyValueInput(
        name=env.name,
        **given(
            description=env.description or None,
            is_required=env.required or None,
            is_secret=env.secret or None,
            default=env.default,
            choices=env.choices,
        ),
    )


def _icon(icon: SpecIcon) -> Icon:
    return Icon(src=icon.src, **given(mime_type=icon.mime_type, sizes=icon.sizes or None, theme=icon.theme))


def _website_url(context: BuildContext, config: ServerJsonConfig, notes: list[Problem]) -> str | None:
    if config.website_url is not None:
        return config.website_url  # explicit: the registry rules judge it
    homepage = context.resolved.spec.homepage
    if homepage is None or homepage.startswith("https://"):
        return homepage
    notes.append(
        _spec_warning(
            context,
            "homepage",
            f'the homepage "{homepage}" is not https, so server.json leaves websiteUrl out',
            f"serve the homepage over https, or set website_url under [{_config_table(context)[1]}]",
        )
    )
    return None


def _repository(context: BuildContext, config: ServerJsonConfig, notes: list[Problem]) -> Repository | None:
    declared = context.resolved.spec.repository
    if declared is None:
        return None
    url = _forges.repository_url(declared)
    source = _forges.forge_of(url)
    if source is None:
        notes.append(
            _spec_warning(
                context,
                "repository",
                f'repository "{declared}" is not on GitHub or GitLab, the only forges the MCP Registry accepts;'
                " server.json leaves it out",
                "host a mirror on GitHub or GitLab and point repository at it, to show users the source",
            )
        )
        return None
    return Repository(url=url, source=source, **given(subfolder=config.subfolder))


def _remotes(spec: Spec, config: ServerJsonConfig) -> list[Remote]:
    remotes: list[Remote] = [
        StreamableHttpRemote(type="streamable-http", url=entry.url)
        if entry.type == "streamable-http"
        else SseRemote(type="sse", url=entry.url)
        for entry in config.remotes
    ]
    if config.public_url is not None and spec.http is not None:
        remotes.append(StreamableHttpRemote(type="streamable-http", url=config.public_url.rstrip("/") + spec.http.path))
    return remotes


def _pypi_packages(inputs: _Inputs, artifacts: Sequence[Artifact], notes: list[Problem]) -> list[Package]:
    distributions = sorted(
        (artifact for artifact in artifacts if artifact.kind in ("wheel", "sdist")),
        key=lambda artifact: (artifact.kind != "wheel", artifact.path.name),
    )
    if not distributions:
        return []
    spec = inputs.context.resolved.spec
    project = _python_project(inputs.context.root, distributions)
    if _canonical(spec.run.command) != _canonical(project):
        notes.append(
            _spec_warning(
                inputs.context,
                "[run].command",
                f'clients start pypi packages as "uvx {project}", which runs the console script named like the'
                f' project, but the server\'s command is "{spec.run.command}"',
                f'add a console script "{project}" (same entry point) to [project.scripts] in pyproject.toml',
            )
        )
    arguments = [PositionalArgument(type="positional", value=argument) for argument in spec.run.args]
    return [
        Package(
            registry_type="pypi",
            identifier=project,
            version=distributions[0].version,
            runtime_hint="uvx",
            transport=StdioTransport(type="stdio"),
            **given(environment_variables=inputs.environment or None, package_arguments=arguments or None),
        )
    ]


def _python_project(root: Path, distributions: Sequence[Artifact]) -> str:
    """The PyPI project name as built (wheel/sdist metadata), else pyproject.toml's, else the file name's."""
    for artifact in distributions:
        try:
            name = read_python_metadata(artifact.path).name
        except (OSError, ValueError):
            continue
        if name:
            return name
    try:
        project = read_toml_file(root / "pyproject.toml", error=SpecError).get("project")
    except SpecError:
        project = None  # the spec loader reports a broken pyproject.toml
    declared = project.get("name") if isinstance(project, dict) else None
    if isinstance(declared, str) and declared:
        return declared
    return distributions[0].path.name.split("-", 1)[0].replace("_", "-")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _bundles(artifacts: Sequence[Artifact]) -> list[Artifact]:
    """The mcpb target's bundles (one, or one per platform) in a stable order."""
    return sorted((artifact for artifact in artifacts if artifact.kind == "mcpb"), key=lambda bundle: bundle.path.name)


def _mcpb_packages(inputs: _Inputs, artifacts: Sequence[Artifact], notes: list[Problem]) -> list[Package]:
    template = inputs.config.mcpb_url
    if template is None:
        return []  # reported by _config_problems
    version = inputs.context.resolved.spec.version
    return [
        Package(
            registry_type="mcpb",
            identifier=template.format(version=version, file=bundle.path.name),
            version=bundle.version,
            file_sha256=bundle.sha256,
            transport=StdioTransport(type="stdio"),
            **given(environment_variables=inputs.environment or None),
        )
        for bundle in _bundles(artifacts)
    ]


# Package channels in server.json order; npm and oci join as one function from their artifacts to Packages.
def _npm_packages(inputs: _Inputs, artifacts: Sequence[Artifact], notes: list[Problem]) -> list[Package]:
    tarballs = sorted((artifact for artifact in artifacts if artifact.kind == "npm"), key=lambda a: a.path.name)
    if not tarballs:
        return []
    _, manifest = read_npm_manifest(tarballs[0].path)
    arguments = [PositionalArgument(type="positional", value=a) for a in inputs.context.resolved.spec.run.args]
    return [
        Package(
            registry_type="npm",
            identifier=str(manifest.get("name") or tarballs[0].path.name.rsplit("-", 1)[0]),
            version=tarballs[0].version,
            runtime_hint="npx",
            transport=StdioTransport(type="stdio"),
            **given(environment_variables=inputs.environment or None, package_arguments=arguments or None),
        )
    ]


def _oci_packages(inputs: _Inputs, artifacts: Sequence[Artifact], notes: list[Problem]) -> list[Package]:
    template = inputs.config.oci_image
    if template is None or not any(artifact.kind == "oci" for artifact in artifacts):
        return []  # a missing oci_image is reported by _config_problems
    # An oci package carries its version in the reference's tag; the registry refuses a separate version.
    return [
        Package(
            registry_type="oci",
            identifier=template.format(version=inputs.context.resolved.spec.version),
            transport=StdioTransport(type="stdio"),
            **given(environment_variables=inputs.environment or None),
        )
    ]


_PACKAGE_BUILDERS: tuple[tuple[str, Callable[[_Inputs, Sequence[Artifact], list[Problem]], list[Package]]], ...] = (
    ("npm", _npm_packages),
    ("pypi", _pypi_packages),
    ("mcpb", _mcpb_packages),
    ("oci", _oci_packages),
)

"""The ``docker-catalog`` target: ``server.yaml`` for Docker's MCP catalog (docker/mcp-registry).

Documented fields (runtime.md §4.1; ``docker/mcp-registry:pkg/servers/types.go@818bf16``,
``docs/configuration.md``, ``cmd/create/main.go`` and ``cmd/validate/main.go``): ``name``, ``image``,
``type: server``, ``longLived``, ``meta{category, tags}``, ``about{title, description, icon}``,
``source{project, branch, commit, directory, dockerfile}``, ``run{allowHosts, disableNetwork}`` and
``config{description, secrets[{name, env, example, description, required}], env[{name, example, value}],
parameters}``.

Secrets are named ``<server>.<variable>`` and other variables are set from ``parameters`` through
``'{{<server>.<parameter>}}'``, exactly as the catalog's own ``task create`` writes them; the catalog's
parameter schema has no ``enum``, so choices are spelled out in the description.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from mcpship._atomic import write_text_atomic
from mcpship._problems import Problem, json_path
from mcpship.spec.model import EnvVar
from mcpship.targets._base import BuildContext, target_config
from mcpship.targets._catalog import config_problem, git_commit, raise_on_errors, repository_url, resolve_image
from mcpship.targets._yaml import dump_yaml

__all__ = ["SERVER_YAML", "DockerCatalogConfig", "DockerCatalogTarget", "compose_server_yaml", "validate_server_yaml"]

SERVER_YAML = "server.yaml"
TARGET = "docker-catalog"
NAME_PATTERN = r"^[a-z0-9-]+$"
_COMMIT = r"^[0-9a-f]{40}$"
_SECRET_NAME = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9._-]+$")
_TYPES = ("server", "remote", "poci")
_TOP_LEVEL_KEYS = frozenset(
    {"name", "image", "type", "dynamic", "longLived", "meta", "about", "source", "remote", "run", "config"}
    | {"oauth", "tools", "requirement"}
)
_Add = Callable[..., None]
"""Records a problem: ``add(message, hint, *json_path_parts, severity=...)``."""


class DockerCatalogConfig(BaseModel):
    """``[targets.docker-catalog]``: ``image`` and ``category`` are required, the rest optional.

    - ``image``: the image reference (``{version}`` is filled in; no tag means the version), e.g.
      ``ghcr.io/acme/notes:{version}``, or ``mcp/<name>`` for an image Docker builds from ``source``.
    - ``category``: ``meta.category`` (``productivity``, ``devops``, ``database``, ``search``, ...).
    - ``name``: the catalog name (lowercase letters, digits, ``-``); default: the spec's server name.
    - ``tags``: ``meta.tags``; default: the spec's keywords. ``title``, ``icon``: ``about`` overrides.
    - ``commit``: ``source.commit`` (40 hex digits); default: the project's checked-out git commit.
    - ``branch``, ``directory``, ``dockerfile``: the rest of ``source``.
    - ``config_description``: ``config.description``; ``long_lived``: ``longLived``;
      ``allow_hosts``, ``disable_network``: ``run.allowHosts`` / ``run.disableNetwork``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    image: str | None = Field(default=None, min_length=1)
    category: str | None = Field(default=None, min_length=1)
    name: str | None = Field(default=None, pattern=NAME_PATTERN)
    tags: list[str] | None = None
    title: str | None = Field(default=None, min_length=1)
    icon: str | None = Field(default=None, pattern=r"^https://")
    commit: str | None = Field(default=None, pattern=_COMMIT)
    branch: str | None = Field(default=None, min_length=1)
    directory: str | None = Field(default=None, min_length=1)
    dockerfile: str | None = Field(default=None, min_length=1)
    config_description: str | None = Field(default=None, min_length=1)
    long_lived: bool = False
    allow_hosts: list[str] | None = None
    disable_network: bool = False


class DockerCatalogTarget:
    """Writes ``server.yaml``; takes the image from its config (or, later, from the ``oci`` target)."""

    name: ClassVar[str] = TARGET
    needs: ClassVar[tuple[str, ...]] = ("oci",)

    def not_applicable(self, context: BuildContext) -> str | None:
        return None  # any server can run from a container image

    def check(self, context: BuildContext) -> list[Problem]:
        _, problems = _prepare(context)
        return problems

    def build(self, context: BuildContext) -> list[tuple[str, Path, str | None]]:
        document, problems = _prepare(context)
        raise_on_errors(self.name, SERVER_YAML, problems)
        for warning in problems:
            context.reporter.warn(warning.render())
        path = context.staging / SERVER_YAML
        write_text_atomic(path, dump_yaml(document))
        return [("server.yaml", path, None)]


def _prepare(context: BuildContext) -> tuple[dict[str, Any], list[Problem]]:
    config = target_config(context, TARGET, DockerCatalogConfig)
    image = resolve_image(context, config.image)
    commit = config.commit or git_commit(context.root)
    problems = _config_problems(context, config, image, commit)
    document = compose_server_yaml(context, config, image=image, commit=commit)
    if not problems:  # a missing image or commit is reported once, with its fix, not again by the validator
        problems += validate_server_yaml(document, source=SERVER_YAML)
    return document, problems


def catalog_name(context: BuildContext, config: DockerCatalogConfig) -> str:
    if config.name is not None:
        return config.name
    return re.sub(r"[^a-z0-9]+", "-", context.resolved.spec.server_name.lower()).strip("-") or "server"


def _config_problems(
    context: BuildContext, config: DockerCatalogConfig, image: str | None, commit: str | None
) -> list[Problem]:
    problems: list[Problem] = []
    name = catalog_name(context, config)
    if image is None:
        problems.append(
            config_problem(
                context,
                TARGET,
                "image",
                "the catalog entry needs the image users will run",
                f'set image = "ghcr.io/OWNER/{name}:{{version}}" (your pushed image), or image = "mcp/{name}"'
                " for Docker to build it from the repository",
            )
        )
    if config.category is None:
        problems.append(
            config_problem(
                context,
                TARGET,
                "category",
                "the catalog lists servers by category (meta.category)",
                'set category = "productivity" (or devops, database, search, ai, monitoring, ...)',
            )
        )
    if commit is None:
        problems.append(
            config_problem(
                context,
                TARGET,
                "commit",
                "the catalog pins local servers to the audited commit (source.commit), and this project is not"
                " a git checkout",
                'set commit = "<40-hex commit of the released source>"',
            )
        )
    if context.resolved.spec.repository is None:
        problems.append(
            config_problem(
                context, TARGET, "source", "source.project needs the spec's repository", "set repository in the spec"
            )
        )
    title_problem = _title_problem(_title(context, config))
    if title_problem is not None:
        problems.append(config_problem(context, TARGET, "title", title_problem, 'set title = "Notes" (no MCP/Server)'))
    return problems


def _title(context: BuildContext, config: DockerCatalogConfig) -> str:
    spec = context.resolved.spec
    return config.title or spec.title or spec.server_name.replace("-", " ").title()


def compose_server_yaml(
    context: BuildContext, config: DockerCatalogConfig, *, image: str | None, commit: str | None
) -> dict[str, Any]:
    """The server.yaml document, keys in the order of the catalog's own files."""
    spec = context.resolved.spec
    name = catalog_name(context, config)
    document: dict[str, Any] = {"name": name}
    if image is not None:
        document["image"] = image
    document["type"] = "server"
    if config.long_lived:
        document["longLived"] = True
    tags = config.tags if config.tags is not None else [keyword.lower() for keyword in spec.keywords]
    document["meta"] = _given(category=config.category, tags=tags or None)
    icon = config.icon or (spec.icons[0].src if spec.icons else None)
    document["about"] = _given(title=_title(context, config), description=spec.description, icon=icon)
    document["source"] = _given(
        project=repository_url(spec.repository),
        branch=config.branch,
        commit=commit,
        directory=config.directory,
        dockerfile=config.dockerfile,
    )
    run = _given(allowHosts=config.allow_hosts or None, disableNetwork=True if config.disable_network else None)
    if run:
        document["run"] = run
    if spec.env:
        description = config.config_description or f"Configure {_title(context, config)}"
        document["config"] = _config_section(name, description, spec.env)
    return document


def _given(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def _config_section(name: str, description: str, variables: list[EnvVar]) -> dict[str, Any]:
    secrets = [
        _given(
            name=_secret_name(name, env.name),
            env=env.name,
            example=f"<{env.name}>",  # what the catalog's own marshaller writes for every secret
            description=env.description or None,
            required=True if env.required else None,
        )
        for env in variables
        if env.secret
    ]
    plain = [env for env in variables if not env.secret]
    section: dict[str, Any] = {"description": description}
    if secrets:
        section["secrets"] = secrets
    if plain:
        section["env"] = [
            {"name": env.name, "example": env.default or "", "value": f"{{{{{name}.{env.name.lower()}}}}}"}
            for env in plain
        ]
        section["parameters"] = _parameters(plain)
    return section


def _secret_name(server: str, variable: str) -> str:
    """``notes`` + ``NOTES_TOKEN`` -> ``notes.token`` (the catalog's ``secretName``)."""
    return server + "." + variable.lower().removeprefix(server.replace("-", "_") + "_")


def _parameters(variables: list[EnvVar]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for env in variables:
        description = env.description
        if env.choices:
            description = (description + " " if description else "") + f"One of: {', '.join(env.choices)}."
        properties[env.name.lower()] = {
            "type": "string",
            **_given(description=description or None, default=env.default),
        }
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    required = [env.name.lower() for env in variables if env.required]
    if required:
        schema["required"] = required
    return schema


def _title_problem(title: str) -> str | None:
    """The catalog's title rule (``isTitleValid``): no "MCP" or "Server", every word capitalized but and/for."""
    for word in ("MCP", "Server"):
        if word in title:
            return f'the title "{title}" contains "{word}", which the catalog refuses'
    for word in title.split():
        if word not in ("and", "for") and word[0] != word[0].upper():
            return f'every word of the title must be capitalized: "{word}" in "{title}"'
    return None


def validate_server_yaml(data: object, *, source: str) -> list[Problem]:
    """Problems in a decoded server.yaml, by the catalog's struct and CI rules (``cmd/validate``)."""
    problems: list[Problem] = []

    def add(message: str, hint: str, *path: str | int, severity: Literal["error", "warning"] = "error") -> None:
        problems.append(Problem(file=source, path=json_path(*path), message=message, hint=hint, severity=severity))

    if not isinstance(data, Mapping):
        add("server.yaml must be a mapping", "start with name: and image:")
        return problems
    for key in sorted(set(data) - _TOP_LEVEL_KEYS, key=str):
        add(f"unknown key {key!r}", "remove it: the catalog ignores it", str(key), severity="warning")
    name = data.get("name")
    if not (isinstance(name, str) and re.fullmatch(NAME_PATTERN, name)):
        add("name must be lowercase letters, digits and hyphens", "rename the entry", "name")
        name = None
    kind = data.get("type")
    if kind not in _TYPES:
        add(f"type {kind!r} must be one of {', '.join(_TYPES)}", "set type: server", "type")
    if kind == "server":
        _validate_local(data, add)
    _validate_meta_about(data, add)
    _validate_config(data.get("config"), name, add)
    return problems


def _validate_local(data: Mapping[str, Any], add: _Add) -> None:
    if not isinstance(data.get("image"), str) or not data["image"]:
        add("a local server needs image", "set image: the reference users pull", "image")
    source = data.get("source")
    commit = source.get("commit") if isinstance(source, Mapping) else None
    if not (isinstance(commit, str) and re.fullmatch(_COMMIT, commit)):
        add("a local server must pin source.commit to a 40-character lowercase SHA-1", "set it", "source", "commit")
    project = source.get("project") if isinstance(source, Mapping) else None
    if not (isinstance(project, str) and project.startswith("https://")):
        add("source.project must be the https URL of the repository", "set it", "source", "project")


def _validate_meta_about(data: Mapping[str, Any], add: _Add) -> None:
    meta = data.get("meta")
    category = meta.get("category") if isinstance(meta, Mapping) else None
    if not isinstance(category, str) or not category:
        add("meta.category is required", "set a category such as productivity", "meta", "category")
    tags = meta.get("tags", []) if isinstance(meta, Mapping) else []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        add("meta.tags must be a list of strings", "fix tags", "meta", "tags")
    about = data.get("about")
    title = about.get("title") if isinstance(about, Mapping) else None
    if not isinstance(title, str) or not title:
        add("about.title is required", "set a title", "about", "title")
    else:
        message = _title_problem(title)
        if message is not None:
            add(message, "drop MCP/Server and capitalize every word", "about", "title")
    icon = about.get("icon") if isinstance(about, Mapping) else None
    if icon is not None and not (isinstance(icon, str) and icon.startswith("https://")):
        add("about.icon must be an https URL", "serve the icon over https", "about", "icon")


def _validate_config(config: object, name: str | None, add: _Add) -> None:
    if config is None:
        return
    if not isinstance(config, Mapping):
        add("config must be a mapping", "fix config", "config")
        return
    for index, secret in enumerate(config.get("secrets") or []):
        secret_name = secret.get("name") if isinstance(secret, Mapping) else None
        if not (isinstance(secret_name, str) and _SECRET_NAME.fullmatch(secret_name)):
            add("secret names have the form prefix.name", "use <server>.<key>", "config", "secrets", index, "name")
        if not isinstance(secret, Mapping) or not isinstance(secret.get("env"), str):
            add("a secret needs env: the variable it sets", "add env", "config", "secrets", index, "env")
    parameters = config.get("parameters")
    properties = parameters.get("properties", {}) if isinstance(parameters, Mapping) else {}
    if parameters is not None:
        _validate_parameters(parameters, properties, add)
    for index, env in enumerate(config.get("env") or []):
        value = env.get("value", "") if isinstance(env, Mapping) else None
        if not isinstance(env, Mapping) or not isinstance(env.get("name"), str) or not isinstance(value, str):
            add("env entries need a name and a string value", "fix the entry", "config", "env", index)
            continue
        if value.startswith("{{") and name is not None:
            parameter = value.removeprefix("{{" + name + ".").removesuffix("}}")
            if not value.startswith("{{" + name + ".") or parameter not in properties:
                add(
                    f"{value} does not name a parameter of {name}",
                    f"use '{{{{{name}.<parameter>}}}}' with a parameter under config.parameters.properties",
                    "config",
                    "env",
                    index,
                    "value",
                )


def _validate_parameters(parameters: object, properties: object, add: _Add) -> None:
    at = ("config", "parameters")
    if not isinstance(parameters, Mapping) or parameters.get("type") != "object" or not isinstance(properties, Mapping):
        add("parameters must be a schema with type: object and properties", "fix parameters", *at)
        return
    for key, schema in properties.items():
        if not isinstance(schema, Mapping) or not isinstance(schema.get("type"), str):
            add(f"parameter {key!r} needs a type", "add type: string", *at, "properties", str(key))
    for index, key in enumerate(parameters.get("required") or []):
        if key not in properties:
            add(f"required parameter {key!r} is not a property", "add it to properties", *at, "required", index)

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
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from mcpship._problems import Findings, Problem
from mcpship.spec.model import EnvVar
from mcpship.targets._base import BuildContext, target_config
from mcpship.targets._catalog import CatalogTarget, config_problem, git_commit, repository_url, resolve_image

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


class DockerCatalogTarget(CatalogTarget):
    """Writes ``server.yaml``; takes the image from its config (or from the ``oci`` target's destination)."""

    name: ClassVar[str] = TARGET
    config_class: ClassVar[type[BaseModel]] = DockerCatalogConfig
    needs: ClassVar[tuple[str, ...]] = ("oci",)
    file_name: ClassVar[str] = SERVER_YAML
    kind: ClassVar[str] = "server.yaml"
    rules: ClassVar[str] = "Docker MCP catalog rules (cmd/validate)"

    def compose(self, context: BuildContext) -> tuple[dict[str, Any] | None, list[Problem]]:
        config = target_config(context, TARGET, DockerCatalogConfig)
        image = resolve_image(context, config.image)
        commit = config.commit or git_commit(context.root)
        document = compose_server_yaml(context, config, image=image, commit=commit)
        return document, _config_problems(context, config, image, commit)

    def validate(self, data: object, *, source: str) -> list[Problem]:
        return validate_server_yaml(data, source=source)


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
    findings = Findings(source)
    if not isinstance(data, Mapping):
        findings.error((), "server.yaml must be a mapping", "start with name: and image:")
        return findings.problems
    for key in sorted(set(data) - _TOP_LEVEL_KEYS, key=str):
        findings.warning((str(key),), f"unknown key {key!r}", "remove it: the catalog ignores it")
    name = data.get("name")
    if not (isinstance(name, str) and re.fullmatch(NAME_PATTERN, name)):
        findings.error(("name",), "name must be lowercase letters, digits and hyphens", "rename the entry")
        name = None
    kind = data.get("type")
    if kind not in _TYPES:
        findings.error(("type",), f"type {kind!r} must be one of {', '.join(_TYPES)}", "set type: server")
    if kind == "server":
        _validate_local(data, findings)
    _validate_meta_about(data, findings)
    _validate_config(data.get("config"), name, findings)
    return findings.problems


def _validate_local(data: Mapping[str, Any], findings: Findings) -> None:
    if not isinstance(data.get("image"), str) or not data["image"]:
        findings.error(("image",), "a local server needs image", "set image: the reference users pull")
    source = data.get("source")
    commit = source.get("commit") if isinstance(source, Mapping) else None
    if not (isinstance(commit, str) and re.fullmatch(_COMMIT, commit)):
        findings.error(
            ("source", "commit"), "a local server must pin source.commit to a 40-character lowercase SHA-1", "set it"
        )
    project = source.get("project") if isinstance(source, Mapping) else None
    if not (isinstance(project, str) and project.startswith("https://")):
        findings.error(("source", "project"), "source.project must be the https URL of the repository", "set it")


def _validate_meta_about(data: Mapping[str, Any], findings: Findings) -> None:
    meta = data.get("meta")
    category = meta.get("category") if isinstance(meta, Mapping) else None
    if not isinstance(category, str) or not category:
        findings.error(("meta", "category"), "meta.category is required", "set a category such as productivity")
    tags = meta.get("tags", []) if isinstance(meta, Mapping) else []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        findings.error(("meta", "tags"), "meta.tags must be a list of strings", "fix tags")
    about = data.get("about")
    title = about.get("title") if isinstance(about, Mapping) else None
    if not isinstance(title, str) or not title:
        findings.error(("about", "title"), "about.title is required", "set a title")
    else:
        message = _title_problem(title)
        if message is not None:
            findings.error(("about", "title"), message, "drop MCP/Server and capitalize every word")
    icon = about.get("icon") if isinstance(about, Mapping) else None
    if icon is not None and not (isinstance(icon, str) and icon.startswith("https://")):
        findings.error(("about", "icon"), "about.icon must be an https URL", "serve the icon over https")


def _validate_config(config: object, name: str | None, findings: Findings) -> None:
    if config is None:
        return
    if not isinstance(config, Mapping):
        findings.error(("config",), "config must be a mapping", "fix config")
        return
    for index, secret in enumerate(config.get("secrets") or []):
        secret_name = secret.get("name") if isinstance(secret, Mapping) else None
        if not (isinstance(secret_name, str) and _SECRET_NAME.fullmatch(secret_name)):
            findings.error(
                ("config", "secrets", index, "name"), "secret names have the form prefix.name", "use <server>.<key>"
            )
        if not isinstance(secret, Mapping) or not isinstance(secret.get("env"), str):
            findings.error(("config", "secrets", index, "env"), "a secret needs env: the variable it sets", "add env")
    parameters = config.get("parameters")
    properties = parameters.get("properties", {}) if isinstance(parameters, Mapping) else {}
    if parameters is not None:
        _validate_parameters(parameters, properties, findings)
    for index, env in enumerate(config.get("env") or []):
        value = env.get("value", "") if isinstance(env, Mapping) else None
        if not isinstance(env, Mapping) or not isinstance(env.get("name"), str) or not isinstance(value, str):
            findings.error(("config", "env", index), "env entries need a name and a string value", "fix the entry")
            continue
        if value.startswith("{{") and name is not None:
            parameter = value.removeprefix("{{" + name + ".").removesuffix("}}")
            if not value.startswith("{{" + name + ".") or parameter not in properties:
                findings.error(
                    ("config", "env", index, "value"),
                    f"{value} does not name a parameter of {name}",
                    f"use '{{{{{name}.<parameter>}}}}' with a parameter under config.parameters.properties",
                )


def _validate_parameters(parameters: object, properties: object, findings: Findings) -> None:
    at = ("config", "parameters")
    if not isinstance(parameters, Mapping) or parameters.get("type") != "object" or not isinstance(properties, Mapping):
        findings.error(at, "parameters must be a schema with type: object and properties", "fix parameters")
        return
    for key, schema in properties.items():
        if not isinstance(schema, Mapping) or not isinstance(schema.get("type"), str):
            findings.error((*at, "properties", str(key)), f"parameter {key!r} needs a type", "add type: string")
    for index, key in enumerate(parameters.get("required") or []):
        if key not in properties:
            findings.error(
                (*at, "required", index), f"required parameter {key!r} is not a property", "add it to properties"
            )

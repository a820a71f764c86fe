"""The ``smithery`` target: ``smithery.yaml`` for Smithery's container runtime, from the spec.

Documented fields (runtime.md §5.1; smithery-ai/docs ``build/project-config/smithery-yaml.mdx@0f8f866``):
``runtime: container``; ``startCommand`` with ``type: stdio``, ``configSchema`` (a JSON Schema object) and
``commandFunction`` (a JS function string ``(config) => ({command, args, env})``), or ``type: http`` (Smithery
routes MCP to ``/mcp`` on ``$PORT`` and passes the config as query parameters); ``exampleConfig``;
``build{dockerfile, dockerBuildPath}``; ``env``; ``name`` (the current CLI's project name).

Every ``[[env]]`` entry becomes one config property named in camelCase (``NOTES_TOKEN`` -> ``notesToken``, the
style Smithery's examples use). JSON Schema has no "secret" keyword, so secrets get ``writeOnly: true``;
Smithery's own tools treat a key as sensitive when its name holds key/token/secret/password, which
:func:`validate_smithery` checks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from mcpship._problems import Findings, Problem
from mcpship.spec.model import EnvVar
from mcpship.targets._base import BuildContext, target_config
from mcpship.targets._catalog import CatalogTarget, config_problem

__all__ = ["SMITHERY_YAML", "SmitheryConfig", "SmitheryTarget", "compose_smithery", "config_key", "validate_smithery"]

SMITHERY_YAML = "smithery.yaml"
NAME_PATTERN = r"^[a-zA-Z][a-zA-Z0-9-_]{2,38}$"
_SENSITIVE_WORDS = ("key", "token", "secret", "password")
_TOP_LEVEL_KEYS = frozenset({"runtime", "name", "target", "startCommand", "build", "env"})
_START_KEYS = frozenset({"type", "configSchema", "commandFunction", "exampleConfig"})
_JS_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


class SmitheryConfig(BaseModel):
    """``[targets.smithery]``; every key is optional.

    - ``transport``: ``"stdio"`` (default) or ``"http"`` (needs the spec's ``[http]``, served at ``/mcp``).
    - ``name``: the Smithery project name (3-39 characters, a letter first).
    - ``dockerfile``, ``docker_build_path``: ``build.dockerfile`` / ``build.dockerBuildPath``, relative to
      smithery.yaml (Smithery's defaults: ``Dockerfile`` and ``.``).
    - ``env``: fixed environment variables Smithery sets for every user.
    - ``example_config``: values for ``exampleConfig`` by config key; default: each default or first choice,
      and ``<ENV_NAME>`` for required settings without either.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    transport: Literal["stdio", "http"] = "stdio"
    name: str | None = Field(default=None, pattern=NAME_PATTERN)
    dockerfile: str | None = Field(default=None, min_length=1)
    docker_build_path: str | None = Field(default=None, min_length=1)
    env: dict[str, str] = Field(default_factory=dict)
    example_config: dict[str, str] = Field(default_factory=dict)


class SmitheryTarget(CatalogTarget):
    """Writes ``smithery.yaml``; reads nothing built by other targets."""

    name: ClassVar[str] = "smithery"
    config_class: ClassVar[type[BaseModel]] = SmitheryConfig
    needs: ClassVar[tuple[str, ...]] = ()
    file_name: ClassVar[str] = SMITHERY_YAML
    kind: ClassVar[str] = "smithery.yaml"
    rules: ClassVar[str] = "Smithery's smithery.yaml fields"

    def compose(self, context: BuildContext) -> tuple[dict[str, Any] | None, list[Problem]]:
        config = target_config(context, self.name, SmitheryConfig)
        return compose_smithery(context, config), _config_problems(context, config)

    def validate(self, data: object, *, source: str) -> list[Problem]:
        return validate_smithery(data, source=source)


def config_key(env_name: str) -> str:
    """``NOTES_TOKEN`` -> ``notesToken``: the config property an environment variable is set from."""
    words = [word for word in env_name.lower().split("_") if word]
    if not words:
        return env_name
    return words[0] + "".join(word.capitalize() for word in words[1:])


def _config_problems(context: BuildContext, config: SmitheryConfig) -> list[Problem]:
    spec = context.resolved.spec
    problems: list[Problem] = []
    if config.transport == "http" and spec.http is None:
        problems.append(
            config_problem(
                context, "smithery", "transport", 'transport "http" needs the spec\'s [http] table', "add [http]"
            )
        )
    elif config.transport == "http" and spec.http is not None and spec.http.path != "/mcp":
        problems.append(
            config_problem(
                context,
                "smithery",
                "transport",
                f'Smithery sends MCP to /mcp, but [http].path is "{spec.http.path}"',
                'serve MCP at path = "/mcp" in [http]',
            )
        )
    if config.transport == "http" and spec.env:
        problems.append(
            config_problem(
                context,
                "smithery",
                "transport",
                "Smithery passes the configuration of HTTP servers as query parameters of /mcp, not as the"
                f" environment variables {', '.join(env.name for env in spec.env)}",
                'read the settings from the request\'s query parameters, or keep transport = "stdio"',
                severity="warning",
            )
        )
    keys: dict[str, str] = {}
    for env in spec.env:
        key = config_key(env.name)
        if key in keys:
            problems.append(
                config_problem(
                    context,
                    "smithery",
                    "env",
                    f"{keys[key]} and {env.name} both become the config key {key!r}",
                    "rename one of the environment variables",
                )
            )
        keys[key] = env.name
    secrets = {config_key(env.name): env.name for env in spec.env if env.secret}
    for key in sorted(set(config.example_config) & set(secrets)):
        problems.append(
            config_problem(
                context,
                "smithery",
                f"example_config.{key}",
                f"{secrets[key]} is a secret, and exampleConfig is published in clear in smithery.yaml",
                f"remove it: mcpship writes the placeholder <{secrets[key]}> for secrets",
            )
        )
    for name in sorted(set(config.env) & {env.name for env in spec.env if env.secret}):
        problems.append(
            config_problem(
                context,
                "smithery",
                f"env.{name}",
                f"{name} is a secret, and env is published in clear in smithery.yaml for every user",
                "remove it: users pass their own value when they install the server",
            )
        )
    for key in sorted(set(config.example_config) - set(keys)):
        problems.append(
            config_problem(
                context,
                "smithery",
                f"example_config.{key}",
                f"{key!r} is not a config key of this server",
                f"use one of: {', '.join(sorted(keys)) or '(none: the spec has no [[env]])'}",
            )
        )
    return problems


def compose_smithery(context: BuildContext, config: SmitheryConfig) -> dict[str, Any]:
    """The smithery.yaml document, keys in the documented order."""
    spec = context.resolved.spec
    schema = _config_schema(spec.env)
    start: dict[str, Any] = {"type": config.transport, "configSchema": schema}
    if config.transport == "stdio":
        start["commandFunction"] = _command_function(spec.run.command, spec.run.args, spec.env)
    examples = ((config_key(env.name), _example_value(env, config)) for env in spec.env)
    example = {key: value for key, value in examples if value is not None}
    if example:
        start["exampleConfig"] = example
    document: dict[str, Any] = {}
    if config.name is not None:
        document["name"] = config.name
    document["runtime"] = "container"
    document["startCommand"] = start
    build = _given(dockerfile=config.dockerfile, dockerBuildPath=config.docker_build_path)
    if build:
        document["build"] = build
    if config.env:
        document["env"] = dict(sorted(config.env.items()))
    return document


def _given(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def _config_schema(variables: list[EnvVar]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for env in variables:
        properties[config_key(env.name)] = {
            "type": "string",
            **_given(
                description=env.description or None,
                enum=env.choices,
                default=env.default,
                writeOnly=True if env.secret else None,
            ),
        }
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    required = [config_key(env.name) for env in variables if env.required]
    if required:
        schema["required"] = required
    return schema


def _example_value(env: EnvVar, config: SmitheryConfig) -> str | None:
    """The configured example, else the default, the first choice, a placeholder when required, else none."""
    given = config.example_config.get(config_key(env.name))
    if given is not None and not env.secret:  # a secret's value never goes into a published file
        return given
    if env.default is not None:
        return env.default
    if env.choices:
        return env.choices[0]
    return f"<{env.name}>" if env.required else None


def _command_function(command: str, args: list[str], variables: list[EnvVar]) -> str:
    """``(config) => ({command, args, env})``; optional settings nobody gave stay out of the environment."""
    lines = [
        "(config) => ({",
        f"  command: {_js_string(command)},",
        f"  args: [{', '.join(_js_string(argument) for argument in args)}],",
    ]
    if not variables:
        lines.append("  env: {},")
    else:
        lines.append("  env: {")
        for env in variables:
            value = _js_member(config_key(env.name))
            if env.required:
                lines.append(f"    {env.name}: {value},")
            elif env.default is not None:
                lines.append(f"    {env.name}: {value} ?? {_js_string(env.default)},")
            else:
                lines.append(f"    ...({value} === undefined ? {{}} : {{ {env.name}: {value} }}),")
        lines.append("  },")
    lines.append("})")
    return "\n".join(lines)


def _js_string(text: str) -> str:
    return json.dumps(text)  # ASCII-only JSON strings are valid JavaScript string literals


def _js_member(key: str) -> str:
    return f"config.{key}" if _JS_IDENTIFIER.fullmatch(key) else f"config[{_js_string(key)}]"


def validate_smithery(data: object, *, source: str) -> list[Problem]:
    """Problems in a decoded smithery.yaml, by the documented fields (runtime.md §5.1)."""
    findings = Findings(source)
    if not isinstance(data, Mapping):
        findings.error((), "smithery.yaml must be a mapping", "start the file with runtime: container")
        return findings.problems
    for key in sorted(set(data) - _TOP_LEVEL_KEYS, key=str):
        findings.warning((str(key),), f"unknown key {key!r}", f"use only {', '.join(sorted(_TOP_LEVEL_KEYS))}")
    runtime = data.get("runtime", "container")
    if runtime not in ("container", "typescript", "python"):
        findings.error(
            ("runtime",), f"runtime {runtime!r} is not one Smithery knows", "use container, typescript or python"
        )
    name = data.get("name")
    if name is not None and not (isinstance(name, str) and re.fullmatch(NAME_PATTERN, name)):
        findings.error(
            ("name",), "name must be 3-39 letters, digits, - or _, starting with a letter", "rename the project"
        )
    if runtime == "container":
        _validate_start_command(data.get("startCommand"), findings)
    _validate_string_map(data.get("build"), "build", findings, allowed=("dockerfile", "dockerBuildPath"))
    _validate_string_map(data.get("env"), "env", findings)
    return findings.problems


def _validate_start_command(start: object, findings: Findings) -> None:
    if not isinstance(start, Mapping):
        findings.error(
            ("startCommand",), "the container runtime needs startCommand", "add startCommand with type stdio or http"
        )
        return
    for key in sorted(set(start) - _START_KEYS, key=str):
        findings.error(("startCommand", str(key)), f"unknown key {key!r}", f"use only {', '.join(sorted(_START_KEYS))}")
    kind = start.get("type")
    if kind not in ("stdio", "http"):
        findings.error(("startCommand", "type"), f"startCommand.type {kind!r} must be stdio or http", "set type: stdio")
    properties = _validate_config_schema(start.get("configSchema"), findings)
    function = start.get("commandFunction")
    if kind == "stdio" and not (isinstance(function, str) and ("=>" in function or function.startswith("function"))):
        findings.error(
            ("startCommand", "commandFunction"),
            "a stdio server needs commandFunction, a JavaScript function (config) => ({command, args, env})",
            "add commandFunction",
        )
    elif kind == "http" and function is not None:
        findings.warning(
            ("startCommand", "commandFunction"), "commandFunction is ignored for http servers", "remove commandFunction"
        )
    _validate_example(start.get("exampleConfig"), start.get("configSchema"), properties, findings)


def _validate_config_schema(schema: object, findings: Findings) -> Mapping[str, Any]:
    """Checks configSchema; returns its properties (empty when it is missing or malformed)."""
    at = ("startCommand", "configSchema")
    if schema is None:
        return {}
    if not isinstance(schema, Mapping) or schema.get("type") != "object":
        findings.error(at, "configSchema must be a JSON Schema object with type: object", "set type: object")
        return {}
    properties = schema.get("properties", {})
    if not isinstance(properties, Mapping):
        findings.error((*at, "properties"), "properties must be a mapping of config keys to schemas", "fix properties")
        return {}
    for key, property_schema in properties.items():
        if not isinstance(property_schema, Mapping) or not isinstance(property_schema.get("type"), str):
            findings.error((*at, "properties", str(key)), f"property {key!r} needs a type", "add type: string")
            continue
        if property_schema.get("writeOnly") is True and not any(w in str(key).lower() for w in _SENSITIVE_WORDS):
            findings.warning(
                (*at, "properties", str(key)),
                f"secret {key!r} will be shown in clear text: Smithery masks only keys holding"
                f" {', '.join(_SENSITIVE_WORDS)}",
                "name the environment variable so its key holds one of those words (e.g. ..._TOKEN)",
            )
    required = schema.get("required", [])
    if not isinstance(required, list):
        findings.error((*at, "required"), "required must be a list of config keys", "fix required")
        return properties
    for index, key in enumerate(required):
        if key not in properties:
            findings.error((*at, "required", index), f"required key {key!r} is not a property", "add it to properties")
    return properties


def _validate_example(example: object, schema: object, properties: Mapping[str, Any], findings: Findings) -> None:
    at = ("startCommand", "exampleConfig")
    if example is None:
        return
    if not isinstance(example, Mapping):
        findings.error(at, "exampleConfig must be a mapping of config keys to values", "fix exampleConfig")
        return
    for key, value in example.items():
        if key not in properties:
            findings.error(
                (*at, str(key)), f"{key!r} is not in configSchema.properties", "remove it or add the property"
            )
            continue
        allowed = properties[key].get("enum")
        if isinstance(allowed, list) and value not in allowed:
            findings.error((*at, str(key)), f"{value!r} is not one of {allowed}", "use one of the choices")
    required = schema.get("required", []) if isinstance(schema, Mapping) else []
    for key in required if isinstance(required, list) else []:
        if key not in example:
            findings.error(at, f"exampleConfig leaves out the required key {key!r}", "add an example value")


def _validate_string_map(value: object, key: str, findings: Findings, *, allowed: tuple[str, ...] = ()) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping):
        findings.error((key,), f"{key} must be a mapping", f"fix {key}")
        return
    for name, item in value.items():
        if allowed and name not in allowed:
            findings.warning((key, str(name)), f"unknown key {name!r}", f"use only {', '.join(allowed)}")
        if not isinstance(item, str):
            findings.error((key, str(name)), f"{key}.{name} must be a string", 'quote the value, e.g. "true"')

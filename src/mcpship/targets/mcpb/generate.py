"""``manifest.json`` from the spec, the interface lock and ``[targets.mcpb]``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mcpship.interface.lock import InterfaceLock
from mcpship.spec.model import EnvVar, Spec
from mcpship.spec.project_metadata import read_toml
from mcpship.targets.mcpb.config import McpbConfig
from mcpship.targets.mcpb.manifest import (
    Author,
    Compatibility,
    Manifest,
    ManifestIcon,
    McpConfig,
    McpConfigOverride,
    Prompt,
    Repository,
    Server,
    Tool,
    UserConfigOption,
)
from mcpship.targets.mcpb.node import read_package_json

__all__ = ["Launch", "build_manifest", "project_author", "prompt_text", "user_config_key"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# package.json's one-line form: "Name <email> (url)", email and url optional
_PERSON = re.compile(r"^\s*(?P<name>[^<(]*?)\s*(?:<(?P<email>[^>]*)>)?\s*(?:\((?P<url>[^)]*)\))?\s*$")


@dataclass(frozen=True, kw_only=True)
class Launch:
    """How the host starts the server from the unpacked bundle (before user_config substitution)."""

    server_type: Literal["python", "node", "uv"]
    entry_point: str
    command: str
    args: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    """Variables the bundle layout needs (PYTHONPATH); the spec's env entries are added after them."""
    platform_overrides: dict[str, McpConfigOverride] = field(default_factory=dict)


def build_manifest(
    spec: Spec,
    lock: InterfaceLock | None,
    config: McpbConfig,
    *,
    author: Author,
    launch: Launch,
    compatibility: Compatibility,
    icons: Sequence[ManifestIcon] = (),
) -> Manifest:
    with_icons = config.manifest_version >= "0.3"
    return Manifest(
        manifest_version=config.manifest_version,
        name=spec.server_name,
        display_name=spec.title,
        version=spec.version,
        description=spec.description,
        long_description=config.long_description,
        author=author,
        repository=Repository(type="git", url=spec.repository) if spec.repository else None,
        homepage=spec.homepage,
        documentation=config.documentation,
        support=config.support,
        icon=icons[0].src if icons else None,
        icons=list(icons) if icons and with_icons else None,
        server=Server(type=launch.server_type, entry_point=launch.entry_point, mcp_config=_mcp_config(spec, launch)),
        tools=_tools(lock),
        prompts=_prompts(lock, config),
        keywords=list(spec.keywords) or None,
        license=spec.license,
        privacy_policies=list(config.privacy_policies) or None,
        compatibility=compatibility,
        user_config={user_config_key(env.name): _user_config_option(env) for env in spec.env} or None,
    )


def user_config_key(env_name: str) -> str:
    """``NOTES_TOKEN`` -> ``notes_token``: the key hosts store the user's value under."""
    return env_name.lower()


def _mcp_config(spec: Spec, launch: Launch) -> McpConfig:
    env = dict(launch.env)
    for variable in spec.env:
        env[variable.name] = "${user_config." + user_config_key(variable.name) + "}"
    return McpConfig(
        command=launch.command,
        args=list(launch.args),
        env=env or None,
        platform_overrides=dict(launch.platform_overrides) or None,
    )


def _user_config_option(env: EnvVar) -> UserConfigOption:
    description = env.description or f"Sets {env.name} for the server."
    if env.choices:
        description += f" One of: {', '.join(env.choices)}."
    default = env.default
    if default is None and not env.required:
        # Hosts leave "${user_config.KEY}" verbatim when a key has no value and no default; an empty default
        # makes an unset optional variable arrive as "" (which servers treat as unset) instead of that literal.
        default = ""
    return UserConfigOption(
        type="string",
        title=env.name.replace("_", " ").capitalize(),
        description=description,
        required=env.required,
        default=default,
        sensitive=True if env.secret else None,
    )


def _tools(lock: InterfaceLock | None) -> list[Tool] | None:
    if lock is None:
        return None
    tools = [
        Tool(name=name, description=_text(definition.get("description")))
        for name, definition in lock.items("tools").items()
    ]
    return tools or None


def _prompts(lock: InterfaceLock | None, config: McpbConfig) -> list[Prompt] | None:
    if lock is None:
        return None
    prompts: list[Prompt] = []
    for name, definition in lock.items("prompts").items():
        arguments = [str(arg["name"]) for arg in definition.get("arguments") or [] if isinstance(arg, dict)]
        prompts.append(
            Prompt(
                name=name,
                description=_text(definition.get("description")),
                arguments=arguments or None,
                text=config.prompt_text.get(name) or prompt_text(definition, arguments),
            )
        )
    return prompts or None


def prompt_text(definition: dict[str, Any], arguments: Sequence[str]) -> str:
    """The manifest requires a prompt ``text``; the server renders the real prompt, so this is the description
    (else title, else name) followed by each argument as the ``${arguments.NAME}`` placeholder hosts fill in."""
    lead = _text(definition.get("description")) or _text(definition.get("title")) or str(definition.get("name"))
    if not arguments:
        return lead
    return lead + "\n\n" + "\n".join(f"{name}: ${{arguments.{name}}}" for name in arguments)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def project_author(root: Path, runtime: str) -> Author | None:
    """The first author pyproject.toml (``[project].authors``) or package.json (``author``) names."""
    if runtime == "python" and (root / "pyproject.toml").is_file():
        project = read_toml(root / "pyproject.toml").get("project") or {}
        for person in project.get("authors") or []:
            if isinstance(person, dict) and (person.get("name") or person.get("email")):
                return _author(person.get("name") or person.get("email"), person.get("email"), None)
        return None
    if runtime == "node" and (root / "package.json").is_file():
        person = read_package_json(root).get("author")
        if isinstance(person, str) and (match := _PERSON.match(person)) and match["name"]:
            return _author(match["name"], match["email"], match["url"])
        if isinstance(person, dict) and isinstance(person.get("name"), str):
            return _author(person["name"], person.get("email"), person.get("url"))
    return None


def _author(name: object, email: object, url: object) -> Author:
    # An address the official schema would reject is left out rather than failing the whole manifest.
    valid_email = email if isinstance(email, str) and _EMAIL.match(email) else None
    valid_url = url if isinstance(url, str) and re.match(r"^https?://\S+$", url) else None
    return Author(name=str(name), email=valid_email, url=valid_url)

"""The typed description of one MCP server: what every build target and channel reads.

Field rules follow the official MCP Registry (``name`` format, 100-character ``description``, https icons),
so a spec that loads here yields a publishable ``server.json`` later.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

__all__ = ["EnvVar", "FileSelection", "HttpTransport", "Icon", "RunConfig", "Spec"]

# The registry's semantic rule (stricter than its JSON-schema pattern): one "/", each side at least two
# characters, no leading/trailing punctuation (registry.md §2.2; the same rule server_json/rules.py applies).
_NAMESPACE = r"[a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9]"
_SERVER = r"[a-zA-Z0-9][a-zA-Z0-9._-]*[a-zA-Z0-9]"
NAME_PATTERN = re.compile(rf"^{_NAMESPACE}/{_SERVER}$")
# Error types of the secret rules: their messages never repeat the value given (it may be a real token).
SECRET_DEFAULT = "secret_default"
SECRET_CHOICES = "secret_choices"
_PUBLISHED_SECRET = {
    "default": (
        SECRET_DEFAULT,
        "{name} is a secret (secret = true), so it has no default: a default is published in clear in server.json,"
        " the MCPB manifest, smithery.yaml and toolhive.json",
    ),
    "choices": (
        SECRET_CHOICES,
        "{name} is a secret (secret = true), so it has no choices: they are published in clear, and a value picked"
        " from a public list is no secret",
    ),
}
# What `mcpship init` writes when the git remote names no GitHub owner: a valid name, so the spec loads (inspect,
# lock), but build, ship and validate refuse it (mcpship.spec.names.refuse_placeholder_name).
PLACEHOLDER_NAMESPACE = "io.github.your-github-user"
ENV_NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Strict(BaseModel):
    # Our own file format: a typo is an error that names the key, never a silently ignored setting.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Icon(_Strict):
    src: str = Field(description="https URL of the icon.")
    mime_type: Literal["image/png", "image/jpeg", "image/jpg", "image/svg+xml", "image/webp"] | None = None
    sizes: list[str] = Field(default_factory=list, description='Sizes such as "48x48" or "any".')
    theme: Literal["light", "dark"] | None = None

    @field_validator("src")
    @classmethod
    def _https_only(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError("icons must be served over https:// (the MCP Registry rejects other schemes)")
        return value


class EnvVar(_Strict):
    name: str
    description: str = ""
    required: bool = False
    secret: bool = False
    default: str | None = None
    choices: list[str] | None = None

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not ENV_NAME_PATTERN.match(value):
            raise ValueError(f"{value!r} is not a valid environment variable name (letters, digits, _)")
        return value

    # A secret's value is the user's own (a token, a password): every file mcpship writes is published, and a
    # default or a list of choices would put the value itself in server.json, the MCPB manifest, smithery.yaml
    # and toolhive.json for anyone to read.
    @field_validator("default", "choices")
    @classmethod
    def _secret_has_no_published_value(cls, value: object, info: ValidationInfo) -> object:
        if value is not None and info.data.get("secret") is True:
            code, message = _PUBLISHED_SECRET[info.field_name or ""]
            raise PydanticCustomError(code, message, {"name": info.data.get("name", "this variable")})
        return value

    @model_validator(mode="after")
    def _default_is_a_choice(self) -> EnvVar:
        if self.choices is not None and self.default is not None and self.default not in self.choices:
            raise ValueError(f"default {self.default!r} is not one of choices {self.choices}")
        return self


class RunConfig(_Strict):
    runtime: Literal["python", "node", "binary"]
    command: str = Field(min_length=1, description="Console script (python), npm bin (node) or executable.")
    args: list[str] = Field(default_factory=list)


class HttpTransport(_Strict):
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    path: str = "/mcp"
    args: list[str] = Field(default_factory=list, description="Arguments that start the server in HTTP mode.")

    @field_validator("path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f'path must start with "/", got {value!r}')
        return value


class FileSelection(_Strict):
    include: list[str] = Field(
        default_factory=list,
        description="Files that look like secrets (.env, *.pem, id_rsa, ...) but are packed anyway: gitignore"
        " patterns from the project root. Targets leave every other such file out.",
    )

    @field_validator("include")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        import pathspec

        for pattern in value:
            if not pattern.strip() or pattern.startswith(("!", "#")) or not pattern.isprintable():
                raise ValueError(
                    f"{pattern[:80]!r} is not a file pattern: give a path or a gitignore pattern from the project"
                    " root, such as certs/ca.pem or *.pem (no !, no comment, no control characters)"
                )
            try:
                pathspec.GitIgnoreSpec.from_lines([pattern])
            except ValueError as exc:
                raise ValueError(f"{pattern[:80]!r} is not a gitignore pattern ({exc})") from None
        return value


class Spec(_Strict):
    name: str = Field(description="MCP Registry name: reverse-DNS namespace / server, e.g. io.github.acme/notes.")
    title: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    description: Annotated[str, Field(min_length=1, max_length=100)]
    version: Annotated[str, Field(min_length=1, max_length=255)]
    license: str | None = None
    repository: str | None = None
    homepage: str | None = None
    icons: list[Icon] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    run: RunConfig
    http: HttpTransport | None = None
    env: list[EnvVar] = Field(default_factory=list)
    files: FileSelection = Field(default_factory=FileSelection)
    targets: dict[str, dict[str, object]] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _registry_name(cls, value: str) -> str:
        if not 3 <= len(value) <= 200 or not NAME_PATTERN.match(value):
            raise ValueError(
                f"{value!r} is not an MCP Registry name: use a reverse-DNS namespace, one slash and the server"
                " name, e.g. io.github.your-user/your-server"
            )
        return value

    @field_validator("version")
    @classmethod
    def _exact_version(cls, value: str) -> str:
        from mcpship.server_json._versions import RESERVED_VERSION, looks_like_version_range

        if value.strip() == RESERVED_VERSION or looks_like_version_range(value):
            raise ValueError(f"{value!r} is not an exact version (the registry rejects ranges and 'latest')")
        return value

    @field_validator("targets")
    @classmethod
    def _known_targets(cls, value: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
        """Each table under its target's name (old names such as ``registry`` map to theirs); a misspelt target
        is an error, not a silently skipped build. Each table's keys are checked by load_spec, with the
        target's own config class."""
        from mcpship.targets._known import BUILTIN_TARGETS, canonical_name, plugin_reference, unknown_target_message

        tables: dict[str, dict[str, object]] = {}
        written: dict[str, str] = {}
        for key, table in value.items():
            name = canonical_name(key)
            if name in written:
                raise ValueError(
                    f"[targets.{written[name]}] and [targets.{key}] configure the same target ({name}); keep one"
                    f" [targets.{name}]"
                )
            if name not in BUILTIN_TARGETS and plugin_reference(name) is None:
                raise ValueError(unknown_target_message(key)[0])
            written[name] = key
            tables[name] = table
        return tables

    @model_validator(mode="after")
    def _unique_env_names(self) -> Spec:
        seen: set[str] = set()
        for entry in self.env:
            if entry.name in seen:
                raise ValueError(f"environment variable {entry.name!r} is declared twice")
            seen.add(entry.name)
        return self

    @property
    def server_name(self) -> str:
        """The part after the namespace: ``notes`` in ``io.github.acme/notes``."""
        return self.name.split("/", 1)[1]


def is_placeholder_name(name: str) -> bool:
    """Whether ``name`` is in the placeholder namespace ``mcpship init`` writes (no publisher can own it)."""
    return name.partition("/")[0].lower() == PLACEHOLDER_NAMESPACE

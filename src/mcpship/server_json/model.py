"""Typed ``server.json`` (MCP Registry schema 2025-12-11), written from the documented rules.

Wire names are camelCase aliases; Python code uses snake_case field names. The official schema forbids no
unknown keys anywhere, so every model keeps them (``extra="allow"``) and a round trip loses nothing. Optional
keys are ``None`` when absent, and :meth:`ServerJSON.to_wire` writes back only the keys that were given,
so ``isRequired: false`` stays when an author wrote it and never appears when they did not.

The semantic rules the registry applies on top of the schema live in :mod:`mcpship.server_json.rules`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

__all__ = [
    "CURRENT_SCHEMA_URL",
    "CURRENT_SCHEMA_VERSION",
    "KNOWN_SCHEMA_VERSIONS",
    "PUBLISHER_META_KEY",
    "Argument",
    "Icon",
    "Input",
    "InputWithVariables",
    "KeyValueInput",
    "LocalTransport",
    "NamedArgument",
    "Package",
    "PositionalArgument",
    "Remote",
    "Repository",
    "ServerJSON",
    "ServerMeta",
    "SseRemote",
    "SseTransport",
    "StdioTransport",
    "StreamableHttpRemote",
    "StreamableHttpTransport",
    "dump_server_json",
    "schema_url",
    "wire_keys",
]

CURRENT_SCHEMA_VERSION = "2025-12-11"
# Every dated schema the official registry embeds (internal/validators/schemas/); others are rejected.
KNOWN_SCHEMA_VERSIONS: tuple[str, ...] = (
    "2025-07-09",
    "2025-09-16",
    "2025-09-29",
    "2025-10-11",
    "2025-10-17",
    "2025-12-11",
)
PUBLISHER_META_KEY = "io.modelcontextprotocol.registry/publisher-provided"

TRANSPORT_URL_PATTERN = r"^https?://[^\s]+$"
SHA256_PATTERN = r"^[a-f0-9]{64}$"
ICON_SIZE_PATTERN = r"^(\d+x\d+|any)$"
NAME_SCHEMA_PATTERN = r"^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$"


def schema_url(version: str = CURRENT_SCHEMA_VERSION) -> str:
    return f"https://static.modelcontextprotocol.io/schemas/{version}/server.schema.json"


CURRENT_SCHEMA_URL = schema_url()


class _Wire(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        strict=True,  # the schema's types, not Python's coercions ("true" is not a boolean)
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=True,  # for code that builds documents; from_wire() accepts wire names only
        serialize_by_alias=True,
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: object) -> object:
        # Absent keys are None here, but a JSON null is a type error in the schema: say so instead of hiding it.
        if value is None:
            raise PydanticCustomError("null_not_allowed", "null is not allowed here")
        return value


def _type_tag(value: object) -> str | None:
    """The ``type`` key that picks a transport or argument class (a callable, so ``type`` keeps its checks)."""
    tag = value.get("type") if isinstance(value, Mapping) else getattr(value, "type", None)
    return tag if isinstance(tag, str) else None


class Input(_Wire):
    description: str | None = None
    is_required: bool | None = None
    format: Literal["string", "number", "boolean", "filepath"] | None = None
    value: str | None = None
    """Fixed value; ``{name}`` placeholders are filled from ``variables``."""
    is_secret: bool | None = None
    default: str | None = None
    placeholder: str | None = None
    choices: list[str] | None = None


class InputWithVariables(Input):
    variables: dict[str, Input] | None = None


class KeyValueInput(InputWithVariables):
    """An environment variable or an HTTP header."""

    name: str


class PositionalArgument(InputWithVariables):
    type: Literal["positional"]
    value_hint: str | None = None
    """A label for the value; also a transport URL template variable."""
    is_repeated: bool | None = None

    @model_validator(mode="after")
    def _value_or_hint(self) -> PositionalArgument:
        if self.value is None and self.value_hint is None:
            raise PydanticCustomError("positional_needs_value", "a positional argument needs a value or a valueHint")
        return self


class NamedArgument(InputWithVariables):
    type: Literal["named"]
    name: str
    """The flag with its dashes, e.g. ``--port``."""
    is_repeated: bool | None = None


Argument = Annotated[
    Annotated[PositionalArgument, Tag("positional")] | Annotated[NamedArgument, Tag("named")],
    Discriminator(_type_tag),
]

TransportUrl = Annotated[str, Field(pattern=TRANSPORT_URL_PATTERN)]


class StdioTransport(_Wire):
    type: Literal["stdio"]


class StreamableHttpTransport(_Wire):
    type: Literal["streamable-http"]
    url: TransportUrl
    headers: list[KeyValueInput] | None = None


class SseTransport(_Wire):
    type: Literal["sse"]
    url: TransportUrl
    headers: list[KeyValueInput] | None = None


LocalTransport = Annotated[
    Annotated[StdioTransport, Tag("stdio")]
    | Annotated[StreamableHttpTransport, Tag("streamable-http")]
    | Annotated[SseTransport, Tag("sse")],
    Discriminator(_type_tag),
]


class StreamableHttpRemote(StreamableHttpTransport):
    variables: dict[str, Input] | None = None
    """Values for ``{name}`` placeholders in ``url``."""


class SseRemote(SseTransport):
    variables: dict[str, Input] | None = None


Remote = Annotated[
    Annotated[StreamableHttpRemote, Tag("streamable-http")] | Annotated[SseRemote, Tag("sse")],
    Discriminator(_type_tag),
]


class Repository(_Wire):
    url: str
    source: str
    """``github`` or ``gitlab`` (the only sources the official registry accepts)."""
    id: str | None = None
    subfolder: str | None = None


class Icon(_Wire):
    src: Annotated[str, Field(max_length=255)]
    mime_type: Literal["image/png", "image/jpeg", "image/jpg", "image/svg+xml", "image/webp"] | None = None
    sizes: list[Annotated[str, Field(pattern=ICON_SIZE_PATTERN)]] | None = None
    theme: Literal["light", "dark"] | None = None


class Package(_Wire):
    registry_type: Annotated[str, Field(min_length=1)]
    registry_base_url: str | None = None
    identifier: Annotated[str, Field(min_length=1)]
    """Package name (npm, pypi, nuget), image reference (oci) or download URL (mcpb)."""
    version: Annotated[str, Field(min_length=1)] | None = None
    file_sha256: Annotated[str, Field(pattern=SHA256_PATTERN)] | None = None
    runtime_hint: str | None = None
    transport: LocalTransport
    runtime_arguments: list[Argument] | None = None
    package_arguments: list[Argument] | None = None
    environment_variables: list[KeyValueInput] | None = None


class ServerMeta(_Wire):
    publisher_provided: dict[str, Any] | None = Field(
        default=None, validation_alias=PUBLISHER_META_KEY, serialization_alias=PUBLISHER_META_KEY
    )


class ServerJSON(_Wire):
    schema_url: str | None = Field(default=None, validation_alias="$schema", serialization_alias="$schema")
    name: Annotated[str, Field(min_length=3, max_length=200, pattern=NAME_SCHEMA_PATTERN)]
    description: Annotated[str, Field(min_length=1, max_length=100)]
    version: Annotated[str, Field(max_length=255)]
    title: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    website_url: str | None = None
    repository: Repository | None = None
    icons: list[Icon] | None = None
    packages: list[Package] | None = None
    remotes: list[Remote] | None = None
    meta: ServerMeta | None = Field(default=None, validation_alias="_meta", serialization_alias="_meta")

    @classmethod
    def from_wire(cls, data: object) -> ServerJSON:
        """Parse a decoded server.json; only wire (camelCase) names count, as in the official registry."""
        return cls.model_validate(data, by_alias=True, by_name=False)

    def to_wire(self) -> dict[str, Any]:
        """The JSON object, with exactly the keys that were given (unknown ones included)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


@cache
def wire_keys(model: type[BaseModel]) -> frozenset[str]:
    """The JSON keys ``model`` declares (for telling typos from extensions)."""
    keys: set[str] = set()
    for name, info in model.model_fields.items():
        alias = info.serialization_alias or info.alias
        keys.add(alias if alias else name)
    return frozenset(keys)


def dump_server_json(server: ServerJSON | Mapping[str, Any]) -> str:
    """Canonical text: sorted keys, 2-space indent, UTF-8 as is, trailing newline; same input, same bytes."""
    document = server.to_wire() if isinstance(server, ServerJSON) else dict(server)
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

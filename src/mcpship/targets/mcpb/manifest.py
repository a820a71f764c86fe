"""MCPB ``manifest.json``, typed, written from the documented rules of manifest versions 0.1 to 0.4.

The official validator is a strict Zod schema: unknown keys are errors at every level, nothing is coerced.
One model covers every version; what differs between versions (a field added later, the ``uv`` type)
is checked afterwards so the error says which version added it. Used to write manifests and to check them.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from mcpship._problems import Problem, json_path

__all__ = [
    "MANIFEST_VERSIONS",
    "Author",
    "Compatibility",
    "Manifest",
    "ManifestIcon",
    "McpConfig",
    "McpConfigOverride",
    "Prompt",
    "Repository",
    "Runtimes",
    "Server",
    "Tool",
    "UserConfigOption",
    "manifest_problems",
    "manifest_version_of",
]

MANIFEST_VERSIONS = ("0.1", "0.2", "0.3", "0.4")
# field -> the first manifest version that accepts it
_ADDED_IN = {"privacy_policies": "0.2", "icons": "0.3", "localization": "0.3", "_meta": "0.3"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")


def _url(value: str) -> str:
    if not _URL.match(value):
        raise ValueError(f"{value!r} is not a URL")
    return value


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


Url = Annotated[str, AfterValidator(_url)]
Email = Annotated[str, AfterValidator(_email)]


class _Strict(BaseModel):
    # Mirrors the official z.strictObject schemas: unknown keys and type coercion are both errors.
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class Author(_Strict):
    name: str
    email: Email | None = None
    url: Url | None = None


class Repository(_Strict):
    type: str
    url: Url


class ManifestIcon(_Strict):
    src: str
    size: Annotated[str, Field(pattern=r"^\d+x\d+$")]
    theme: Annotated[str, Field(min_length=1)] | None = None


class Localization(_Strict):
    resources: str
    default_locale: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{2,8}(?:-[A-Za-z0-9]{1,8})*$")]

    @field_validator("resources")
    @classmethod
    def _has_locale(cls, value: str) -> str:
        if "${locale}" not in value.lower():
            raise ValueError("resources must contain the ${locale} placeholder")
        return value


class McpConfigOverride(_Strict):
    command: str | None = None
    args: list[str] | None = None
    env: dict[str, str] | None = None


class McpConfig(_Strict):
    command: str
    args: list[str] | None = None
    env: dict[str, str] | None = None
    platform_overrides: dict[str, McpConfigOverride] | None = None


class Server(_Strict):
    type: Literal["python", "node", "binary", "uv"]
    entry_point: str
    mcp_config: McpConfig


class Tool(_Strict):
    name: str
    description: str | None = None


class Prompt(_Strict):
    name: str
    description: str | None = None
    arguments: list[str] | None = None
    text: str


class Runtimes(_Strict):
    python: str | None = None
    node: str | None = None


class Compatibility(_Strict):
    claude_desktop: str | None = None
    platforms: list[Literal["darwin", "win32", "linux"]] | None = None
    runtimes: Runtimes | None = None


class UserConfigOption(_Strict):
    type: Literal["string", "number", "boolean", "directory", "file"]
    title: str
    description: str
    required: bool | None = None
    default: Any = None
    multiple: bool | None = None
    sensitive: bool | None = None
    min: float | None = None
    max: float | None = None

    @field_validator("default")
    @classmethod
    def _default_shape(cls, value: Any) -> Any:
        # A plain union would report one error per member; one sentence is clearer.
        valid = isinstance(value, str | bool | int | float) or (
            isinstance(value, list) and all(isinstance(item, str) for item in value)
        )
        if value is not None and not valid:
            raise ValueError("default must be a string, a number, a boolean or a list of strings")
        return value


class Manifest(_Strict):
    """Field order is the order written to manifest.json: identity first, then what runs, then the rest."""

    schema_: str | None = Field(default=None, alias="$schema")
    manifest_version: str | None = None
    dxt_version: str | None = None
    name: str
    display_name: str | None = None
    version: str
    description: str
    long_description: str | None = None
    author: Author
    repository: Repository | None = None
    homepage: Url | None = None
    documentation: Url | None = None
    support: Url | None = None
    icon: str | None = None
    icons: list[ManifestIcon] | None = None
    screenshots: list[str] | None = None
    localization: Localization | None = None
    server: Server
    tools: list[Tool] | None = None
    tools_generated: bool | None = None
    prompts: list[Prompt] | None = None
    prompts_generated: bool | None = None
    keywords: list[str] | None = None
    license: str | None = None
    privacy_policies: list[Url] | None = None
    compatibility: Compatibility | None = None
    user_config: dict[str, UserConfigOption] | None = None
    meta: dict[str, dict[str, Any]] | None = Field(default=None, alias="_meta")

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return data


def manifest_version_of(data: dict[str, Any]) -> str | None:
    """The version a host reads the manifest as: ``manifest_version`` if known, else ``dxt_version``."""
    for key in ("manifest_version", "dxt_version"):
        value = data.get(key)
        if isinstance(value, str) and value in MANIFEST_VERSIONS:
            return value
    return None


def manifest_problems(data: object, *, source: str) -> list[Problem]:
    """Everything the official strict schema of the manifest's own version rejects, with JSON paths."""
    if not isinstance(data, dict):
        return [Problem(file=source, path="$", message="a manifest must be a JSON object")]
    version = manifest_version_of(data)
    if version is None:
        found = data.get("manifest_version", data.get("dxt_version"))
        message = (
            "manifest_version is missing"
            if found is None
            else f"manifest_version {found!r} is not a version hosts know ({', '.join(MANIFEST_VERSIONS)})"
        )
        return [Problem(file=source, path=json_path("manifest_version"), message=message, hint=_VERSION_HINT)]
    problems = [_problem(detail, source) for detail in _errors(data)]
    problems.extend(_version_rules(data, version, source))
    return problems


_VERSION_HINT = 'set "manifest_version": "0.3" (0.4 only for the uv server type)'


def _errors(data: dict[str, Any]) -> list[ErrorDetails]:
    try:
        Manifest.model_validate(data)
    except ValidationError as exc:
        return exc.errors()
    return []


def _version_rules(data: dict[str, Any], version: str, source: str) -> list[Problem]:
    problems: list[Problem] = []
    for key in ("manifest_version", "dxt_version"):
        if key in data and data[key] != version:
            problems.append(
                Problem(
                    file=source,
                    path=json_path(key),
                    message=f"{key} {data[key]!r} disagrees with the manifest's version {version}",
                    hint=f'drop {key}, or set it to "{version}"',
                )
            )
    for key, added in _ADDED_IN.items():
        if key in data and version < added:
            problems.append(
                Problem(
                    file=source,
                    path=json_path(key),
                    message=f"{key} is not allowed in manifest_version {version} (it was added in {added})",
                    hint=f'remove {key}, or set "manifest_version": "{added}" or later',
                )
            )
    server = data.get("server")
    if isinstance(server, dict) and server.get("type") == "uv" and version != "0.4":
        problems.append(
            Problem(
                file=source,
                path=json_path("server", "type"),
                message=f'server type "uv" is not allowed in manifest_version {version} (it was added in 0.4)',
                hint='set "manifest_version": "0.4", or use the python type with bundled dependencies',
            )
        )
    return problems


def _problem(detail: ErrorDetails, source: str) -> Problem:
    location = ["$schema" if part == "schema_" else "_meta" if part == "meta" else part for part in detail["loc"]]
    kind = detail["type"]
    if kind == "extra_forbidden":
        message = f"unknown key {location[-1]!r} (the MCPB schema rejects keys it does not define)"
        hint: str | None = "remove it; MANIFEST.md of the MCPB spec lists the keys each object accepts"
    elif kind == "missing":
        message = f"required key {location[-1]!r} is missing"
        hint = None
    else:
        message = detail["msg"].removeprefix("Value error, ")
        hint = None
    return Problem(file=source, path=json_path(*location), message=message, hint=hint)

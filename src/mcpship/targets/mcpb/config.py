"""``[targets.mcpb]``: the few things an MCPB bundle needs that the spec does not say."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["PLATFORMS", "AuthorConfig", "IconConfig", "McpbConfig", "Platform"]


@dataclass(frozen=True)
class Platform:
    """One per-platform bundle flavour: the manifest's OS name and how uv / npm select wheels and binaries."""

    name: str
    os: Literal["darwin", "linux", "win32"]
    uv_platform: str
    npm_os: str
    npm_cpu: str


# manylinux_2_28 (glibc >= 2.28: Debian 10+, Ubuntu 18.10+, RHEL 8+) also accepts the older manylinux2014 wheels.
PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        Platform("linux-x86_64", "linux", "x86_64-manylinux_2_28", "linux", "x64"),
        Platform("linux-arm64", "linux", "aarch64-manylinux_2_28", "linux", "arm64"),
        Platform("darwin-x86_64", "darwin", "x86_64-apple-darwin", "darwin", "x64"),
        Platform("darwin-arm64", "darwin", "aarch64-apple-darwin", "darwin", "arm64"),
        Platform("win32-x86_64", "win32", "x86_64-pc-windows-msvc", "win32", "x64"),
        Platform("win32-arm64", "win32", "aarch64-pc-windows-msvc", "win32", "arm64"),
    )
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AuthorConfig(_Config):
    name: str = Field(min_length=1)
    email: str | None = None
    url: str | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError(f"{value!r} is not an email address")
        return value


class IconConfig(_Config):
    src: str = Field(min_length=1, description="A PNG file in the project, relative to its root.")
    size: str | None = Field(default=None, pattern=r"^\d+x\d+$", description="Read from the PNG when omitted.")
    theme: str | None = Field(default=None, min_length=1)


class McpbConfig(_Config):
    manifest_version: Literal["0.2", "0.3", "0.4"] = "0.3"
    """0.3 is what current hosts accept; 0.4 only adds the ``uv`` server type; 0.2 for older validators."""
    server_type: Literal["python", "node", "uv"] | None = None
    """Default: the spec's run.runtime. ``uv`` (0.4) ships the project and lets the host install it with uv."""
    author: AuthorConfig | None = None
    """Default: pyproject.toml ``[project].authors[0]`` or package.json ``author``."""
    platforms: list[str] = Field(default_factory=list)
    """One bundle per platform (``linux-x86_64``, ...) with that platform's wheels; empty = one portable bundle."""
    python_versions: list[str] = Field(default_factory=list)
    """Python minors for per-platform bundles (``["3.11", "3.12"]``); default: the oldest requires-python allows."""
    icons: list[IconConfig] = Field(default_factory=list)
    prompt_text: dict[str, str] = Field(default_factory=dict)
    """The manifest's required prompt ``text`` by prompt name; default: the prompt's description + arguments."""
    long_description: str | None = None
    documentation: str | None = None
    support: str | None = None
    privacy_policies: list[str] = Field(default_factory=list)
    claude_desktop: str | None = None
    """``compatibility.claude_desktop``, a semver range such as ``">=0.10.0"``."""
    sign_key: str | None = Field(default=None, min_length=1)
    """PEM private key that signs every bundle (relative to the project, ``~`` allowed); ``--sign-key`` overrides."""
    sign_cert: str | None = Field(default=None, min_length=1)
    """PEM certificate of ``sign_key``; ``--sign-cert`` overrides."""
    sign_chain: list[str] = Field(default_factory=list)
    """Intermediate certificates to embed; ``--sign-chain`` overrides."""

    @field_validator("platforms")
    @classmethod
    def _known_platforms(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in PLATFORMS:
                raise ValueError(f"unknown platform {name!r}; use one of: {', '.join(PLATFORMS)}")
        return value

    @field_validator("python_versions")
    @classmethod
    def _python_minors(cls, value: list[str]) -> list[str]:
        for version in value:
            if not re.fullmatch(r"3\.\d{1,2}", version):
                raise ValueError(f"{version!r} is not a Python minor version such as 3.11")
        return value

    @model_validator(mode="after")
    def _uv_needs_04(self) -> McpbConfig:
        if self.server_type == "uv" and self.manifest_version != "0.4":
            raise ValueError('server_type = "uv" needs manifest_version = "0.4" (the uv type is new in 0.4)')
        return self

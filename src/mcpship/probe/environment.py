"""The environment a server process gets.

The SDK's stdio client forwards only HOME, PATH, SHELL, TERM, USER and LOGNAME, which breaks launchers:
``uvx`` and ``npx`` cannot reach a registry without the machine's certificate and proxy settings, and a
server never sees the variables its spec declares. mcpship passes, explicitly and nothing more:

1. that same safe base set, plus locale, temp-dir and XDG folders;
2. TLS, proxy and package-manager settings (``SSL_CERT_FILE``, ``HTTPS_PROXY``, ``UV_*``, ``npm_config_*`` ...);
3. each variable the spec declares, from the caller's environment, else its default;
4. ``--env KEY=VALUE`` overrides.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

from mcpship._exceptions import UsageError


class Declared(Protocol):
    """A declared variable: the spec's ``EnvVar``, or the plan cache's lighter copy."""

    @property
    def name(self) -> str: ...

    @property
    def default(self) -> str | None: ...


__all__ = ["Declared", "child_environment", "parse_env_assignments"]

_BASE = {"HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER", "LANG", "LANGUAGE", "TMPDIR", "TZ", "PWD"}
_PREFIXES = ("LC_", "XDG_", "UV_", "PIP_", "NPM_CONFIG_", "npm_config_", "NODE_EXTRA_CA_CERTS", "PYTHONIOENCODING")
_TLS_AND_PROXY = re.compile(
    r"^(SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|(HTTPS?|ALL|NO)_PROXY|(https?|all|no)_proxy)$"
)


def child_environment(
    *,
    declared: Iterable[Declared] = (),
    overrides: Mapping[str, str] | None = None,
    inherit_all: bool = False,
    source: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Build a server's environment from ``source`` (default: ``os.environ``) by the rules above."""
    parent = dict(os.environ if source is None else source)
    if inherit_all:
        env = parent
    else:
        env = {key: value for key, value in parent.items() if _passes(key) and not value.startswith("()")}
    for variable in declared:
        if variable.name in parent:
            env[variable.name] = parent[variable.name]
        elif variable.default is not None:
            env[variable.name] = str(Path(variable.default).expanduser())
    env.update(overrides or {})
    return env


def parse_env_assignments(assignments: Iterable[str]) -> dict[str, str]:
    """``["A=1", "B=x=y"]`` -> ``{"A": "1", "B": "x=y"}``; a missing ``=`` is a usage error."""
    parsed: dict[str, str] = {}
    for item in assignments:
        key, sep, value = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise UsageError(f"--env {item!r} is not KEY=VALUE", hint="write it as --env NAME=value")
        parsed[key] = value
    return parsed


def _passes(key: str) -> bool:
    return key in _BASE or key.startswith(_PREFIXES) or bool(_TLS_AND_PROXY.match(key))

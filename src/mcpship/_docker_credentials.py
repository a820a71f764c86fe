"""Registry credentials where ``docker login`` keeps them: ``config.json`` in ``$DOCKER_CONFIG`` (default
``~/.docker``).

Looked up as the Docker CLI does: a per-registry ``credHelpers`` entry, else the ``credsStore`` helper, else the
``auths`` entry (``auth`` is base64 ``user:password``). Helpers speak the docker-credential-helpers protocol:
``docker-credential-NAME get`` reads the server address on stdin and writes ``{"ServerURL", "Username",
"Secret"}``. Docker Hub's entry is keyed ``https://index.docker.io/v1/``.
"""

from __future__ import annotations

import base64
import binascii
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcpship._exceptions import McpshipError
from mcpship._safe_load import read_json_file
from mcpship._untrusted_json import loads_untrusted

__all__ = ["DOCKER_HUB_KEY", "RegistryCredentials", "docker_config_file", "docker_credentials"]

DOCKER_HUB_KEY = "https://index.docker.io/v1/"
_DOCKER_HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
_HELPER_TIMEOUT = 30.0
_MAX_HELPER_OUTPUT = 64 * 1024
_MAX_CONFIG_BYTES = 4 << 20


@dataclass(frozen=True)
class RegistryCredentials:
    username: str
    password: str = field(repr=False)
    source: str
    """Where they came from, for messages (never the secret): ``/root/.docker/config.json (auths)``."""


def docker_config_file() -> Path:
    directory = os.environ.get("DOCKER_CONFIG")
    return (Path(directory) if directory else Path.home() / ".docker") / "config.json"


def docker_credentials(registry: str, *, error: type[McpshipError]) -> RegistryCredentials | None:
    """The credentials ``docker login REGISTRY`` stored, or None (no config file, no entry: pull anonymously).

    ``registry`` is the host as the image reference names it (``docker.io``, ``ghcr.io``, ``127.0.0.1:5000``).
    A config file that is not JSON, an ``auth`` that is not base64 ``user:password``, or a helper that fails
    otherwise than "not found" raise ``error``.
    """
    path = docker_config_file()
    if not path.is_file():
        return None
    config = read_json_file(path, error=error, max_bytes=_MAX_CONFIG_BYTES)
    if not isinstance(config, dict):
        raise error(f"{path} is not a JSON object", hint="fix it, or log in again with `docker login`")
    key = DOCKER_HUB_KEY if registry in _DOCKER_HUB_HOSTS else registry
    helpers = config.get("credHelpers")
    helper = helpers.get(registry) if isinstance(helpers, dict) else None
    if helper is None and isinstance(helpers, dict) and registry in _DOCKER_HUB_HOSTS:
        helper = next((helpers[name] for name in _DOCKER_HUB_HOSTS if name in helpers), None)
    helper = helper or config.get("credsStore")
    if isinstance(helper, str) and helper:
        return _from_helper(helper, key, path, error)
    return _from_auths(config.get("auths"), registry, path, error)


def _from_auths(auths: Any, registry: str, path: Path, error: type[McpshipError]) -> RegistryCredentials | None:
    if not isinstance(auths, dict):
        return None
    entry = next((value for name, value in auths.items() if _hostname(str(name)) == _canonical(registry)), None)
    if not isinstance(entry, dict):
        return None
    where = f"{path} (auths)"
    encoded = entry.get("auth")
    if isinstance(encoded, str) and encoded:
        try:
            username, colon, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            colon, username, password = "", "", ""
        if not colon or not username:
            raise error(
                f"{path}: the auths entry for {registry} is not base64 of user:password",
                hint=f"log in again: docker login {registry}",
            )
        return RegistryCredentials(username, password, where)
    user, secret = entry.get("username"), entry.get("password")
    if isinstance(user, str) and user and isinstance(secret, str):
        return RegistryCredentials(user, secret, where)
    return None  # an entry with only an identitytoken: OAuth2 refresh tokens are not supported; pull anonymously


def _from_helper(helper: str, key: str, path: Path, error: type[McpshipError]) -> RegistryCredentials | None:
    program = f"docker-credential-{helper}"
    executable = shutil.which(program)
    if executable is None:
        raise error(
            f"{path} names the credential helper {helper!r}, but {program} is not on PATH",
            hint=f"install {program}, or remove the helper from {path} and log in again",
        )
    try:
        completed = subprocess.run(
            [executable, "get"], input=key.encode(), capture_output=True, timeout=_HELPER_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise error(f"the credential helper {program} did not answer: {exc}", hint=f"run `{program} get`") from exc
    output = completed.stdout[:_MAX_HELPER_OUTPUT]
    if completed.returncode != 0:
        said = (output or completed.stderr[:_MAX_HELPER_OUTPUT]).decode(errors="replace").strip()
        if "credentials not found" in said.lower():
            return None  # the helper knows nothing for this registry: pull anonymously
        raise error(f"the credential helper {program} failed for {key}: {said[:300]}", hint=f"run `{program} get`")
    try:
        answer = loads_untrusted(output)
        username, secret = answer.get("Username"), answer.get("Secret")
    except (ValueError, AttributeError):
        username = secret = None
    if not isinstance(username, str) or not isinstance(secret, str):
        raise error(f"the credential helper {program} answered no Username and Secret for {key}")
    if not username or not secret or username == "<token>":
        return None  # nothing stored, or an OAuth2 identity token (not supported): pull anonymously
    return RegistryCredentials(username, secret, f"{program}")


def _hostname(key: str) -> str:
    """An ``auths`` key as a host: ``https://index.docker.io/v1/`` → ``docker.io``, ``http://h:5000`` → ``h:5000``."""
    host = key.removeprefix("https://").removeprefix("http://").split("/", 1)[0]
    return _canonical(host)


def _canonical(host: str) -> str:
    host = host.lower()
    return "docker.io" if host in _DOCKER_HUB_HOSTS else host

"""Registry tokens kept per registry URL, as ``mcp-publisher`` keeps its one token: a 0600 JSON file in the
user's config folder, written atomically under a lock, never dropping another registry's entry."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import platformdirs

from mcpship._atomic import write_text_atomic
from mcpship._exceptions import UsageError
from mcpship._safe_load import parse_json

__all__ = [
    "DEFAULT_REGISTRY",
    "REGISTRY_ENV",
    "TOKEN_FILE",
    "RegistryToken",
    "TokenStore",
    "normalize_registry_url",
    "registry_in_use",
    "token_store_path",
]

DEFAULT_REGISTRY = "https://registry.modelcontextprotocol.io"
TOKEN_FILE = "registry-tokens.json"
REGISTRY_ENV = "MCPSHIP_REGISTRY"
_LAST_LOGIN = "last_login"
"""The key of the registry logged into last: not a URL, so it never meets a registry's entry."""


def normalize_registry_url(url: str) -> str:
    """The key a registry is known by: scheme and host lower-cased, no trailing slash, no query."""
    parsed = httpx.URL(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise UsageError(f"{url!r} is not a registry URL", hint=f"give an http(s) URL, e.g. {DEFAULT_REGISTRY}")
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}{parsed.path.rstrip('/')}"


@dataclass(frozen=True)
class RegistryToken:
    """A registry token (a short-lived JWT) and what produced it."""

    registry: str
    token: str
    method: str
    expires_at: int | None = None
    """Unix seconds, as the registry reported them (``expires_at`` of the exchange response)."""

    def expired(self, now: float | None = None, *, margin: float = 5.0) -> bool:
        """True when the token is gone or will be within ``margin`` seconds (no point sending it)."""
        moment = time.time() if now is None else now
        return self.expires_at is not None and self.expires_at <= moment + margin


def registry_in_use(
    explicit: str | None = None, *, store: TokenStore | None = None, environ: Mapping[str, str] | None = None
) -> str:
    """The registry a command talks to when it names none, the same for ``publish --channel registry`` and
    ``search``: ``explicit`` (``--registry``), else ``$MCPSHIP_REGISTRY``, else the registry of the last
    ``mcpship login``, else the official registry. Normalized (:func:`normalize_registry_url`)."""
    chosen = explicit or (os.environ if environ is None else environ).get(REGISTRY_ENV, "").strip()
    if not chosen:
        chosen = (store or TokenStore()).most_recent() or DEFAULT_REGISTRY
    return normalize_registry_url(chosen)


def token_store_path() -> Path:
    """``registry-tokens.json`` in mcpship's config folder (``MCPSHIP_CONFIG_DIR`` overrides, e.g. for tests)."""
    override = os.environ.get("MCPSHIP_CONFIG_DIR")
    return Path(override or platformdirs.user_config_dir("mcpship")) / TOKEN_FILE


@dataclass(frozen=True)
class TokenStore:
    """``{registry URL: {"token", "method", "expires_at", "logged_in_at"}, "last_login": registry URL}`` in one
    JSON file, mode 0600.

    Writes are atomic and under an exclusive lock, and entries of other registries (keys we do not know
    included) are written back untouched, so two logins at once never lose one another.
    """

    path: Path = field(default_factory=token_store_path)

    def get(self, registry: str) -> RegistryToken | None:
        key = normalize_registry_url(registry)
        entry = self._read().get(key)
        if not isinstance(entry, dict) or not isinstance(entry.get("token"), str):
            return None
        expires = entry.get("expires_at")
        return RegistryToken(
            key, entry["token"], str(entry.get("method", "")), int(expires) if isinstance(expires, int) else None
        )

    def put(self, token: RegistryToken, *, now: float | None = None) -> None:
        with self._locked():
            entries = self._read()
            key = normalize_registry_url(token.registry)
            entries[key] = {
                "token": token.token,
                "method": token.method,
                "expires_at": token.expires_at,
                "logged_in_at": int(time.time() if now is None else now),
            }
            entries[_LAST_LOGIN] = key  # in the same atomic write as the token it names
            self._write(entries)

    def most_recent(self) -> str | None:
        """The registry of the latest login (``publish`` and ``search`` go there when no registry is given, as
        ``mcp-publisher``, which keeps only its last login, does). Files written before the explicit record
        fall back to the newest ``logged_in_at``."""
        entries = self._read()
        last = entries.get(_LAST_LOGIN)
        if isinstance(last, str) and isinstance(entries.get(last), dict):
            return last
        stamped = [
            (entry["logged_in_at"], registry)
            for registry, entry in entries.items()
            if isinstance(entry, dict) and isinstance(entry.get("logged_in_at"), int)
        ]
        return max(stamped)[1] if stamped else None

    def remove(self, registry: str) -> bool:
        key = normalize_registry_url(registry)
        with self._locked():
            entries = self._read()
            if entries.pop(key, None) is None:
                return False
            if entries.get(_LAST_LOGIN) == key:  # the previous login (by its date) is the last one again
                del entries[_LAST_LOGIN]
            self._write(entries)
            return True

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as error:
            hint = "check the file's permissions"
            raise UsageError(f"cannot read {self.path}: {error.strerror}", hint=hint) from error
        try:
            data = parse_json(text, source=str(self.path), error=UsageError)
        except UsageError as error:
            raise UsageError(
                f"{error.message}; mcpship will not overwrite it", hint="fix or delete the file, then log in again"
            ) from error
        if not isinstance(data, dict):
            raise UsageError(f"{self.path} must hold a JSON object", hint="fix or delete the file, then log in again")
        return data

    def _write(self, entries: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # The file exists with 0600 before any token is in it; write_text_atomic keeps an existing file's mode.
        os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        self.path.chmod(0o600)
        write_text_atomic(self.path, json.dumps(entries, indent=2, sort_keys=True) + "\n")

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """An exclusive lock on ``<file>.lock`` around read-modify-write (POSIX; elsewhere writes are only atomic)."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            import fcntl
        except ImportError:  # Windows
            yield
            return
        with self.path.with_name(self.path.name + ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

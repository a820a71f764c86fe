"""``mcpship login`` / ``logout`` as library calls: build the proof a login method needs, exchange it for a
registry token, and keep the token (and which registry was logged into last) in the
:class:`~mcpship.registry_client.tokens.TokenStore`.

Nothing here talks to the user: GitHub's device flow shows its code through the ``show_device_code`` callback the
caller passes (a CLI prints it; without the callback a GitHub login needs a token).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from mcpship._exceptions import RegistryError, UsageError
from mcpship.registry_client.client import LOGIN_METHODS, LoginMethod, RegistryClient
from mcpship.registry_client.proofs import (
    DeviceCode,
    domain_proof,
    github_actions_oidc_token,
    github_device_flow,
    load_signing_key,
    public_key_record,
)
from mcpship.registry_client.tokens import DEFAULT_REGISTRY, TokenStore, normalize_registry_url

__all__ = ["LoginOutcome", "LoginRequest", "LogoutOutcome", "login_registry", "logout_registry"]

_GITHUB_TOKEN_ENV = ("MCP_GITHUB_TOKEN", "GITHUB_TOKEN")
_TOKEN_HINT = 'pass --token "$(gh auth token)" or set MCP_GITHUB_TOKEN (scopes read:org, read:user)'


@dataclass(frozen=True)
class LoginRequest:
    """What one login needs; which fields a method reads is in each field's note."""

    method: LoginMethod
    registry: str = DEFAULT_REGISTRY
    token: str | None = None
    """``admin``: the admin secret (required). ``github``: a GitHub token (default: ``$MCP_GITHUB_TOKEN``, then
    ``$GITHUB_TOKEN``, then the device flow). ``github-oidc``: an OIDC token (default: asked of GitHub Actions)."""
    domain: str | None = None
    """``dns``/``http``: the domain whose key signs the proof."""
    private_key_file: Path | None = None
    """``dns``/``http``: Ed25519 seed as 64 hex characters, a P-384 one as 96, or a PEM private key."""


@dataclass(frozen=True)
class LoginOutcome:
    registry: str
    method: str
    expires_at: datetime | None
    """When the registry token stops working (UTC), as the registry said; None if it did not say."""
    token_file: Path
    """Where the token is kept (mode 0600)."""


@dataclass(frozen=True)
class LogoutOutcome:
    registry: str
    removed: bool
    """False when no token was stored for ``registry``."""


def login_registry(
    request: LoginRequest,
    *,
    store: TokenStore | None = None,
    client: httpx.Client | None = None,
    environ: Mapping[str, str] | None = None,
    show_device_code: Callable[[DeviceCode], None] | None = None,
) -> LoginOutcome:
    """Exchange the proof ``request.method`` needs (registry.md §3.1-3.3) for a registry token and store it; the
    registry becomes the one ``publish`` and ``search`` use by default.

    ``show_device_code``: how to show GitHub's device code when a ``github`` login has no token; without it such a
    login is a :class:`~mcpship.UsageError`. A refused or failed exchange is a :class:`~mcpship.RegistryError`
    (a refused ``dns``/``http`` login names the exact record the key needs)."""
    if request.method not in LOGIN_METHODS:
        raise UsageError(f"unknown login method {request.method!r}", hint=f"use one of: {', '.join(LOGIN_METHODS)}")
    _check(request)
    env = os.environ if environ is None else environ
    with RegistryClient(normalize_registry_url(request.registry), client=client) as registry:
        proof = _proof(request, registry, env, show_device_code)
        try:
            issued = registry.login(request.method, proof)
        except RegistryError as error:
            if request.method in ("dns", "http") and error.status == 401:
                error.hint = _record_hint(request)
            raise
    tokens = store or TokenStore()
    tokens.put(issued)
    expires = datetime.fromtimestamp(issued.expires_at, UTC) if issued.expires_at is not None else None
    return LoginOutcome(registry=issued.registry, method=issued.method, expires_at=expires, token_file=tokens.path)


def logout_registry(registry: str = DEFAULT_REGISTRY, *, store: TokenStore | None = None) -> LogoutOutcome:
    """Forget the stored token of ``registry``."""
    key = normalize_registry_url(registry)
    return LogoutOutcome(registry=key, removed=(store or TokenStore()).remove(key))


def _check(request: LoginRequest) -> None:
    """What a method cannot go without, before any request."""
    method = request.method
    if method == "admin" and not request.token:
        raise UsageError("`login admin` needs the registry's admin token", hint="mcpship login admin --token-stdin")
    if method in ("dns", "http") and (not request.domain or request.private_key_file is None):
        raise UsageError(
            f"`login {method}` needs --domain and --private-key-file",
            hint=f"mcpship login {method} --domain example.com --private-key-file key.hex",
        )


def _proof(
    request: LoginRequest,
    registry: RegistryClient,
    environ: Mapping[str, str],
    show_device_code: Callable[[DeviceCode], None] | None,
) -> dict[str, Any] | None:
    """The exchange body of the method (registry.md §3.1); None for ``none``."""
    assert registry.client is not None
    method = request.method
    if method == "none":
        return None
    if method == "admin":
        return {"admin_token": request.token}
    if method == "github":
        github = request.token or next((environ[name] for name in _GITHUB_TOKEN_ENV if environ.get(name)), None)
        return {"github_token": github or _github_in_browser(registry, show_device_code)}
    if method == "github-oidc":
        return {"oidc_token": request.token or github_actions_oidc_token(environ, registry.client)}
    assert request.domain is not None
    assert request.private_key_file is not None
    return domain_proof(_domain(request.domain), load_signing_key(request.private_key_file))


def _github_in_browser(registry: RegistryClient, show_device_code: Callable[[DeviceCode], None] | None) -> str:
    """GitHub's device flow with the registry's own OAuth app; only when someone can be shown the code."""
    if show_device_code is None:
        raise UsageError("`login github` needs a GitHub token", hint=_TOKEN_HINT)
    client_id = registry.github_client_id()
    if client_id is None:
        raise UsageError(f"{registry.registry} names no GitHub app for browser logins", hint=_TOKEN_HINT)
    assert registry.client is not None
    return github_device_flow(client_id, registry.client, show=show_device_code)


def _record_hint(request: LoginRequest) -> str:
    """Where the registry looks for the key, and the exact record this key needs there."""
    assert request.domain is not None
    assert request.private_key_file is not None
    record = public_key_record(load_signing_key(request.private_key_file))
    domain = _domain(request.domain)
    if request.method == "dns":
        return f"publish this TXT record on {domain}: {record}"
    return f"serve this at https://{domain}/.well-known/mcp-registry-auth: {record}"


def _domain(text: str) -> str:
    return text.strip().lower()

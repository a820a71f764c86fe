"""``mcpship login``: exchange a proof of namespace ownership for a registry token, stored for ``publish``."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from mcpship._exceptions import UsageError
from mcpship.cli._app import app
from mcpship.cli._options import JsonOption
from mcpship.cli._output import echo, json_result
from mcpship.registry_client.client import LOGIN_METHODS, LoginMethod, RegistryClient, RegistryRequestError
from mcpship.registry_client.proofs import (
    DeviceCode,
    domain_proof,
    github_actions_oidc_token,
    github_device_flow,
    load_signing_key,
    public_key_record,
)
from mcpship.registry_client.tokens import DEFAULT_REGISTRY, TokenStore, normalize_registry_url

_EPILOG = """Examples:

  mcpship login github --token "$(gh auth token)"     # io.github.<you>/*
  mcpship login github-oidc                            # in GitHub Actions
  mcpship login dns --domain example.com --private-key-file key.hex
  mcpship login http --domain example.com --private-key-file key.hex
  mcpship login none --registry http://127.0.0.1:8080  # anonymous namespace
  mcpship login admin --registry https://registry.lan --token-stdin < admin.txt
"""

_LOGOUT_EPILOG = """Examples:

  mcpship logout                                       # the official registry
  mcpship logout --registry http://127.0.0.1:8080      # a registry of your own
"""

RegistryOption = Annotated[
    str, typer.Option("--registry", help="The registry's URL.", envvar="MCPSHIP_REGISTRY", show_default=True)
]


@app.command(epilog=_EPILOG)
def login(
    method: Annotated[str, typer.Argument(help=f"How to prove what you may publish: {', '.join(LOGIN_METHODS)}.")],
    registry: RegistryOption = DEFAULT_REGISTRY,
    token: Annotated[
        str | None, typer.Option("--token", help="github: a GitHub token (default: $MCP_GITHUB_TOKEN, $GITHUB_TOKEN).")
    ] = None,
    token_stdin: Annotated[
        bool, typer.Option("--token-stdin", help="admin/github: read the token from stdin.")
    ] = False,
    oidc_token_stdin: Annotated[
        bool, typer.Option("--oidc-token-stdin", help="github-oidc: read an OIDC token from stdin instead.")
    ] = False,
    domain: Annotated[str | None, typer.Option("--domain", help="dns/http: the domain you own.")] = None,
    private_key_file: Annotated[
        Path | None,
        typer.Option("--private-key-file", help="dns/http: Ed25519 seed as 64 hex chars (or P-384: 96), or PEM."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Log in to an MCP registry: the token is kept (mode 0600) for `mcpship publish --channel registry`."""
    chosen = _method(method)
    registry = normalize_registry_url(registry)
    flags = _Flags(token, token_stdin, oidc_token_stdin, domain, private_key_file)
    flags.check(chosen)
    with RegistryClient(registry) as client:
        try:
            issued = client.login(chosen, _proof(chosen, client, flags))
        except RegistryRequestError as error:
            if chosen in ("dns", "http") and error.status == 401:
                error.hint = _record_hint(chosen, flags)
            raise
    store = TokenStore()
    store.put(issued)
    expires = datetime.fromtimestamp(issued.expires_at, UTC) if issued.expires_at is not None else None
    if as_json:
        json_result(
            {
                "registry": issued.registry,
                "method": issued.method,
                "expiresAt": expires.isoformat().replace("+00:00", "Z") if expires else None,
                "tokenFile": str(store.path),
            }
        )
        return
    until = f"; the token is valid until {expires:%H:%M:%S} UTC" if expires else ""
    echo(f"logged in to {issued.registry} ({issued.method}){until}")
    echo("  next: mcpship publish --channel registry")


@app.command(epilog=_LOGOUT_EPILOG)
def logout(registry: RegistryOption = DEFAULT_REGISTRY, as_json: JsonOption = False) -> None:
    """Forget the stored token of a registry."""
    registry = normalize_registry_url(registry)
    removed = TokenStore().remove(registry)
    if as_json:
        json_result({"registry": registry, "removed": removed})
    else:
        echo(f"logged out of {registry}" if removed else f"no token was stored for {registry}")


def _method(text: str) -> LoginMethod:
    for known in LOGIN_METHODS:
        if text == known:
            return known
    raise UsageError(f"unknown login method {text!r}", hint=f"use one of: {', '.join(LOGIN_METHODS)}")


@dataclass(frozen=True)
class _Flags:
    token: str | None
    token_stdin: bool
    oidc_stdin: bool
    domain: str | None
    key: Path | None

    def check(self, method: LoginMethod) -> None:
        given = {
            "--token": self.token is not None,
            "--token-stdin": self.token_stdin,
            "--oidc-token-stdin": self.oidc_stdin,
            "--domain": self.domain is not None,
            "--private-key-file": self.key is not None,
        }
        extra = sorted(flag for flag, present in given.items() if present and flag not in _ALLOWED[method])
        if extra:
            raise UsageError(f"`login {method}` does not take {', '.join(extra)}", hint="see `mcpship login --help`")
        if self.token is not None and self.token_stdin:
            raise UsageError(
                "give the token once: --token or --token-stdin", hint="--token-stdin keeps it out of history"
            )
        if method == "admin" and not self.token_stdin:
            raise UsageError("`login admin` reads the admin token from stdin", hint="mcpship login admin --token-stdin")
        if method in ("dns", "http") and (self.domain is None or self.key is None):
            raise UsageError(
                f"`login {method}` needs --domain and --private-key-file",
                hint=f"mcpship login {method} --domain example.com --private-key-file key.hex",
            )


_ALLOWED: dict[LoginMethod, frozenset[str]] = {
    "none": frozenset(),
    "admin": frozenset({"--token-stdin"}),
    "github": frozenset({"--token", "--token-stdin"}),
    "github-oidc": frozenset({"--oidc-token-stdin"}),
    "dns": frozenset({"--domain", "--private-key-file"}),
    "http": frozenset({"--domain", "--private-key-file"}),
}


def _proof(method: LoginMethod, client: RegistryClient, flags: _Flags) -> dict[str, Any] | None:
    """The exchange body of ``method`` (registry.md §3.1); None for ``none``."""
    if method == "none":
        return None
    if method == "admin":
        return {"admin_token": _stdin_secret("admin token")}
    if method == "github":
        github = _stdin_secret("GitHub token") if flags.token_stdin else flags.token
        github = github or os.environ.get("MCP_GITHUB_TOKEN") or os.environ.get("GITHUB_TOKEN")
        return {"github_token": github or _github_in_browser(client)}
    if method == "github-oidc":
        assert client.client is not None
        oidc = _stdin_secret("OIDC token") if flags.oidc_stdin else github_actions_oidc_token(os.environ, client.client)
        return {"oidc_token": oidc}
    assert flags.domain is not None
    assert flags.key is not None
    return domain_proof(flags.domain.strip().lower(), load_signing_key(flags.key))


def _record_hint(method: LoginMethod, flags: _Flags) -> str:
    """Where the registry looks for the key, and the exact record this key needs there."""
    assert flags.domain is not None
    assert flags.key is not None
    record = public_key_record(load_signing_key(flags.key))
    domain = flags.domain.strip().lower()
    if method == "dns":
        return f"publish this TXT record on {domain}: {record}"
    return f"serve this at https://{domain}/.well-known/mcp-registry-auth: {record}"


def _github_in_browser(client: RegistryClient) -> str:
    """GitHub's device flow with the registry's own OAuth app; only when someone is at the terminal."""
    hint = 'pass --token "$(gh auth token)" or set MCP_GITHUB_TOKEN (scopes read:org, read:user)'
    if not sys.stdin.isatty():
        raise UsageError("`login github` needs a GitHub token", hint=hint)
    client_id = client.github_client_id()
    if client_id is None:
        raise UsageError(f"{client.registry} names no GitHub app for browser logins", hint=hint)

    def show(code: DeviceCode) -> None:
        echo(f"open {code.verification_uri} and enter the code {code.user_code}", err=True)
        typer.echo("waiting for GitHub to approve ...", err=True)

    assert client.client is not None
    return github_device_flow(client_id, client.client, show=show)


def _stdin_secret(what: str) -> str:
    value = sys.stdin.readline().strip()
    if not value:
        raise UsageError(f"no {what} on stdin", hint=f"pipe the {what} in: ... < FILE")
    return value

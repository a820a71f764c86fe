"""``mcpship login``: exchange a proof of namespace ownership for a registry token, stored for ``publish``."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mcpship._exceptions import UsageError
from mcpship.cli._app import app
from mcpship.cli._options import JsonOption
from mcpship.cli._output import echo, json_result
from mcpship.registry_client.client import LOGIN_METHODS, LoginMethod
from mcpship.registry_client.tokens import DEFAULT_REGISTRY

if TYPE_CHECKING:
    from mcpship.registry_client.proofs import DeviceCode

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
    from mcpship.registry_client.login import LoginRequest, login_registry

    chosen = _method(method)
    flags = _Flags(token, token_stdin, oidc_token_stdin, domain, private_key_file)
    flags.check(chosen)
    request = LoginRequest(
        method=chosen,
        registry=registry,
        token=_secret(chosen, flags),
        domain=domain,
        private_key_file=private_key_file,
    )
    outcome = login_registry(request, show_device_code=_show_device_code if sys.stdin.isatty() else None)
    expires = outcome.expires_at
    if as_json:
        json_result(
            {
                "registry": outcome.registry,
                "method": outcome.method,
                "expiresAt": expires.isoformat().replace("+00:00", "Z") if expires else None,
                "tokenFile": str(outcome.token_file),
            }
        )
        return
    until = f"; the token is valid until {expires:%H:%M:%S} UTC" if expires else ""
    echo(f"logged in to {outcome.registry} ({outcome.method}){until}")
    echo("  next: mcpship publish --channel registry")


@app.command(epilog=_LOGOUT_EPILOG)
def logout(registry: RegistryOption = DEFAULT_REGISTRY, as_json: JsonOption = False) -> None:
    """Forget the stored token of a registry."""
    from mcpship.registry_client.login import logout_registry

    outcome = logout_registry(registry)
    if as_json:
        json_result({"registry": outcome.registry, "removed": outcome.removed})
    else:
        echo(f"logged out of {outcome.registry}" if outcome.removed else f"no token was stored for {outcome.registry}")


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


_ALLOWED: dict[LoginMethod, frozenset[str]] = {
    "none": frozenset(),
    "admin": frozenset({"--token-stdin"}),
    "github": frozenset({"--token", "--token-stdin"}),
    "github-oidc": frozenset({"--oidc-token-stdin"}),
    "dns": frozenset({"--domain", "--private-key-file"}),
    "http": frozenset({"--domain", "--private-key-file"}),
}


def _secret(method: LoginMethod, flags: _Flags) -> str | None:
    """The token the method reads, from its flag or stdin (``github`` without one: the library looks further)."""
    if method == "admin":
        return _stdin_secret("admin token")
    if method == "github":
        return _stdin_secret("GitHub token") if flags.token_stdin else flags.token
    if method == "github-oidc" and flags.oidc_stdin:
        return _stdin_secret("OIDC token")
    return None


def _show_device_code(code: DeviceCode) -> None:
    echo(f"open {code.verification_uri} and enter the code {code.user_code}", err=True)
    typer.echo("waiting for GitHub to approve ...", err=True)


def _stdin_secret(what: str) -> str:
    value = sys.stdin.readline().strip()
    if not value:
        raise UsageError(f"no {what} on stdin", hint=f"pipe the {what} in: ... < FILE")
    return value

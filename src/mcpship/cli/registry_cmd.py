"""``mcpship registry``: run and feed a self-hosted MCP Registry (``serve``; ``mirror`` lives in its own module).

The service's dependencies (Starlette, SQLAlchemy, uvicorn) are imported inside ``serve`` only, so
``import mcpship.cli`` stays light and works without the ``[registry]`` extra.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcpship._exceptions import McpshipError, UsageError
from mcpship._safe_load import read_text_file
from mcpship.cli._app import app
from mcpship.cli._options import JsonOption
from mcpship.cli._output import json_result, warn
from mcpship.cli._registry_options import (
    McpbHostOption,
    NpmUrlOption,
    OciRegistryOption,
    PypiUrlOption,
    host_entries,
    package_sources,
)
from mcpship.cli._terminal import terminal_text
from mcpship.registry.limits import DEFAULT_MAX_BODY_BYTES, MAX_BODY_BYTES_CEILING, MAX_BODY_BYTES_FLOOR

if TYPE_CHECKING:
    from mcpship.registry.config import RegistrySettings

__all__ = ["registry_app"]

registry_app = typer.Typer(
    name="registry",
    help="Run a self-hosted MCP Registry compatible with the official API (needs `pip install 'mcpship[registry]'`).",
    no_args_is_help=True,
)
app.add_typer(registry_app, name="registry")

JWT_KEY_ENV = "MCP_REGISTRY_JWT_PRIVATE_KEY"
_EXTRA_HINT = "install the service's dependencies: pip install 'mcpship[registry]'"

_SERVE_EPILOG = """Examples:

  mcpship registry serve
  mcpship registry serve --db sqlite:///registry.db --enable-anonymous-auth
  mcpship registry serve --jwt-key-file jwt.key --admin-token-file admin.txt
  mcpship registry serve --db postgresql+psycopg://reg@db/registry --workers 2
  mcpship registry serve --ownership-max-publish-mb 64 --ownership-process-concurrency 8
"""


@registry_app.command(epilog=_SERVE_EPILOG)
def serve(
    db: Annotated[
        str | None, typer.Option("--db", help="SQLAlchemy URL: sqlite:///file.db or postgresql+psycopg://...")
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to bind (non-loopback needs a key or admin token).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", help="Port to bind.")] = 8080,
    jwt_key_file: Annotated[
        Path | None,
        typer.Option("--jwt-key-file", help=f"Ed25519 seed, 64 hex chars (default: ${JWT_KEY_ENV}; else ephemeral)."),
    ] = None,
    enable_anonymous_auth: Annotated[
        bool, typer.Option("--enable-anonymous-auth", help="Offer /auth/none (io.modelcontextprotocol.anonymous/*).")
    ] = False,
    admin_token_file: Annotated[
        Path | None, typer.Option("--admin-token-file", help="Static admin secrets, one a line (for /auth/admin).")
    ] = None,
    no_ownership_checks: Annotated[
        bool, typer.Option("--no-ownership-checks", help="Skip the npm/PyPI/OCI/MCPB ownership proofs on publish.")
    ] = False,
    unique_remote_urls: Annotated[
        bool,
        typer.Option("--unique-remote-urls", help="Refuse a remote URL that another server name already lists."),
    ] = False,
    pypi_url: PypiUrlOption = None,
    npm_url: NpmUrlOption = None,
    oci_registry: OciRegistryOption = None,
    oci_insecure: Annotated[
        list[str] | None, typer.Option("--oci-insecure", help="Reach this OCI registry over plain HTTP (repeatable).")
    ] = None,
    mcpb_host: McpbHostOption = None,
    ownership_fetch_host: Annotated[
        list[str] | None,
        typer.Option(
            "--ownership-fetch-host",
            help="Let proofs also follow redirects/links to HOST[:PORT], *.DOMAIN or http://HOST:PORT (repeatable).",
        ),
    ] = None,
    ownership_max_file_mb: Annotated[
        float, typer.Option("--ownership-max-file-mb", min=0.001, help="MiB one proof may download (an MCPB bundle).")
    ] = 100.0,
    ownership_max_document_mb: Annotated[
        float,
        typer.Option("--ownership-max-document-mb", min=0.001, help="MiB of one JSON/HTML/README a proof reads."),
    ] = 8.0,
    ownership_max_publish_mb: Annotated[
        float, typer.Option("--ownership-max-publish-mb", min=0.001, help="MiB all proofs of one publish download.")
    ] = 256.0,
    ownership_max_fetches: Annotated[
        int, typer.Option("--ownership-max-fetches", min=1, help="Requests one publish's proofs make (hops counted).")
    ] = 64,
    ownership_max_redirects: Annotated[
        int, typer.Option("--ownership-max-redirects", min=0, help="Redirects one proof request follows.")
    ] = 5,
    ownership_concurrency: Annotated[
        int, typer.Option("--ownership-concurrency", min=1, help="Proof requests in flight at once per publish.")
    ] = 4,
    ownership_process_concurrency: Annotated[
        int,
        typer.Option(
            "--ownership-process-concurrency", min=1, help="Proof requests in flight at once per server process."
        ),
    ] = 16,
    ownership_timeout: Annotated[
        float, typer.Option("--ownership-timeout", min=0.1, help="Seconds each proof request may wait for the network.")
    ] = 10.0,
    ownership_budget: Annotated[
        float, typer.Option("--ownership-budget", min=0.1, help="Seconds all proofs of one publish may take.")
    ] = 60.0,
    github_oidc_issuer: Annotated[
        str | None, typer.Option("--github-oidc-issuer", help="OIDC issuer for /auth/github-oidc (GitHub Enterprise).")
    ] = None,
    github_oidc_audience: Annotated[
        str, typer.Option("--github-oidc-audience", help="Audience the OIDC token must carry.")
    ] = "mcp-registry",
    github_api_url: Annotated[
        str | None, typer.Option("--github-api-url", help="GitHub API for /auth/github-at (GitHub Enterprise).")
    ] = None,
    read_staleness: Annotated[
        float,
        typer.Option(
            "--read-staleness",
            min=0.0,
            help="Seconds a cached read may lag a write made through ANOTHER server or worker (0: never).",
        ),
    ] = 0.5,
    cache_mb: Annotated[
        float,
        typer.Option(
            "--cache-mb",
            min=0.0,
            help="MiB of encoded read responses kept in memory per worker, least recently used dropped first (0: off).",
        ),
    ] = 256.0,
    max_body_bytes: Annotated[
        int,
        typer.Option(
            "--max-body-bytes",
            min=MAX_BODY_BYTES_FLOOR,
            max=MAX_BODY_BYTES_CEILING,
            help="Largest request body any route reads (publish, edit, status, validate, auth); more is a 413.",
        ),
    ] = DEFAULT_MAX_BODY_BYTES,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 1,
    public_url: Annotated[str | None, typer.Option("--public-url", help="URL users reach this registry at.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Serve the MCP Registry API (/v0, /v0.1), the web catalogue (/) and /metrics, on SQLite or PostgreSQL."""
    try:
        import uvicorn

        from mcpship.registry.app import SETTINGS_ENV, build_app, settings_to_json
        from mcpship.registry.auth import generate_private_key
        from mcpship.registry.config import OwnershipSettings, RegistrySettings
        from mcpship.registry.service import default_database_url
    except ImportError as error:
        raise McpshipError(f"`mcpship registry serve` cannot start: {error}", hint=_EXTRA_HINT) from error

    key = _jwt_key(jwt_key_file)
    admin_tokens = _admin_tokens(admin_token_file)
    _check_exposure(host, key is not None, admin_tokens, enable_anonymous_auth)
    if key is None:
        key = generate_private_key()
        warn(
            "no JWT key given (--jwt-key-file or $MCP_REGISTRY_JWT_PRIVATE_KEY): using an ephemeral one; "
            "tokens stop working when the server restarts"
        )
    defaults = OwnershipSettings()
    ownership = OwnershipSettings(
        enabled=not no_ownership_checks,
        **package_sources(pypi_url, npm_url, oci_registry, mcpb_host),
        oci_insecure=tuple(oci_insecure or ()),
        fetch_hosts=host_entries("--ownership-fetch-host", (*defaults.fetch_hosts, *(ownership_fetch_host or ()))),
        timeout_seconds=ownership_timeout,
        max_file_bytes=_mib(ownership_max_file_mb),
        max_document_bytes=_mib(ownership_max_document_mb),
        max_publish_bytes=_mib(ownership_max_publish_mb),
        max_fetches=ownership_max_fetches,
        max_redirects=ownership_max_redirects,
        max_concurrent_fetches=ownership_concurrency,
        max_process_fetches=ownership_process_concurrency,
        publish_budget_seconds=ownership_budget,
    )
    auth_defaults = RegistrySettings(database_url="", jwt_private_key=key)
    settings = RegistrySettings(
        database_url=db or default_database_url(),
        jwt_private_key=key,
        host=host,
        port=port,
        public_url=public_url,
        version=_version(),
        enable_anonymous_auth=enable_anonymous_auth,
        admin_tokens=admin_tokens,
        ownership=ownership,
        unique_remote_urls=unique_remote_urls,
        github_client_id=os.environ.get("MCP_REGISTRY_GITHUB_CLIENT_ID", ""),
        github_oidc_issuer=github_oidc_issuer or auth_defaults.github_oidc_issuer,
        github_oidc_audience=github_oidc_audience,
        github_api_url=github_api_url or auth_defaults.github_api_url,
        read_staleness_seconds=read_staleness,
        read_cache_bytes=int(cache_mb * 1024 * 1024),
        max_body_bytes=max_body_bytes,
    )
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "access_log": False,
        "server_header": False,
        "http": _http_protocol(),
    }
    with _stopped_by_signal():
        if workers > 1:
            os.environ[SETTINGS_ENV] = settings_to_json(settings)
            _announce(settings)
            uvicorn.run("mcpship.registry.app:app_from_environment", factory=True, workers=workers, **options)
        else:
            application = _open(build_app, settings)
            _announce(settings)
            uvicorn.run(application, **options)
    if as_json:  # the server has stopped (Ctrl-C, SIGTERM): what it served
        json_result({"url": f"http://{settings.host}:{settings.port}", "database": _masked(settings.database_url)})


class _StopSignalError(Exception):
    """SIGINT or SIGTERM arrived: the server was asked to stop."""


@contextmanager
def _stopped_by_signal() -> Iterator[None]:
    """Ctrl-C and SIGTERM stop the server (uvicorn shuts down gracefully, then raises the signal again): that is
    how a server ends, so the command ends normally (exit 0; with --json, the envelope)."""

    def stop(signum: int, frame: object) -> None:
        raise _StopSignalError

    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except _StopSignalError:
        pass
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _http_protocol() -> Any:
    """httptools with bounded request heads (``registry/http_server.py``); without httptools, h11, which bounds
    them itself (16 KiB)."""
    try:
        from mcpship.registry.http_server import BoundedHeadProtocol
    except ImportError:
        return "h11"
    return BoundedHeadProtocol


def _open(build_app: Callable[[RegistrySettings], Any], settings: RegistrySettings) -> Any:
    """Open the store (migrating it) and assemble the app; database and packaging failures become clear errors."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return build_app(settings)
    except ImportError as error:
        raise McpshipError(f"`mcpship registry serve` cannot start: {error}", hint=_EXTRA_HINT) from error
    except SQLAlchemyError as error:
        raise McpshipError(
            f"cannot open the registry database {_masked(settings.database_url)}: {error.__class__.__name__}: "
            f"{str(error).splitlines()[0]}",
            hint="check --db (sqlite:///path/file.db or postgresql+psycopg://user:password@host/database)",
        ) from error


def _mib(count: float) -> int:
    return int(count * 1024 * 1024)


def _say(message: str) -> None:
    sys.stderr.write(f"{terminal_text(message, multiline=True)}\n")
    sys.stderr.flush()


def _masked(database_url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(database_url).render_as_string(hide_password=True)


def _announce(settings: RegistrySettings) -> None:
    _say(f"mcpship registry on http://{settings.host}:{settings.port} ({_masked(settings.database_url)})")


def _version() -> str:
    from mcpship.__about__ import __version__

    return __version__


_SECRET_FILE_BYTES = 1024 * 1024  # a key or a few tokens; anything larger is the wrong file


def _jwt_key(path: Path | None) -> bytes | None:
    if path is not None:
        text = read_text_file(path, error=UsageError, max_bytes=_SECRET_FILE_BYTES).strip()
        return _parse_key(text, str(path))
    text = os.environ.get(JWT_KEY_ENV, "").strip()
    return _parse_key(text, f"${JWT_KEY_ENV}") if text else None


def _parse_key(text: str, source: str) -> bytes:
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise UsageError(
            f"{source} must hold a 32-byte Ed25519 seed as 64 hex characters",
            hint="generate one with: openssl rand -hex 32",
        )
    return key


def _admin_tokens(path: Path | None) -> tuple[str, ...]:
    if path is None:
        return ()
    lines = read_text_file(path, error=UsageError, max_bytes=_SECRET_FILE_BYTES).splitlines()
    tokens = tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))
    if not tokens:
        raise UsageError(f"the admin token file {path} holds no token")
    return tokens


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_exposure(host: str, has_key: bool, admin_tokens: tuple[str, ...], anonymous: bool) -> None:
    """Anything that listens beyond loopback must be a deliberate deployment: a persistent key or admin token."""
    if _is_loopback(host):
        return
    if not has_key and not admin_tokens:
        raise UsageError(
            f"refusing to bind {host}: a registry reachable from other machines needs --jwt-key-file "
            f"(or ${JWT_KEY_ENV}) or --admin-token-file",
            hint="bind 127.0.0.1 for local use, or give the deployment a key",
        )
    if anonymous:
        warn(f"--enable-anonymous-auth on {host}: anyone who reaches it can publish anonymous servers")

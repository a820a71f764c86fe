"""``mcpship registry``: run and feed a self-hosted MCP Registry (``serve``; ``mirror`` lives in its own module).

The service's dependencies (Starlette, SQLAlchemy, uvicorn) are imported inside ``serve`` only, so
``import mcpship.cli`` stays light and works without the ``[registry]`` extra.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mcpship.cli._app import app
from mcpship.cli._options import JsonOption
from mcpship.cli._output import TerminalReporter, echo, json_result
from mcpship.cli._registry_options import McpbHostOption, NpmUrlOption, OciRegistryOption, PypiUrlOption
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

JWT_KEY_ENV = "MCP_REGISTRY_JWT_PRIVATE_KEY"  # mcpship.registry.deployment.JWT_KEY_ENV, without importing it

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
    from mcpship.registry.config import PackageSources
    from mcpship.registry.deployment import ServeOptions, serve_registry

    options = ServeOptions(
        database_url=db,
        host=host,
        port=port,
        public_url=public_url,
        jwt_key_file=jwt_key_file,
        admin_token_file=admin_token_file,
        enable_anonymous_auth=enable_anonymous_auth,
        ownership_checks=not no_ownership_checks,
        unique_remote_urls=unique_remote_urls,
        sources=PackageSources(pypi_url, npm_url, tuple(oci_registry or ()), tuple(mcpb_host or ())),
        oci_insecure=tuple(oci_insecure or ()),
        fetch_hosts=tuple(ownership_fetch_host or ()),
        ownership_timeout_seconds=ownership_timeout,
        ownership_max_file_bytes=_mib(ownership_max_file_mb),
        ownership_max_document_bytes=_mib(ownership_max_document_mb),
        ownership_max_publish_bytes=_mib(ownership_max_publish_mb),
        ownership_max_fetches=ownership_max_fetches,
        ownership_max_redirects=ownership_max_redirects,
        ownership_concurrency=ownership_concurrency,
        ownership_process_concurrency=ownership_process_concurrency,
        ownership_budget_seconds=ownership_budget,
        github_oidc_issuer=github_oidc_issuer,
        github_oidc_audience=github_oidc_audience,
        github_api_url=github_api_url,
        read_staleness_seconds=read_staleness,
        read_cache_bytes=_mib(cache_mb),
        max_body_bytes=max_body_bytes,
        workers=workers,
    )
    served: list[RegistrySettings] = []

    def ready(settings: RegistrySettings) -> None:
        served.append(settings)
        _announce(settings)

    with _stopped_by_signal():
        serve_registry(options, reporter=TerminalReporter(), on_ready=ready)
    if as_json and served:  # the server has stopped (Ctrl-C, SIGTERM): what it served
        from mcpship.registry.deployment import masked_database_url

        settings = served[0]
        json_result(
            {"url": f"http://{settings.host}:{settings.port}", "database": masked_database_url(settings.database_url)}
        )


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


def _mib(count: float) -> int:
    return int(count * 1024 * 1024)


def _announce(settings: RegistrySettings) -> None:
    from mcpship.registry.deployment import masked_database_url

    echo(
        f"mcpship registry on http://{settings.host}:{settings.port} ({masked_database_url(settings.database_url)})",
        err=True,
    )

"""``registry serve`` and ``registry mirror`` as library calls: the deployment's options in, settings resolved once
(keys and admin secrets read, exposure checked, package sources validated), then the server run or the mirror
pass made.

The service's dependencies (Starlette, SQLAlchemy, uvicorn) are imported inside the calls, so importing this module
stays light and works without the ``[registry]`` extra; without it a call raises a :class:`~mcpship.McpshipError`
naming what to install.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcpship._exceptions import McpshipError, UsageError
from mcpship._reporter import NullReporter, Reporter
from mcpship._safe_load import read_text_file
from mcpship.registry.config import (
    DEFAULT_FETCH_HOSTS,
    DEFAULT_HOST,
    DEFAULT_PORT,
    OwnershipSettings,
    PackageSources,
    RegistrySettings,
    checked_host_rules,
)
from mcpship.registry.limits import DEFAULT_MAX_BODY_BYTES

if TYPE_CHECKING:
    import httpx

    from mcpship.registry.mirror import MirrorProgress, MirrorReport

__all__ = [
    "GITHUB_CLIENT_ID_ENV",
    "JWT_KEY_ENV",
    "MirrorOptions",
    "ServeOptions",
    "masked_database_url",
    "run_mirror",
    "serve_registry",
    "serve_settings",
]

JWT_KEY_ENV = "MCP_REGISTRY_JWT_PRIVATE_KEY"
GITHUB_CLIENT_ID_ENV = "MCP_REGISTRY_GITHUB_CLIENT_ID"
_EXTRA_HINT = "install the service's dependencies: pip install 'mcpship[registry]'"
_SECRET_FILE_BYTES = 1024 * 1024  # a key or a few tokens; anything larger is the wrong file
_OWNERSHIP = OwnershipSettings()
_AUTH = RegistrySettings(database_url="", jwt_private_key=b"")


@dataclass(frozen=True)
class ServeOptions:
    """One deployment as its operator describes it (``registry serve``'s options); :func:`serve_settings` resolves
    it into :class:`~mcpship.registry.config.RegistrySettings`. Sizes are in bytes."""

    database_url: str | None = None
    """SQLAlchemy URL (``sqlite:///file.db``, ``postgresql+psycopg://…``); None: SQLite in mcpship's data dir."""
    host: str = DEFAULT_HOST
    """A non-loopback address needs ``jwt_key_file`` (or ``$MCP_REGISTRY_JWT_PRIVATE_KEY``) or an admin token."""
    port: int = DEFAULT_PORT
    public_url: str | None = None
    jwt_key_file: Path | None = None
    """A 32-byte Ed25519 seed as 64 hex characters; None: ``$MCP_REGISTRY_JWT_PRIVATE_KEY``, else an ephemeral key
    (reported as a warning: tokens then die with the process)."""
    admin_token_file: Path | None = None
    """Static admin secrets, one a line (``#`` comments), exchanged at ``/auth/admin``."""
    enable_anonymous_auth: bool = False
    ownership_checks: bool = True
    unique_remote_urls: bool = False
    sources: PackageSources = field(default_factory=PackageSources)
    oci_insecure: tuple[str, ...] = ()
    fetch_hosts: tuple[str, ...] = ()
    """Hosts ownership proofs may also follow links to, besides :data:`~mcpship.registry.config.DEFAULT_FETCH_HOSTS`."""
    ownership_timeout_seconds: float = _OWNERSHIP.timeout_seconds
    ownership_max_file_bytes: int = _OWNERSHIP.max_file_bytes
    ownership_max_document_bytes: int = _OWNERSHIP.max_document_bytes
    ownership_max_publish_bytes: int = _OWNERSHIP.max_publish_bytes
    ownership_max_fetches: int = _OWNERSHIP.max_fetches
    ownership_max_redirects: int = _OWNERSHIP.max_redirects
    ownership_concurrency: int = _OWNERSHIP.max_concurrent_fetches
    ownership_process_concurrency: int = _OWNERSHIP.max_process_fetches
    ownership_budget_seconds: float = _OWNERSHIP.publish_budget_seconds
    github_oidc_issuer: str | None = None
    """None: GitHub Actions' issuer."""
    github_oidc_audience: str = _AUTH.github_oidc_audience
    github_api_url: str | None = None
    """None: ``https://api.github.com``."""
    read_staleness_seconds: float = _AUTH.read_staleness_seconds
    read_cache_bytes: int = _AUTH.read_cache_bytes
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    workers: int = 1


def serve_settings(
    options: ServeOptions, *, environ: Mapping[str, str] | None = None, reporter: Reporter | None = None
) -> RegistrySettings:
    """The settings ``options`` describe: the JWT key and admin secrets read (:class:`~mcpship.UsageError` for a bad
    one), a non-loopback host refused without either, every host rule checked. ``environ`` gives
    ``$MCP_REGISTRY_JWT_PRIVATE_KEY`` and ``$MCP_REGISTRY_GITHUB_CLIENT_ID``; ``reporter`` hears the warnings
    (an ephemeral key, anonymous logins on a public address)."""
    env = os.environ if environ is None else environ
    say = reporter or NullReporter()
    key = _jwt_key(options.jwt_key_file, env)
    admin_tokens = _admin_tokens(options.admin_token_file)
    _check_exposure(options.host, key is not None, admin_tokens, options.enable_anonymous_auth, say)
    if key is None:
        from mcpship.registry.auth.tokens import generate_private_key

        key = generate_private_key()
        say.warn(
            f"no JWT key given (--jwt-key-file or ${JWT_KEY_ENV}): using an ephemeral one; "
            "tokens stop working when the server restarts"
        )
    ownership = options.sources.applied_to(
        OwnershipSettings(
            enabled=options.ownership_checks,
            oci_insecure=options.oci_insecure,
            fetch_hosts=checked_host_rules("--ownership-fetch-host", (*DEFAULT_FETCH_HOSTS, *options.fetch_hosts)),
            timeout_seconds=options.ownership_timeout_seconds,
            max_file_bytes=options.ownership_max_file_bytes,
            max_document_bytes=options.ownership_max_document_bytes,
            max_publish_bytes=options.ownership_max_publish_bytes,
            max_fetches=options.ownership_max_fetches,
            max_redirects=options.ownership_max_redirects,
            max_concurrent_fetches=options.ownership_concurrency,
            max_process_fetches=options.ownership_process_concurrency,
            publish_budget_seconds=options.ownership_budget_seconds,
        )
    )
    return RegistrySettings(
        database_url=options.database_url or _default_database_url(),
        jwt_private_key=key,
        host=options.host,
        port=options.port,
        public_url=options.public_url,
        version=_version(),
        enable_anonymous_auth=options.enable_anonymous_auth,
        admin_tokens=admin_tokens,
        ownership=ownership,
        unique_remote_urls=options.unique_remote_urls,
        github_client_id=env.get(GITHUB_CLIENT_ID_ENV, ""),
        github_oidc_issuer=options.github_oidc_issuer or _AUTH.github_oidc_issuer,
        github_oidc_audience=options.github_oidc_audience,
        github_api_url=options.github_api_url or _AUTH.github_api_url,
        read_staleness_seconds=options.read_staleness_seconds,
        read_cache_bytes=options.read_cache_bytes,
        max_body_bytes=options.max_body_bytes,
    )


def serve_registry(
    options: ServeOptions,
    *,
    environ: Mapping[str, str] | None = None,
    reporter: Reporter | None = None,
    on_ready: Callable[[RegistrySettings], None] | None = None,
) -> None:
    """Run the registry ``options`` describe until the process is stopped: the store opened (and migrated), then
    uvicorn on ``host:port`` with ``options.workers`` processes. ``on_ready`` hears the settings right before it
    listens (a CLI announces the address)."""
    try:
        import uvicorn

        from mcpship.registry import app as registry_app
    except ImportError as error:
        raise McpshipError(f"`mcpship registry serve` cannot start: {error}", hint=_EXTRA_HINT) from error

    settings = serve_settings(options, environ=environ, reporter=reporter)
    server: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        "access_log": False,
        "server_header": False,
        "http": _http_protocol(),
    }
    if options.workers > 1:  # each worker builds its own app from the settings passed in its environment
        os.environ[registry_app.SETTINGS_ENV] = registry_app.settings_to_json(settings)
        if on_ready is not None:
            on_ready(settings)
        uvicorn.run("mcpship.registry.app:app_from_environment", factory=True, workers=options.workers, **server)
        return
    application = _open(registry_app.build_app, settings)
    if on_ready is not None:
        on_ready(settings)
    uvicorn.run(application, **server)


def masked_database_url(database_url: str) -> str:
    """``database_url`` with its password masked, for logs and announcements."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class MirrorOptions:
    """One ``registry mirror`` run: copy ``source`` into the registry database at ``database_url``."""

    source: str
    """The registry to copy (its base URL)."""
    database_url: str | None = None
    """None: SQLite in mcpship's data dir, as ``serve``'s default."""
    state_file: Path | None = None
    """The checkpoint file; None: ``<db file>.mirror-state.json`` next to SQLite (else in the data dir)."""
    page_size: int = 100
    max_pages: int = 10_000
    max_page_bytes: int = 16 << 20
    sources: PackageSources = field(default_factory=PackageSources)
    """The package registries this registry accepts, as given to ``serve``: a mirrored version must pass them."""


def run_mirror(
    options: MirrorOptions,
    *,
    progress: Callable[[MirrorProgress], None] | None = None,
    client: httpx.Client | None = None,
) -> MirrorReport:
    """One incremental pass of :func:`~mcpship.registry.mirror.mirror_registry` from ``options.source`` into the
    database; ``client`` carries the HTTP (default: 60 s timeouts, redirects followed). The package sources are
    checked before anything is opened. Failures of the source are :class:`~mcpship.RegistryError` (exit code 12)."""
    try:
        import httpx

        from mcpship.registry.mirror import MirrorStateFile, mirror_registry, state_file_for
        from mcpship.registry.service import SqlRegistry, default_database_url
        from mcpship.registry_client.tokens import normalize_registry_url
    except ImportError as error:
        raise McpshipError(f"`mcpship registry mirror` cannot start: {error}", hint=_EXTRA_HINT) from error

    policy = options.sources.applied_to().package_policy()
    source = normalize_registry_url(options.source)
    database_url = options.database_url or default_database_url()
    checkpoints = MirrorStateFile(options.state_file or state_file_for(database_url))
    with ExitStack() as stack:
        service = stack.enter_context(SqlRegistry.open(database_url))
        http = client or stack.enter_context(httpx.Client(timeout=60, follow_redirects=True))
        return mirror_registry(
            source,
            service,
            client=http,
            state=checkpoints,
            page_size=options.page_size,
            progress=progress,
            max_pages=options.max_pages,
            max_page_bytes=options.max_page_bytes,
            policy=policy,
        )


def _default_database_url() -> str:
    from mcpship.registry.service import default_database_url

    return default_database_url()


def _version() -> str:
    from mcpship.__about__ import __version__

    return __version__


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
            f"cannot open the registry database {masked_database_url(settings.database_url)}: "
            f"{error.__class__.__name__}: {str(error).splitlines()[0]}",
            hint="check --db (sqlite:///path/file.db or postgresql+psycopg://user:password@host/database)",
        ) from error


def _jwt_key(path: Path | None, environ: Mapping[str, str]) -> bytes | None:
    if path is not None:
        text = read_text_file(path, error=UsageError, max_bytes=_SECRET_FILE_BYTES).strip()
        return _parse_key(text, str(path))
    text = environ.get(JWT_KEY_ENV, "").strip()
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


def _check_exposure(
    host: str, has_key: bool, admin_tokens: tuple[str, ...], anonymous: bool, reporter: Reporter
) -> None:
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
        reporter.warn(f"--enable-anonymous-auth on {host}: anyone who reaches it can publish anonymous servers")

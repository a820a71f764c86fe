"""Every setting of one registry deployment, resolved once at start-up and passed down (never read from globals)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from mcpship._exceptions import UsageError
from mcpship.registry.limits import DEFAULT_MAX_BODY_BYTES
from mcpship.server_json.policy import OFFICIAL_BASE_URLS, OFFICIAL_MCPB_HOSTS, OFFICIAL_OCI_REGISTRIES, PackagePolicy

__all__ = [
    "DEFAULT_FETCH_HOSTS",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "OwnershipSettings",
    "PackageSources",
    "RegistrySettings",
    "checked_host_rules",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_FETCH_HOSTS = (
    "objects.githubusercontent.com",  # GitHub release downloads redirect to these
    "release-assets.githubusercontent.com",
    "github-releases.githubusercontent.com",
    "files.pythonhosted.org",  # PyPI's simple index links release files here
    "auth.docker.io",  # Docker Hub's anonymous token realm
    "production.cloudflare.docker.com",  # Docker Hub blobs
    "pkg-containers.githubusercontent.com",  # ghcr.io blobs
    "*.quay.io",  # quay.io blobs (cdn01.quay.io, ...)
    "*.data.mcr.microsoft.com",  # mcr.microsoft.com blobs
    "*.data.azurecr.io",  # Azure Container Registry blobs
    "*.blob.core.windows.net",
)
"""Hosts the public registries' answers send ownership fetches to (redirects, token realms, file links), besides
the registries themselves. All are run by those registries' operators (or clouds), never by a publisher."""
_MIB = 1 << 20


@dataclass(frozen=True)
class OwnershipSettings:
    """Where publish-time ownership proofs are fetched (registry.md §2.5); upstream hard-codes the public ones.

    ``enabled=False`` is only reachable through an explicit flag (``--no-ownership-checks``).
    """

    enabled: bool = True
    pypi_url: str = OFFICIAL_BASE_URLS["pypi"]
    """A PyPI-compatible index root (``{pypi_url}/pypi/<project>/<version>/json``, or its ``/simple/``)."""
    npm_url: str = OFFICIAL_BASE_URLS["npm"]
    nuget_url: str = OFFICIAL_BASE_URLS["nuget"]
    oci_registries: tuple[str, ...] = OFFICIAL_OCI_REGISTRIES
    """Registries an ``oci`` package may live in; a local deployment adds e.g. ``127.0.0.1:5000``."""
    oci_insecure: tuple[str, ...] = ()
    """Registries reached over plain HTTP (local test registries)."""
    mcpb_hosts: tuple[str, ...] = OFFICIAL_MCPB_HOSTS
    fetch_hosts: tuple[str, ...] = DEFAULT_FETCH_HOSTS
    """Hosts a redirect, a token realm or a file link may lead to, beyond the registries above (HOST[:PORT],
    ``*.DOMAIN`` or ``http://HOST:PORT``). Every URL of every hop must match; nothing else is ever fetched."""
    timeout_seconds: float = 10.0
    """Per request (connect, and each read)."""
    max_file_bytes: int = 100 * _MIB
    """Largest file one fetch downloads (an MCPB bundle, a wheel): Anthropic's MCPB directory takes 100 MB."""
    max_document_bytes: int = 8 * _MIB
    """Largest JSON/HTML/README answer read into memory (npm version, PyPI release, OCI manifest, ...)."""
    max_publish_bytes: int = 256 * _MIB
    """Bytes all the fetches of one publish (or edit) may download together."""
    max_fetches: int = 64
    """Requests one publish may make, each redirect hop counted."""
    max_redirects: int = 5
    """Redirect hops one fetch follows (a GitHub release download takes 1)."""
    max_concurrent_fetches: int = 4
    """Requests one publish has in flight at once."""
    max_process_fetches: int = 16
    """Requests all publishes of one server process have in flight at once (waiting for one counts against the
    publish's time budget)."""
    publish_budget_seconds: float = 60.0
    """Wall time all the proofs of one publish may take, waits included."""

    def package_policy(self) -> PackagePolicy:
        """The same registries as the offline server.json rules see them (``registryBaseUrl``, hosts)."""
        return PackagePolicy(
            base_urls={"npm": self.npm_url, "pypi": self.pypi_url, "nuget": self.nuget_url},
            oci_registries=self.oci_registries,
            mcpb_hosts=self.mcpb_hosts,
        )


@dataclass(frozen=True)
class PackageSources:
    """The package registries and download hosts a deployment accepts beyond the official ones: what ``registry
    serve`` and ``registry mirror`` both take, so a mirror accepts exactly what the server it feeds accepts."""

    pypi_url: str | None = None
    """A PyPI-compatible index packages must name (None: pypi.org); ownership proofs read it."""
    npm_url: str | None = None
    """An npm registry packages must name (None: registry.npmjs.org)."""
    oci_registries: tuple[str, ...] = ()
    """OCI registries accepted besides the official allowlist (``127.0.0.1:5000``)."""
    mcpb_hosts: tuple[str, ...] = ()
    """MCPB download hosts accepted besides GitHub and GitLab: ``HOST[:PORT]`` (https) or ``http://HOST:PORT``."""

    def applied_to(self, base: OwnershipSettings | None = None) -> OwnershipSettings:
        """``base`` (default: the official settings) with these sources added, each host rule checked."""
        base = base or OwnershipSettings()
        return replace(
            base,
            pypi_url=self.pypi_url or base.pypi_url,
            npm_url=self.npm_url or base.npm_url,
            oci_registries=(*base.oci_registries, *self.oci_registries),
            mcpb_hosts=checked_host_rules("--mcpb-host", (*base.mcpb_hosts, *self.mcpb_hosts)),
        )


def checked_host_rules(flag: str, entries: Iterable[str]) -> tuple[str, ...]:
    """``entries`` unchanged, once each is a host rule (HOST, HOST:PORT, *.DOMAIN, http://HOST:PORT); a
    :class:`~mcpship.UsageError` naming ``flag`` (the option that gave them) otherwise."""
    from httpx import InvalidURL

    from mcpship.registry.ownership._hosts import HostRule

    kept = tuple(entries)
    for entry in kept:
        try:
            HostRule.parse(entry)
        except (ValueError, InvalidURL) as error:
            raise UsageError(
                f"{flag} {entry!r} is not a host: {error}", hint="write HOST, HOST:PORT, *.DOMAIN or http://HOST:PORT"
            ) from error
    return kept


@dataclass(frozen=True)
class RegistrySettings:
    """One deployment. ``database_url`` is a SQLAlchemy URL: ``sqlite:///path`` or ``postgresql+psycopg://…``."""

    database_url: str
    jwt_private_key: bytes
    """The 32-byte Ed25519 seed that signs registry tokens (``MCP_REGISTRY_JWT_PRIVATE_KEY``, hex on the outside)."""
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    public_url: str | None = None
    """The URL users reach this registry at (for links and install snippets); default ``http://host:port``."""
    version: str = "dev"
    token_lifetime_seconds: int = 300
    enable_anonymous_auth: bool = False
    """``/auth/none``: grants publish+edit on ``io.modelcontextprotocol.anonymous/*`` only. Development use."""
    github_oidc_issuer: str = "https://token.actions.githubusercontent.com"
    github_oidc_audience: str = "mcp-registry"
    github_api_url: str = "https://api.github.com"
    github_client_id: str = ""
    admin_tokens: tuple[str, ...] = ()
    """Static secrets that exchange (``/auth/admin``) for a token with publish+edit on ``*``."""
    blocked_namespaces: tuple[str, ...] = ()
    ownership: OwnershipSettings = field(default_factory=OwnershipSettings)
    max_versions_per_name: int = 10_000
    unique_remote_urls: bool = False
    """Refuse a remote URL another server name already lists (the official registry's rule before v1.8)."""
    read_staleness_seconds: float = 0.5
    """How long a replica may answer reads from its cache before re-reading the shared change counter: writes
    through another replica become visible within this time, writes through this one at once. 0 = every read."""
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    """The request body limit of every route (``--max-body-bytes``; see ``limits.py``)."""
    read_cache_bytes: int = 256 * 1024 * 1024
    """Ceiling of the in-process cache of encoded read responses (least recently used go first); 0 turns it off.
    Every read of a 10,000-server registry (3 versions each) takes about 150 MiB."""

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

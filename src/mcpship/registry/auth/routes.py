"""The token-exchange endpoints (registry.md §3.1). Paths are relative: the API mounts them under ``/v0`` and ``/v0.1``.

Every exchange ends in ``_Exchanges.grant``, which refuses blocked namespaces and signs the token; failures are
:class:`RegistryHTTPError` (401 for a failed exchange, 400 for a body that is not JSON, 422 for one of the wrong
shape), rendered by the app's handler.
"""

from __future__ import annotations

import hmac
import inspect
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mcpship.registry.auth.domain_proof import (
    ProofError,
    check_domain,
    check_timestamp,
    decode_signature,
    domain_permissions,
    parse_key_records,
    verify_with_published_keys,
)
from mcpship.registry.auth.github import (
    GitHubIdentityError,
    GitHubOidcVerifier,
    github_namespace_permissions,
    github_user_and_orgs,
    is_valid_github_name,
)
from mcpship.registry.auth.key_sources import HttpKeyFetcher, KeyFetcher, TxtResolver, resolve_txt
from mcpship.registry.auth.permissions import Permission, covers_any
from mcpship.registry.auth.tokens import TokenIssuer
from mcpship.registry.bodies import parse_json
from mcpship.registry.config import RegistrySettings
from mcpship.registry.problems import RegistryHTTPError

__all__ = ["ANONYMOUS_NAMESPACE", "auth_routes"]

ANONYMOUS_NAMESPACE = "io.modelcontextprotocol.anonymous"
BLOCKED_MESSAGE = "your namespace is blocked. raise an issue with the registry operators if you think this is a mistake"

Model = TypeVar("Model", bound=BaseModel)


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AdminBody(_Body):
    admin_token: str


class OidcBody(_Body):
    oidc_token: str


class GitHubTokenBody(_Body):
    github_token: str


class SignedTimestampBody(_Body):
    domain: str
    timestamp: str
    signed_timestamp: str


DNS_HINT_SELECTORS = ("_mcp-auth", "_mcp-registry")
T = TypeVar("T")


async def _settle(value: T | Awaitable[T]) -> T:
    """Injected resolvers and fetchers may be plain functions or coroutines."""
    if inspect.isawaitable(value):
        result: T = await value
        return result
    return value


def _failed(detail: str, reason: str) -> RegistryHTTPError:
    return RegistryHTTPError(401, detail, errors=[{"message": reason}])


async def read_body(request: Request, model: type[Model]) -> Model:
    """Parse a JSON body into ``model``: strictly, within the size and depth limits every route has (413/400,
    ``bodies.parse_json``); huma answers 422 with per-field errors for a body of the wrong shape, so do we."""
    raw = await request.body()
    data = parse_json(raw) if raw else {}
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as error:
        errors = [
            {"message": item["msg"], "location": "body." + ".".join(str(part) for part in item["loc"])}
            for item in error.errors(include_url=False)
        ]
        raise RegistryHTTPError(422, "validation failed", errors=errors) from None


def publish_and_edit(pattern: str) -> list[Permission]:
    return [Permission("publish", pattern), Permission("edit", pattern)]


class _Exchanges:
    """The state the handlers share: settings, the signer, and the injectable outside world."""

    def __init__(
        self,
        settings: RegistrySettings,
        issuer: TokenIssuer,
        *,
        resolver: TxtResolver,
        fetcher: KeyFetcher,
        http_client: httpx.AsyncClient | None,
        oidc_verifier: GitHubOidcVerifier | None,
    ) -> None:
        self.settings = settings
        self.issuer = issuer
        self.resolver = resolver
        self.fetcher = fetcher
        self.http_client = http_client
        self.oidc = oidc_verifier or GitHubOidcVerifier(
            settings.github_oidc_issuer, settings.github_oidc_audience, client=http_client
        )

    def grant(
        self,
        auth_method: str,
        subject: str,
        permissions: Sequence[Permission],
        *,
        failure: str = "Token exchange failed",
    ) -> JSONResponse:
        """Sign a token unless a non-admin grant reaches a blocked namespace (upstream ``GenerateTokenResponse``)."""
        is_admin = any(p.resource == "*" for p in permissions)
        if not is_admin:
            for namespace in self.settings.blocked_namespaces:
                if covers_any(permissions, "publish", f"{namespace}/test"):
                    raise _failed(failure, BLOCKED_MESSAGE)
        token = self.issuer.issue(auth_method=auth_method, subject=subject, permissions=permissions)
        return JSONResponse(token.to_wire())

    async def none(self, request: Request) -> JSONResponse:
        return self.grant("none", "anonymous", publish_and_edit(f"{ANONYMOUS_NAMESPACE}/*"))

    async def admin(self, request: Request) -> JSONResponse:
        body = await read_body(request, AdminBody)
        offered = body.admin_token.encode()
        # Compare against every configured token so the time taken does not reveal which one (or how many) matched.
        matched = [hmac.compare_digest(offered, known.encode()) for known in self.settings.admin_tokens]
        if not body.admin_token or not any(matched):
            raise _failed("Token exchange failed", "invalid admin token")
        return self.grant("admin", "admin", publish_and_edit("*"))

    async def github_oidc(self, request: Request) -> JSONResponse:
        """GitHub Actions: publish on the repository owner's namespace (owner-wide, for monorepos; like upstream)."""
        body = await read_body(request, OidcBody)
        if not self.settings.github_oidc_audience:
            raise _failed("Token exchange failed", "GitHub OIDC exchange disabled: no audience configured")
        try:
            identity = await self.oidc.verify(body.oidc_token)
        except GitHubIdentityError as error:
            raise _failed("Token exchange failed", str(error)) from None
        permissions = github_namespace_permissions(identity.repository_owner)
        return self.grant("github-oidc", identity.subject, permissions)

    async def github_at(self, request: Request) -> JSONResponse:
        """A GitHub access token: publish on the user's namespace and each public organisation's."""
        body = await read_body(request, GitHubTokenBody)
        try:
            if self.http_client is not None:
                login, orgs = await github_user_and_orgs(
                    self.http_client, self.settings.github_api_url, body.github_token
                )
            else:
                async with httpx.AsyncClient(timeout=10.0) as client:
                    login, orgs = await github_user_and_orgs(client, self.settings.github_api_url, body.github_token)
        except GitHubIdentityError as error:
            raise _failed("Token exchange failed", str(error)) from None
        # An unexpected login earns nothing at all (not even its orgs' namespaces), as upstream.
        permissions = github_namespace_permissions(login, *orgs) if is_valid_github_name(login) else []
        return self.grant("github-at", login, permissions)

    async def dns(self, request: Request) -> JSONResponse:
        """A key in the domain's apex TXT records: publish on ``<reversed>/*`` and every subdomain ``<reversed>.*``."""
        body = await read_body(request, SignedTimestampBody)
        try:
            signature = self._check_proof_request(body)
            records = list(await _settle(self.resolver(body.domain)))
            if not parse_key_records(records):
                await self._explain_misplaced_record(body.domain)
            verify_with_published_keys(records, body.timestamp.encode(), signature, where="DNS TXT records")
        except ProofError as error:
            raise _failed("DNS authentication failed", str(error)) from None
        permissions = domain_permissions(body.domain, include_subdomains=True)
        return self.grant("dns", body.domain, permissions, failure="DNS authentication failed")

    async def http(self, request: Request) -> JSONResponse:
        """A key at ``https://<domain>/.well-known/mcp-registry-auth``: publish on ``<reversed>/*`` only."""
        body = await read_body(request, SignedTimestampBody)
        try:
            signature = self._check_proof_request(body)
            record = await _settle(self.fetcher(body.domain))
            verify_with_published_keys([record], body.timestamp.encode(), signature, where="HTTP response")
        except ProofError as error:
            raise _failed("HTTP authentication failed", str(error)) from None
        permissions = domain_permissions(body.domain, include_subdomains=False)
        return self.grant("http", body.domain, permissions, failure="HTTP authentication failed")

    def _check_proof_request(self, body: SignedTimestampBody) -> bytes:
        check_domain(body.domain)
        check_timestamp(body.timestamp, datetime.fromtimestamp(self.issuer.now(), UTC))
        return decode_signature(body.signed_timestamp)

    async def _explain_misplaced_record(self, domain: str) -> None:
        """No key at the apex: if one sits under a selector-style name, say where it must go instead."""
        for selector in DNS_HINT_SELECTORS:
            try:
                elsewhere = list(await _settle(self.resolver(f"{selector}.{domain}")))
            except ProofError:
                continue
            if parse_key_records(elsewhere):
                raise ProofError(
                    f"no MCP public key found in DNS TXT records for {domain}, but one exists at "
                    f"{selector}.{domain}; the registry reads the TXT record at the domain itself"
                )


def auth_routes(
    settings: RegistrySettings,
    issuer: TokenIssuer,
    *,
    resolver: TxtResolver | None = None,
    fetcher: KeyFetcher | None = None,
    http_client: httpx.AsyncClient | None = None,
    oidc_verifier: GitHubOidcVerifier | None = None,
) -> list[Route]:
    """The exchange routes this deployment offers (``none`` and ``admin`` only when configured).

    ``resolver(domain) -> list[str]`` (TXT strings) and ``fetcher(domain) -> str`` (the well-known body) replace
    real DNS and HTTPS, sync or async; ``http_client`` is used for the GitHub API, the OIDC issuer and (unless a
    ``fetcher`` is given) the well-known fetch. ``oidc_verifier`` replaces the one built from the settings.
    """
    exchanges = _Exchanges(
        settings,
        issuer,
        resolver=resolver or resolve_txt,
        fetcher=fetcher or HttpKeyFetcher(client=http_client),
        http_client=http_client,
        oidc_verifier=oidc_verifier,
    )
    routes: list[Route] = [
        Route("/auth/github-oidc", exchanges.github_oidc, methods=["POST"]),
        Route("/auth/github-at", exchanges.github_at, methods=["POST"]),
        Route("/auth/dns", exchanges.dns, methods=["POST"]),
        Route("/auth/http", exchanges.http, methods=["POST"]),
    ]
    if settings.enable_anonymous_auth:
        routes.append(Route("/auth/none", exchanges.none, methods=["POST"]))
    if settings.admin_tokens:
        routes.append(Route("/auth/admin", exchanges.admin, methods=["POST"]))
    return routes

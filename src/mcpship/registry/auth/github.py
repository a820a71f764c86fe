"""GitHub identities: Actions OIDC tokens (checked against the issuer's JWKS) and access tokens (via the REST API)."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt

from mcpship._untrusted_json import loads_untrusted
from mcpship.registry.auth.permissions import Permission

__all__ = [
    "GitHubIdentityError",
    "GitHubOidcVerifier",
    "OidcIdentity",
    "github_namespace_permissions",
    "github_user_and_orgs",
    "is_valid_github_name",
]

GITHUB_NAME = re.compile(r"^[a-zA-Z0-9-]+$")
OIDC_ALGORITHMS = frozenset({"RS256", "ES256"})
"""Accepted OIDC signing algorithms (GitHub signs RS256); the JWK named by ``kid`` must be for the same one."""
MAX_JWKS_KEYS = 50
MAX_ORG_PAGES = 10
ORGS_PAGE_SIZE = 100
GITHUB_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


class GitHubIdentityError(Exception):
    """The GitHub credential could not be verified; the message is safe to show (no upstream bodies)."""


def is_valid_github_name(name: str) -> bool:
    return bool(GITHUB_NAME.match(name))


def github_namespace_permissions(*owners: str) -> list[Permission]:
    """``publish`` on ``io.github.<owner>/*`` for each well-formed owner; malformed names are skipped, not trusted."""
    return [Permission("publish", f"io.github.{owner}/*") for owner in owners if is_valid_github_name(owner)]


class OidcIdentity:
    def __init__(self, subject: str, repository_owner: str) -> None:
        self.subject = subject
        self.repository_owner = repository_owner


class GitHubOidcVerifier:
    """Verifies GitHub Actions OIDC tokens: signature by a key in the issuer's JWKS, ``iss``, ``aud``, ``exp``.

    The JWKS comes from ``{issuer}/.well-known/jwks`` (GitHub's address) or, failing that, the ``jwks_uri`` of
    ``{issuer}/.well-known/openid-configuration``. It is cached for ``max_age_seconds`` and re-fetched early when a
    token names an unknown ``kid`` - but at most once per ``min_refresh_seconds``, so junk tokens cannot make us
    hammer the issuer.
    """

    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        client: httpx.AsyncClient | None = None,
        max_age_seconds: float = 3600.0,
        min_refresh_seconds: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self._client = client
        self._max_age = max_age_seconds
        self._min_refresh = min_refresh_seconds
        self._monotonic = monotonic
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def verify(self, token: str) -> OidcIdentity:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise GitHubIdentityError(f"failed to parse token: {error}") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in OIDC_ALGORITHMS:
            raise GitHubIdentityError(f"unexpected signing algorithm {algorithm!r} (expected RS256 or ES256)")
        if not isinstance(kid, str) or not kid:
            raise GitHubIdentityError("missing kid in token header")
        key = await self._key(kid)
        if key.algorithm_name != algorithm:
            raise GitHubIdentityError(f"key {kid} is for {key.algorithm_name}, but the token says {algorithm}")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise GitHubIdentityError(f"failed to validate OIDC token: {error}") from None
        owner, subject = claims.get("repository_owner"), claims.get("sub")
        if not isinstance(owner, str) or not owner:
            raise GitHubIdentityError("repository owner claim is required")
        return OidcIdentity(subject=subject if isinstance(subject, str) else "", repository_owner=owner)

    async def _key(self, kid: str) -> jwt.PyJWK:
        async with self._lock:
            now = self._monotonic()
            stale = self._fetched_at is None or now - self._fetched_at >= self._max_age
            may_refresh = self._fetched_at is None or now - self._fetched_at >= self._min_refresh
            if stale or (kid not in self._keys and may_refresh):
                self._keys = await self._fetch_keys()
                self._fetched_at = now
            if kid not in self._keys:
                raise GitHubIdentityError(f"key with ID {kid} not found in the issuer's JWKS")
            return self._keys[kid]

    async def _fetch_keys(self) -> dict[str, jwt.PyJWK]:
        if self._client is not None:
            return await self._fetch_keys_with(self._client)
        async with httpx.AsyncClient(timeout=10.0) as client:
            return await self._fetch_keys_with(client)

    async def _fetch_keys_with(self, client: httpx.AsyncClient) -> dict[str, jwt.PyJWK]:
        try:
            document = await _get_json(client, f"{self.issuer}/.well-known/jwks")
        except GitHubIdentityError:
            discovery = await _get_json(client, f"{self.issuer}/.well-known/openid-configuration")
            jwks_uri = discovery.get("jwks_uri")
            if not isinstance(jwks_uri, str):
                raise GitHubIdentityError("the issuer's OpenID configuration has no jwks_uri") from None
            document = await _get_json(client, jwks_uri)
        raw_keys = document.get("keys")
        if not isinstance(raw_keys, list):
            raise GitHubIdentityError("the issuer's JWKS has no keys")
        keys: dict[str, jwt.PyJWK] = {}
        for raw in raw_keys[:MAX_JWKS_KEYS]:
            if not isinstance(raw, dict) or not isinstance(raw.get("kid"), str) or raw.get("use", "sig") != "sig":
                continue
            try:
                keys[raw["kid"]] = jwt.PyJWK(raw)
            except jwt.PyJWTError:
                continue  # a key type we cannot use; the others still count
        return keys


async def _get_json(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    try:
        response = await client.get(url, headers={"Accept": "application/json"}, follow_redirects=False)
    except httpx.HTTPError as error:
        raise GitHubIdentityError(f"failed to fetch {url}: {error}") from None
    if response.status_code != 200:
        raise GitHubIdentityError(f"{url} answered HTTP {response.status_code}")
    try:
        document = loads_untrusted(response.content)
    except ValueError:
        raise GitHubIdentityError(f"{url} did not answer JSON") from None
    if not isinstance(document, dict):
        raise GitHubIdentityError(f"{url} did not answer a JSON object")
    return document


async def github_user_and_orgs(client: httpx.AsyncClient, api_url: str, token: str) -> tuple[str, list[str]]:
    """The token owner's login and the logins of their public organisations (``/user``, ``/users/<login>/orgs``).

    Upstream's reference behaviour (registry.md §3.1) is the public-membership list; GitHub's own errors are
    reported by status only, never by echoing their body.
    """
    base = api_url.rstrip("/")
    headers = {**GITHUB_HEADERS, "Authorization": f"Bearer {token}"}
    user = await _github_get(client, f"{base}/user", headers)
    login = user.get("login") if isinstance(user, dict) else None
    if not isinstance(login, str) or not login:
        raise GitHubIdentityError("GitHub did not say who the token belongs to")
    if not is_valid_github_name(login):
        return login, []  # never put an unexpected name into a URL; it earns no permissions anyway
    orgs: list[str] = []
    for page in range(1, MAX_ORG_PAGES + 1):
        batch = await _github_get(client, f"{base}/users/{login}/orgs?per_page={ORGS_PAGE_SIZE}&page={page}", headers)
        if not isinstance(batch, list):
            raise GitHubIdentityError("GitHub answered an unexpected organisation list")
        orgs.extend(item["login"] for item in batch if isinstance(item, dict) and isinstance(item.get("login"), str))
        if len(batch) < ORGS_PAGE_SIZE:
            break
    return login, orgs


async def _github_get(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> Any:
    try:
        response = await client.get(url, headers=headers, follow_redirects=False)
    except httpx.HTTPError as error:
        raise GitHubIdentityError(f"cannot reach the GitHub API: {type(error).__name__}") from None
    if response.status_code != 200:
        raise GitHubIdentityError(f"GitHub API error (status {response.status_code})")
    try:
        return loads_untrusted(response.content)
    except ValueError:
        raise GitHubIdentityError("GitHub API answered something other than JSON") from None

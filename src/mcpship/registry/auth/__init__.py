"""Registry authentication: Ed25519 registry JWTs and the exchanges that mint them (registry.md §3.1-3.3).

- ``permissions``  :class:`Permission`, :class:`Claims` and upstream's resource-pattern rule
- ``tokens``       :class:`TokenIssuer` (sign/verify), :func:`claims_from_header`
- ``routes``       :func:`auth_routes`: ``/auth/{none,admin,github-oidc,github-at,dns,http}`` (mounted by the API)
- ``github``       GitHub Actions OIDC verification (cached JWKS) and the GitHub REST identity lookup
- ``domain_proof`` the DNS/HTTP signed-timestamp protocol; ``key_sources`` where those keys are fetched from
"""

from __future__ import annotations

from mcpship.registry.auth.key_sources import DnsTxtResolver, HttpKeyFetcher
from mcpship.registry.auth.permissions import Claims, Permission, resource_matches
from mcpship.registry.auth.routes import ANONYMOUS_NAMESPACE, auth_routes
from mcpship.registry.auth.tokens import IssuedToken, TokenIssuer, claims_from_header, generate_private_key

__all__ = [
    "ANONYMOUS_NAMESPACE",
    "Claims",
    "DnsTxtResolver",
    "HttpKeyFetcher",
    "IssuedToken",
    "Permission",
    "TokenIssuer",
    "auth_routes",
    "claims_from_header",
    "generate_private_key",
    "resource_matches",
]

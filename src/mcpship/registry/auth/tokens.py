"""Registry JWTs (registry.md §3.3): Ed25519-signed, five minutes, stateless (no revocation), EdDSA only."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mcpship.registry.auth.permissions import Claims, Permission, permissions_from_wire
from mcpship.registry.problems import RegistryHTTPError

__all__ = ["ISSUER", "IssuedToken", "TokenIssuer", "claims_from_header", "generate_private_key"]

ISSUER = "mcp-registry"
SEED_BYTES = 32
INVALID_TOKEN = "Invalid or expired Registry JWT token"


def generate_private_key() -> bytes:
    """A fresh 32-byte Ed25519 seed (what ``openssl rand -hex 32`` gives upstream, before hex)."""
    return secrets.token_bytes(SEED_BYTES)


@dataclass(frozen=True)
class IssuedToken:
    registry_token: str
    expires_at: int

    def to_wire(self) -> dict[str, Any]:
        """The token-exchange response body: ``{"registry_token", "expires_at"}``."""
        return {"registry_token": self.registry_token, "expires_at": self.expires_at}


class TokenIssuer:
    """Signs and verifies registry tokens with one Ed25519 key derived from ``private_seed``.

    ``clock`` drives both issuing and the ``exp``/``nbf`` checks, so expiry is testable without sleeping.
    """

    def __init__(
        self, private_seed: bytes, *, lifetime_seconds: int = 300, clock: Callable[[], float] = time.time
    ) -> None:
        if len(private_seed) != SEED_BYTES:
            raise ValueError(f"the JWT private key must be a {SEED_BYTES}-byte Ed25519 seed, got {len(private_seed)}")
        if lifetime_seconds <= 0:
            raise ValueError("the token lifetime must be positive")
        self._private_key = Ed25519PrivateKey.from_private_bytes(private_seed)
        self._public_key = self._private_key.public_key()
        self._lifetime = lifetime_seconds
        self._clock = clock

    def now(self) -> float:
        """This issuer's clock (the exchanges check proof timestamps against it too)."""
        return self._clock()

    def issue(self, *, auth_method: str, subject: str, permissions: Sequence[Permission]) -> IssuedToken:
        now = int(self._clock())
        claims = Claims(
            auth_method=auth_method,
            auth_method_sub=subject,
            permissions=tuple(permissions),
            issued_at=now,
            expires_at=now + self._lifetime,
        )
        payload = {
            "iss": ISSUER,
            "iat": claims.issued_at,
            "nbf": claims.issued_at,
            "exp": claims.expires_at,
            **claims.to_wire(),
        }
        return IssuedToken(jwt.encode(payload, self._private_key, algorithm="EdDSA"), claims.expires_at)

    def verify(self, token: str) -> Claims:
        """The claims of a token this issuer signed and that is valid now; ``RegistryHTTPError(401)`` otherwise."""
        try:
            payload = jwt.decode(
                token,
                self._public_key,
                algorithms=["EdDSA"],
                issuer=ISSUER,
                # Time is checked below against the injected clock; presence is required here.
                options={
                    "require": ["exp", "iat", "nbf", "iss"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
            return self._claims_valid_now(payload)
        except (jwt.PyJWTError, ValueError, TypeError) as error:
            reason = f"failed to parse token: {error}"
            raise RegistryHTTPError(401, INVALID_TOKEN, errors=[{"message": reason}]) from None

    def _claims_valid_now(self, payload: dict[str, Any]) -> Claims:
        now = self._clock()
        expires_at, not_before, issued_at = payload["exp"], payload["nbf"], payload["iat"]
        for name, value in (("exp", expires_at), ("nbf", not_before), ("iat", issued_at)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"the {name} claim must be an integer")
        if now >= expires_at:
            raise ValueError("token has expired")
        if now < not_before:
            raise ValueError("token is not valid yet")
        method, subject = payload.get("auth_method"), payload.get("auth_method_sub")
        if not isinstance(method, str) or not isinstance(subject, str):
            raise ValueError("auth_method and auth_method_sub must be strings")
        return Claims(
            auth_method=method,
            auth_method_sub=subject,
            permissions=permissions_from_wire(payload.get("permissions")),
            issued_at=issued_at,
            expires_at=expires_at,
        )


_BEARER = "bearer "


def claims_from_header(authorization: str | None, issuer: TokenIssuer) -> Claims:
    """Verify an ``Authorization: Bearer <jwt>`` header (scheme case-insensitive, like upstream's ``EqualFold``)."""
    if not authorization:
        raise RegistryHTTPError(401, "Authorization header is required")
    if authorization[: len(_BEARER)].lower() != _BEARER:
        raise RegistryHTTPError(401, "Invalid Authorization header format. Expected 'Bearer <token>'")
    return issuer.verify(authorization[len(_BEARER) :].strip())

"""Registry JWTs: EdDSA only, this key only, ``iss`` mcp-registry, ``exp`` required and honoured, ``nbf`` honoured."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mcpship.registry.auth import (
    Claims,
    Permission,
    TokenIssuer,
    claims_from_header,
    generate_private_key,
)
from mcpship.registry.problems import RegistryHTTPError

SEED = bytes(range(32))
NOW = 1_800_000_000.0
GRANT = [Permission("publish", "io.github.alice/*")]


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def issuer(clock: Clock | None = None, seed: bytes = SEED) -> TokenIssuer:
    return TokenIssuer(seed, clock=clock or Clock())


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def valid_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "iss": "mcp-registry",
        "iat": int(NOW),
        "nbf": int(NOW),
        "exp": int(NOW) + 300,
        "auth_method": "github-at",
        "auth_method_sub": "alice",
        "permissions": [{"action": "publish", "resource": "*"}],
    }
    payload.update(overrides)
    return {key: value for key, value in payload.items() if value is not None}


def signed_with_our_key(payload: dict[str, Any]) -> str:
    return jwt.encode(payload, Ed25519PrivateKey.from_private_bytes(SEED), algorithm="EdDSA")


def assert_rejected(token: str, clock: Clock | None = None) -> RegistryHTTPError:
    with pytest.raises(RegistryHTTPError) as raised:
        issuer(clock).verify(token)
    assert raised.value.status == 401
    assert raised.value.detail == "Invalid or expired Registry JWT token"
    return raised.value


def test_an_issued_token_verifies_back_to_its_claims() -> None:
    token = issuer().issue(auth_method="github-at", subject="alice", permissions=GRANT)

    assert issuer().verify(token.registry_token) == Claims(
        auth_method="github-at",
        auth_method_sub="alice",
        permissions=tuple(GRANT),
        issued_at=int(NOW),
        expires_at=int(NOW) + 300,
    )
    assert token.to_wire() == {"registry_token": token.registry_token, "expires_at": int(NOW) + 300}


def test_the_token_carries_upstreams_claims_and_header() -> None:
    token = TokenIssuer(SEED, lifetime_seconds=60, clock=Clock()).issue(
        auth_method="dns", subject="example.com", permissions=GRANT
    )

    assert jwt.get_unverified_header(token.registry_token)["alg"] == "EdDSA"
    assert jwt.decode(token.registry_token, options={"verify_signature": False}) == {
        "iss": "mcp-registry",
        "iat": int(NOW),
        "nbf": int(NOW),
        "exp": int(NOW) + 60,
        "auth_method": "dns",
        "auth_method_sub": "example.com",
        "permissions": [{"action": "publish", "resource": "io.github.alice/*"}],
    }


def test_a_token_is_valid_until_its_lifetime_runs_out() -> None:
    clock = Clock()
    token = issuer(clock).issue(auth_method="none", subject="anonymous", permissions=GRANT).registry_token

    clock.now = NOW + 299
    assert issuer(clock).verify(token).auth_method == "none"
    clock.now = NOW + 300
    assert assert_rejected(token, clock).errors == [{"message": "failed to parse token: token has expired"}]


def test_a_token_used_before_its_nbf_is_rejected() -> None:
    error = assert_rejected(signed_with_our_key(valid_payload(nbf=int(NOW) + 60)))
    assert error.errors == [{"message": "failed to parse token: token is not valid yet"}]


@pytest.mark.parametrize("now", [1_000_000_000.0, 4_000_000_000.0], ids=["2001", "2096"])
def test_the_issuers_clock_not_the_wall_clock_decides_validity(now: float) -> None:
    clock = Clock(now)
    token = issuer(clock).issue(auth_method="none", subject="anonymous", permissions=GRANT).registry_token

    assert issuer(clock).verify(token).issued_at == int(now)
    clock.now = now + 300
    assert_rejected(token, clock)


@pytest.mark.parametrize("lifetime", [0, -1])
def test_the_issuer_refuses_a_lifetime_that_is_not_positive(lifetime: int) -> None:
    with pytest.raises(ValueError) as raised:
        TokenIssuer(SEED, lifetime_seconds=lifetime)
    assert str(raised.value) == "the token lifetime must be positive"


def test_a_one_second_lifetime_is_valid_for_exactly_one_second() -> None:
    clock = Clock()
    one_second = TokenIssuer(SEED, lifetime_seconds=1, clock=clock)
    token = one_second.issue(auth_method="none", subject="anonymous", permissions=GRANT)

    assert token.expires_at == int(NOW) + 1
    assert one_second.verify(token.registry_token).expires_at == int(NOW) + 1
    clock.now = NOW + 1
    assert_rejected(token.registry_token, clock)


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
@pytest.mark.parametrize("value", ["1800000300", 1_800_000_300.5, True], ids=["string", "float", "bool"])
def test_a_time_claim_that_is_not_an_integer_is_rejected(claim: str, value: object) -> None:
    error = assert_rejected(signed_with_our_key(valid_payload(**{claim: value})))
    assert error.errors == [{"message": f"failed to parse token: the {claim} claim must be an integer"}]


@pytest.mark.parametrize("claim", ["auth_method", "auth_method_sub"])
@pytest.mark.parametrize("value", [None, 5])
def test_a_token_whose_auth_method_or_subject_is_not_a_string_is_rejected(claim: str, value: object) -> None:
    payload = valid_payload()
    payload[claim] = value
    error = assert_rejected(signed_with_our_key(payload))
    assert error.errors == [{"message": "failed to parse token: auth_method and auth_method_sub must be strings"}]


def test_a_token_signed_by_another_key_is_rejected() -> None:
    stranger = TokenIssuer(generate_private_key(), clock=Clock())
    assert_rejected(stranger.issue(auth_method="none", subject="x", permissions=GRANT).registry_token)


def test_an_unsigned_alg_none_token_is_rejected() -> None:
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    body = b64url(json.dumps(valid_payload()).encode())
    assert_rejected(f"{header}.{body}.")
    assert_rejected(jwt.encode(valid_payload(), "", algorithm="none"))


@pytest.mark.parametrize("secret_form", ["raw", "pem"])
def test_an_hs256_token_keyed_with_our_public_key_is_rejected(secret_form: str) -> None:
    public = Ed25519PrivateKey.from_private_bytes(SEED).public_key()
    secret = (
        public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if secret_form == "raw"
        else public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    signing_input = f"{header}.{b64url(json.dumps(valid_payload()).encode())}"
    signature = b64url(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())
    assert_rejected(f"{signing_input}.{signature}")


@pytest.mark.parametrize("missing", ["exp", "iss", "nbf", "iat"])
def test_a_token_missing_a_registered_claim_is_rejected(missing: str) -> None:
    assert_rejected(signed_with_our_key(valid_payload(**{missing: None})))


def test_a_token_from_another_issuer_is_rejected() -> None:
    assert_rejected(signed_with_our_key(valid_payload(iss="someone-else")))


@pytest.mark.parametrize(
    ("permissions", "reason"),
    [
        (None, "permissions must be a list"),
        ("publish:*", "permissions must be a list"),
        ([{"action": "delete", "resource": "*"}], "unknown permission action 'delete'"),
        ([{"action": "publish"}], "permission resource must be a non-empty string"),
    ],
)
def test_a_token_with_malformed_permissions_is_rejected(permissions: object, reason: str) -> None:
    payload = valid_payload()
    payload["permissions"] = permissions
    error = assert_rejected(signed_with_our_key(payload))
    assert error.errors == [{"message": f"failed to parse token: {reason}"}]


def test_a_tampered_payload_is_rejected() -> None:
    token = issuer().issue(auth_method="none", subject="anonymous", permissions=GRANT).registry_token
    header, _, signature = token.split(".")
    forged = b64url(json.dumps(valid_payload(permissions=[{"action": "publish", "resource": "*"}])).encode())
    assert_rejected(f"{header}.{forged}.{signature}")


@pytest.mark.parametrize("garbage", ["", "not-a-jwt", "a.b.c", "a.b"])
def test_garbage_is_rejected(garbage: str) -> None:
    assert_rejected(garbage)


def test_the_bearer_header_yields_claims_whatever_the_scheme_case() -> None:
    token = issuer().issue(auth_method="none", subject="anonymous", permissions=GRANT).registry_token

    assert claims_from_header(f"Bearer {token}", issuer()).auth_method_sub == "anonymous"
    assert claims_from_header(f"bearer {token}", issuer()).auth_method_sub == "anonymous"


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        (None, "Authorization header is required"),
        ("", "Authorization header is required"),
        ("Basic YWxpY2U6cHc=", "Invalid Authorization header format. Expected 'Bearer <token>'"),
        ("Bearer", "Invalid Authorization header format. Expected 'Bearer <token>'"),
        ("Bearer not-a-jwt", "Invalid or expired Registry JWT token"),
    ],
)
def test_a_missing_or_bad_authorization_header_is_401(header: str | None, detail: str) -> None:
    with pytest.raises(RegistryHTTPError) as raised:
        claims_from_header(header, issuer())
    assert (raised.value.status, raised.value.detail) == (401, detail)


def test_the_issuer_refuses_a_seed_that_is_not_32_bytes() -> None:
    with pytest.raises(ValueError, match="32-byte"):
        TokenIssuer(b"short")


def test_generated_private_keys_are_fresh_32_byte_seeds() -> None:
    first, second = generate_private_key(), generate_private_key()
    assert len(first) == 32
    assert first != second
    TokenIssuer(first)

"""DNS and HTTP domain proofs through the real routes, with injected key sources (registry.md §3.2)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from starlette.testclient import TestClient

from mcpship.registry.auth import Permission, TokenIssuer, auth_routes
from mcpship.registry.auth.domain_proof import ProofError, PublishedKey, check_timestamp, reverse_domain
from mcpship.registry.auth.key_sources import is_public_address
from mcpship.registry.config import RegistrySettings
from mcpship.registry.problems import PROBLEM_JSON
from tests.registry_support.oidc_issuer import auth_app

SEED = bytes(range(32))
NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
SETTINGS = RegistrySettings(database_url="sqlite://", jwt_private_key=SEED)


def issuer() -> TokenIssuer:
    return TokenIssuer(SEED, clock=NOW.timestamp)


@dataclass
class Ed25519Signer:
    key: Ed25519PrivateKey

    @classmethod
    def fresh(cls) -> Ed25519Signer:
        return cls(Ed25519PrivateKey.generate())

    @property
    def raw_public(self) -> bytes:
        return self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def record(self) -> str:
        return f"v=MCPv1; k=ed25519; p={base64.b64encode(self.raw_public).decode()}"

    @property
    def fingerprint(self) -> str:
        return "ed25519:" + base64.b64encode(self.raw_public).decode()[:8]

    def sign(self, message: str) -> str:
        return self.key.sign(message.encode()).hex()


@dataclass
class P384Signer:
    key: ec.EllipticCurvePrivateKey

    @classmethod
    def fresh(cls) -> P384Signer:
        return cls(ec.generate_private_key(ec.SECP384R1()))

    @property
    def record(self) -> str:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
        return f"v=MCPv1; k=ecdsap384; p={base64.b64encode(point).decode()}"

    def sign(self, message: str) -> str:
        r, s = decode_dss_signature(self.key.sign(message.encode(), ec.ECDSA(hashes.SHA384())))
        return (r.to_bytes(48, "big") + s.to_bytes(48, "big")).hex()


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class KeySources:
    """A fake DNS zone and a fake set of web servers; records what was asked."""

    def __init__(self) -> None:
        self.txt: dict[str, list[str]] = {}
        self.well_known: dict[str, str] = {}
        self.asked: list[str] = []

    async def resolve(self, name: str) -> list[str]:
        self.asked.append(name)
        return self.txt.get(name, [])

    def fetch(self, domain: str) -> str:  # a sync fetcher: both kinds are accepted
        self.asked.append(domain)
        return self.well_known.get(domain, "")


def exchange(method: str, sources: KeySources, body: dict[str, Any], settings: RegistrySettings = SETTINGS) -> Any:
    routes = auth_routes(settings, issuer(), resolver=sources.resolve, fetcher=sources.fetch)
    with TestClient(auth_app(routes)) as http:
        return http.post(f"/v0.1/auth/{method}", json=body)


def proof(signer: Ed25519Signer | P384Signer, domain: str = "example.com", at: datetime = NOW) -> dict[str, str]:
    timestamp = rfc3339(at)
    return {"domain": domain, "timestamp": timestamp, "signed_timestamp": signer.sign(timestamp)}


def granted(response: Any) -> tuple[str, str, tuple[Permission, ...]]:
    assert response.status_code == 200, response.text
    claims = issuer().verify(response.json()["registry_token"])
    return claims.auth_method, claims.auth_method_sub, claims.permissions


def refused(response: Any, detail: str) -> str:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["detail"] == detail
    message: str = body["errors"][0]["message"]
    return message


def test_a_dns_proof_grants_the_domain_and_its_subdomains() -> None:
    signer, sources = Ed25519Signer.fresh(), KeySources()
    sources.txt["example.com"] = ["google-site-verification=abc", signer.record]

    method, subject, permissions = granted(exchange("dns", sources, proof(signer)))

    assert (method, subject) == ("dns", "example.com")
    assert permissions == (Permission("publish", "com.example/*"), Permission("publish", "com.example.*"))
    assert sources.asked == ["example.com"]


def test_an_http_proof_grants_the_host_namespace_only() -> None:
    signer, sources = Ed25519Signer.fresh(), KeySources()
    sources.well_known["api.example.com"] = f"\n  {signer.record}  \n"

    method, subject, permissions = granted(exchange("http", sources, proof(signer, "api.example.com")))

    assert (method, subject) == ("http", "api.example.com")
    assert permissions == (Permission("publish", "com.example.api/*"),)


def test_any_of_several_published_keys_may_sign_key_rotation() -> None:
    old, new, sources = Ed25519Signer.fresh(), Ed25519Signer.fresh(), KeySources()
    sources.txt["example.com"] = [old.record, new.record]

    assert granted(exchange("dns", sources, proof(new)))[0] == "dns"


def test_an_ecdsa_p384_key_proves_a_domain() -> None:
    signer, sources = P384Signer.fresh(), KeySources()
    sources.txt["example.com"] = [signer.record]

    assert granted(exchange("dns", sources, proof(signer)))[0] == "dns"


@pytest.mark.parametrize("offset", [timedelta(seconds=-15), timedelta(seconds=15), timedelta(seconds=-14)])
def test_a_timestamp_within_15_seconds_is_accepted(offset: timedelta) -> None:
    signer, sources = Ed25519Signer.fresh(), KeySources()
    sources.txt["example.com"] = [signer.record]

    assert granted(exchange("dns", sources, proof(signer, at=NOW + offset)))[0] == "dns"


@pytest.mark.parametrize("method", ["dns", "http"])
@pytest.mark.parametrize(
    "offset", [timedelta(seconds=-16), timedelta(seconds=16), timedelta(hours=-1), timedelta(days=1)]
)
def test_a_timestamp_outside_15_seconds_is_refused_past_or_future(method: str, offset: timedelta) -> None:
    signer, sources = Ed25519Signer.fresh(), KeySources()
    sources.txt["example.com"] = [signer.record]
    sources.well_known["example.com"] = signer.record

    response = exchange(method, sources, proof(signer, at=NOW + offset))

    message = refused(response, f"{method.upper()} authentication failed")

    assert message == "timestamp outside valid window (±15 seconds)"
    assert sources.asked == []  # refused before any lookup


def test_a_signature_by_an_unpublished_key_names_the_published_key() -> None:
    published, stranger, sources = Ed25519Signer.fresh(), Ed25519Signer.fresh(), KeySources()
    sources.txt["example.com"] = [published.record]

    message = refused(exchange("dns", sources, proof(stranger)), "DNS authentication failed")

    assert message == (
        f"signature verification failed (tried published key {published.fingerprint}); "
        "if this is not the key you are signing with, the published record may be stale"
    )


def test_a_mismatch_against_several_keys_lists_every_fingerprint() -> None:
    first, second, stranger, sources = Ed25519Signer.fresh(), Ed25519Signer.fresh(), Ed25519Signer.fresh(), KeySources()
    sources.well_known["example.com"] = first.record
    sources.txt["example.com"] = [first.record, second.record]

    message = refused(exchange("dns", sources, proof(stranger)), "DNS authentication failed")

    assert f"against all 2 published keys (tried: {first.fingerprint}, {second.fingerprint})" in message


def test_a_fingerprint_is_the_algorithm_and_8_base64_characters() -> None:
    raw = base64.b64decode("YJLsHFhuAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    assert PublishedKey("ed25519", raw).fingerprint == "ed25519:YJLsHFhu"


@pytest.mark.parametrize(
    ("signed_timestamp", "expected"),
    [
        ("not-hex", "invalid signature format, must be hex"),
        ("abc", "invalid signature format, must be hex"),
        ("abcd", "invalid signature size for Ed25519"),
        ("", "invalid signature size for Ed25519"),
    ],
)
def test_a_malformed_signature_is_refused(signed_timestamp: str, expected: str) -> None:
    signer, sources = Ed25519Signer.fresh(), KeySources()
    sources.txt["example.com"] = [signer.record]
    body = {**proof(signer), "signed_timestamp": signed_timestamp}

    assert refused(exchange("dns", sources, body), "DNS authentication failed").startswith(expected)


def test_a_p384_signature_of_the_wrong_size_is_refused() -> None:
    signer, sources = P384Signer.fresh(), KeySources()
    sources.txt["example.com"] = [signer.record]
    body = {**proof(signer), "signed_timestamp": "00" * 64}

    message = refused(exchange("dns", sources, body), "DNS authentication failed")

    assert message == "invalid signature size for ECDSA P-384"


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ([], "no MCP public key found in DNS TXT records"),
        (["v=spf1 -all"], "no MCP public key found in DNS TXT records"),
        (["v=MCPv1; k=rsa; p=AAAA"], "unsupported public key algorithm: rsa"),
        (["v=MCPv1; k=ed25519; p=AAAA"], "invalid Ed25519 public key size"),
        (["v=MCPv1; k=ecdsap384; p=" + base64.b64encode(b"\x04" + bytes(48)).decode()], "invalid ECDSA P-384"),
        (["v=MCPv1; k=ecdsap384; p=" + base64.b64encode(b"\x02" + b"\xff" * 48).decode()], "failed to decompress"),
        (["v=MCPv1; k=rsa; p=AAAA", "v=MCPv1; k=dsa; p=AAAA"], "no valid MCP public key found"),
    ],
)
def test_missing_or_unusable_key_records_are_explained(records: list[str], expected: str) -> None:
    sources = KeySources()
    sources.txt["example.com"] = records

    message = refused(exchange("dns", sources, proof(Ed25519Signer.fresh())), "DNS authentication failed")

    assert message.startswith(expected)


def test_a_key_published_under_a_selector_name_gets_a_hint_to_move_it() -> None:
    signer, sources = Ed25519Signer.fresh(), KeySources()
    sources.txt["_mcp-auth.example.com"] = [signer.record]

    message = refused(exchange("dns", sources, proof(signer)), "DNS authentication failed")

    assert "one exists at _mcp-auth.example.com" in message


def test_an_empty_well_known_document_is_refused() -> None:
    message = refused(exchange("http", KeySources(), proof(Ed25519Signer.fresh())), "HTTP authentication failed")
    assert message == "no MCP public key found in HTTP response"


@pytest.mark.parametrize(
    "domain",
    [
        "",
        "-example.com",
        "example-.com",
        "exa mple.com",
        "example..com",
        ".example.com",
        "example.com.",
        "a" * 254,
        "127.0.0.1:8080",
        "example.com/path",
    ],
)
def test_a_malformed_domain_is_refused_before_any_lookup(domain: str) -> None:
    sources = KeySources()

    message = refused(exchange("dns", sources, proof(Ed25519Signer.fresh(), domain)), "DNS authentication failed")

    assert message == "invalid domain format"
    assert sources.asked == []


@pytest.mark.parametrize(
    "timestamp",
    ["2026-11-22 12:00:00Z", "2026-11-22T12:00:00", "2026-11-22T12:00Z", "1795000000", "2026-11-22T12:00:00+0000"],
)
def test_a_timestamp_that_is_not_rfc3339_is_refused(timestamp: str) -> None:
    with pytest.raises(ProofError, match="invalid timestamp format"):
        check_timestamp(timestamp, NOW)


@pytest.mark.parametrize(
    "timestamp", ["2026-11-22T12:00:00Z", "2026-11-22T12:00:00.123456789Z", "2026-11-22T13:00:05+01:00"]
)
def test_rfc3339_timestamps_with_fractions_and_offsets_are_accepted(timestamp: str) -> None:
    check_timestamp(timestamp, NOW)


def test_a_blocked_domain_namespace_is_refused() -> None:
    signer, sources = Ed25519Signer.fresh(), KeySources()
    sources.txt["example.com"] = [signer.record]
    settings = replace(SETTINGS, blocked_namespaces=("com.example",))

    assert "blocked" in refused(exchange("dns", sources, proof(signer), settings), "DNS authentication failed")


def test_a_proof_for_one_domain_cannot_be_replayed_for_another() -> None:
    signer, sources = Ed25519Signer.fresh(), KeySources()
    sources.txt["example.com"] = [signer.record]
    sources.txt["victim.org"] = [Ed25519Signer.fresh().record]

    refused(exchange("dns", sources, {**proof(signer), "domain": "victim.org"}), "DNS authentication failed")


def test_reversing_a_domain_gives_its_namespace() -> None:
    assert reverse_domain("api.example.co.uk") == "uk.co.example.api"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("::1", False),
        ("10.1.2.3", False),
        ("192.168.0.10", False),
        ("172.16.5.4", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:93.184.216.34", True),
    ],
)
def test_the_key_fetcher_only_connects_to_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(address) is public

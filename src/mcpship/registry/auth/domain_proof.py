"""DNS and HTTP domain proofs (registry.md §3.2): a signed timestamp checked against published ``MCPv1`` keys.

The protocol is upstream's (``internal/api/handlers/v0/auth/common.go``): the client signs the exact RFC3339
``timestamp`` string (within ±15 s of our clock) with a key whose public half the domain publishes as
``v=MCPv1; k=<ed25519|ecdsap384>; p=<base64>``; any published key may verify (rotation). Failures raise
:class:`ProofError`, whose message is what the 401 shows the user.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from mcpship.registry.auth.permissions import Permission

__all__ = [
    "CLOCK_SKEW",
    "ECDSA_P384",
    "ED25519",
    "ProofError",
    "PublishedKey",
    "check_domain",
    "check_timestamp",
    "decode_signature",
    "domain_permissions",
    "parse_key_records",
    "reverse_domain",
    "verify_with_published_keys",
]

ED25519 = "ed25519"
ECDSA_P384 = "ecdsap384"
CLOCK_SKEW = timedelta(seconds=15)
KEY_RECORD = re.compile(r"v=MCPv1;\s*k=([^;]+);\s*p=([A-Za-z0-9+/=]+)")
DOMAIN = re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$")
MAX_DOMAIN_LENGTH = 253
# Go's time.RFC3339 layout: a 'T', whole seconds, optional fraction, and a zone (Z or ±hh:mm) are all mandatory.
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
P384_POINT_BYTES = 49
P384_SIGNATURE_BYTES = 96
ED25519_KEY_BYTES = 32
ED25519_SIGNATURE_BYTES = 64
FINGERPRINT_CHARS = 8


class ProofError(Exception):
    """The proof does not hold; the message is safe and useful to show the caller."""


class _MismatchError(ProofError):
    """A well-formed signature that this key did not make (the only case worth listing fingerprints for)."""


def check_domain(domain: str) -> None:
    if not domain or len(domain) > MAX_DOMAIN_LENGTH or not DOMAIN.match(domain):
        raise ProofError("invalid domain format")


def check_timestamp(timestamp: str, now: datetime) -> datetime:
    """Parse the RFC3339 ``timestamp`` and require it within ±15 s of ``now`` (aware) - replay protection."""
    if not RFC3339.match(timestamp):
        raise ProofError(f"invalid timestamp format: {timestamp!r} is not RFC3339 (e.g. 2025-01-01T00:00:00Z)")
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError as error:
        raise ProofError(f"invalid timestamp format: {error}") from None
    if moment < now - CLOCK_SKEW or moment > now + CLOCK_SKEW:
        raise ProofError("timestamp outside valid window (±15 seconds)")
    return moment


def decode_signature(signed_timestamp: str) -> bytes:
    try:
        return bytes.fromhex(signed_timestamp)
    except ValueError as error:
        raise ProofError(f"invalid signature format, must be hex: {error}") from None


@dataclass(frozen=True)
class PublishedKey:
    """One public key from a proof record: ``raw`` is the record's bytes (32-byte Ed25519 or 49-byte P-384 point)."""

    algorithm: str
    raw: bytes

    @property
    def fingerprint(self) -> str:
        """``<algorithm>:<first 8 base64 chars>`` (upstream PR #1202): names the key without printing it all."""
        return f"{self.algorithm}:{base64.b64encode(self.raw).decode()[:FINGERPRINT_CHARS]}"

    def verify(self, message: bytes, signature: bytes) -> None:
        if self.algorithm == ED25519:
            if len(signature) != ED25519_SIGNATURE_BYTES:
                raise ProofError("invalid signature size for Ed25519")
            try:
                Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
            except InvalidSignature:
                raise _MismatchError("Ed25519: signature does not match public key") from None
            return
        if len(signature) != P384_SIGNATURE_BYTES:
            raise ProofError("invalid signature size for ECDSA P-384")
        half = P384_SIGNATURE_BYTES // 2
        der = encode_dss_signature(int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big"))
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), self.raw)
        try:
            key.verify(der, message, ec.ECDSA(hashes.SHA384()))
        except InvalidSignature:
            raise _MismatchError("ECDSA P-384: signature does not match public key") from None


def _parse_key(algorithm: str, encoded: str) -> PublishedKey:
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error as error:
        raise ProofError(f"failed to decode public key: {error}") from None
    if algorithm == ED25519:
        if len(raw) != ED25519_KEY_BYTES:
            raise ProofError("invalid Ed25519 public key size")
        return PublishedKey(ED25519, raw)
    if algorithm == ECDSA_P384:
        if len(raw) != P384_POINT_BYTES:
            raise ProofError("invalid ECDSA P-384 public key size")
        if raw[0] not in (0x02, 0x03):
            raise ProofError(
                "invalid ECDSA P-384 public key format (must be compressed, with a leading 0x02 or 0x03 byte)"
            )
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), raw)
        except ValueError:
            raise ProofError("failed to decompress ECDSA P-384 public key") from None
        return PublishedKey(ECDSA_P384, raw)
    raise ProofError(f"unsupported public key algorithm: {algorithm}")


def parse_key_records(records: Iterable[str]) -> list[PublishedKey | ProofError]:
    """Every ``v=MCPv1`` record in ``records``, parsed or the reason it could not be; other records are ignored."""
    parsed: list[PublishedKey | ProofError] = []
    for record in records:
        match = KEY_RECORD.search(record)
        if match is None:
            continue
        try:
            parsed.append(_parse_key(match.group(1).strip(), match.group(2)))
        except ProofError as error:
            parsed.append(error)
    return parsed


def verify_with_published_keys(records: Sequence[str], message: bytes, signature: bytes, *, where: str) -> None:
    """Pass if any key published in ``records`` made ``signature``; otherwise explain, with key fingerprints."""
    parsed = parse_key_records(records)
    if not parsed:
        raise ProofError(f"no MCP public key found in {where}")
    if len(parsed) == 1 and isinstance(parsed[0], ProofError):
        raise parsed[0]
    keys = [item for item in parsed if isinstance(item, PublishedKey)]
    if not keys:
        raise ProofError("no valid MCP public key found")
    failures: list[ProofError] = []
    for key in keys:
        try:
            key.verify(message, signature)
        except ProofError as error:
            failures.append(error)
        else:
            return
    structural = [failure for failure in failures if not isinstance(failure, _MismatchError)]
    if structural:
        # A wrong-size signature is more actionable than "no key matched".
        raise structural[-1]
    fingerprints = [key.fingerprint for key in keys]
    if len(keys) == 1:
        raise ProofError(
            f"signature verification failed (tried published key {fingerprints[0]}); "
            "if this is not the key you are signing with, the published record may be stale"
        )
    raise ProofError(
        f"signature verification failed against all {len(keys)} published keys (tried: {', '.join(fingerprints)}); "
        "if you recently rotated keys, remove any stale records"
    )


def reverse_domain(domain: str) -> str:
    """``example.com`` -> ``com.example`` (the registry's namespace for that domain)."""
    return ".".join(reversed(domain.split(".")))


def domain_permissions(domain: str, *, include_subdomains: bool) -> list[Permission]:
    """DNS proves the whole zone (``com.example/*`` and ``com.example.*``); HTTP only the host (``com.example/*``)."""
    namespace = reverse_domain(domain)
    permissions = [Permission("publish", f"{namespace}/*")]
    if include_subdomains:
        permissions.append(Permission("publish", f"{namespace}.*"))
    return permissions

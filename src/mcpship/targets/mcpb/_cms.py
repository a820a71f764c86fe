"""Verify a detached CMS SignedData over some bytes, the checks the official verifier intends (sign.ts):

1. the signed ``messageDigest`` attribute equals the digest of the content;
2. the signature over the signed attributes verifies with the signer certificate's key;
3. with trust anchors given, the signer certificate chains to one of them (through the bundled certificates).

"self-signed" follows the CLI: the signer's issuer equals its subject. The structure comes from an untrusted
bundle: asn1crypto parses it (``cryptography`` builds PKCS#7 but does not expose the signer infos of one it
reads); certificates and signatures are checked by ``cryptography``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from asn1crypto import cms as asn1_cms
from asn1crypto import core as asn1_core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

__all__ = ["SignatureReport", "verify_detached"]

_SIGNED_DATA = "1.2.840.113549.1.7.2"
_DATA = "1.2.840.113549.1.7.1"
_CONTENT_TYPE = "1.2.840.113549.1.9.3"
_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_CODE_SIGNING = "1.3.6.1.5.5.7.3.3"
_DIGESTS: dict[str, tuple[str, type[hashes.HashAlgorithm]]] = {
    "2.16.840.1.101.3.4.2.1": ("sha256", hashes.SHA256),
    "2.16.840.1.101.3.4.2.2": ("sha384", hashes.SHA384),
    "2.16.840.1.101.3.4.2.3": ("sha512", hashes.SHA512),
}
_RSA = {"1.2.840.113549.1.1.1", "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13"}
_ECDSA = {"1.2.840.10045.2.1", "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4"}
_ED25519 = "1.3.101.112"
_MAX_CHAIN = 8
_MAX_CERTIFICATES = 32
"""Certificates read from one signature: a signer and its chain; more only costs time."""

Status = Literal["unsigned", "signed", "self-signed", "untrusted", "invalid"]


@dataclass(frozen=True, kw_only=True)
class SignatureReport:
    status: Status
    """``invalid``: the bytes or the signature do not check out; ``untrusted``: valid but no chain to an anchor."""
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    publisher: str | None = None
    issuer: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    fingerprint: str | None = None
    """SHA-256 of the signer certificate (DER), hex."""
    chain_checked: bool = field(default=False)


class _BadSignatureError(Exception):
    pass


def verify_detached(
    content_digest: Callable[[str], bytes], der: bytes, *, trusted: Sequence[x509.Certificate] = ()
) -> SignatureReport:
    """Check ``der`` over the content whose digest ``content_digest(name)`` gives (``name``: sha256, ...)."""
    try:
        signer, certificates, signer_info = _signer(der)
        _check_signature(content_digest, signer, signer_info)
    except _BadSignatureError as exc:
        return SignatureReport(status="invalid", errors=(str(exc),))
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        # asn1crypto raises these on malformed DER; cryptography raises ValueError on a bad certificate.
        return SignatureReport(status="invalid", errors=(f"the signature is not a well-formed CMS SignedData: {exc}",))
    report = SignatureReport(
        status="self-signed" if signer.issuer == signer.subject else "signed",
        warnings=_certificate_warnings(signer),
        publisher=_common_name(signer.subject),
        issuer=_common_name(signer.issuer),
        valid_from=signer.not_valid_before_utc,
        valid_to=signer.not_valid_after_utc,
        fingerprint=hashlib.sha256(signer.public_bytes(serialization.Encoding.DER)).hexdigest(),
    )
    if not trusted:
        return report
    problem = _chain_problem(signer, certificates, trusted)
    if problem:
        return replace(report, status="untrusted", errors=(problem,))
    return replace(report, chain_checked=True)


def _signer(der: bytes) -> tuple[x509.Certificate, list[x509.Certificate], Any]:
    content_info = asn1_cms.ContentInfo.load(der, strict=True)
    if content_info["content_type"].dotted != _SIGNED_DATA:
        raise _BadSignatureError("the signature is not a CMS SignedData")
    signed_data = content_info["content"]
    choices = [] if isinstance(signed_data["certificates"], asn1_core.Void) else list(signed_data["certificates"])
    if len(choices) > _MAX_CERTIFICATES:
        raise _BadSignatureError(f"the signature carries {len(choices)} certificates; at most {_MAX_CERTIFICATES}")
    certificates = [
        x509.load_der_x509_certificate(choice.chosen.dump()) for choice in choices if choice.name == "certificate"
    ]
    signer_infos = signed_data["signer_infos"]
    if len(signer_infos) != 1:
        raise _BadSignatureError(f"expected one signer, found {len(signer_infos)}")
    signer_info = signer_infos[0]
    for certificate in certificates:
        if _identifies(signer_info["sid"], certificate):
            return certificate, certificates, signer_info
    raise _BadSignatureError("the signer's certificate is not included in the signature")


def _identifies(sid: Any, certificate: x509.Certificate) -> bool:
    if sid.name == "issuer_and_serial_number":
        chosen = sid.chosen
        return bool(
            chosen["serial_number"].native == certificate.serial_number
            and chosen["issuer"].dump() == _issuer_der(certificate)
        )
    if sid.name == "subject_key_identifier":
        try:
            extension = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        except x509.ExtensionNotFound:
            return False
        return bool(extension.value.digest == sid.chosen.native)
    return False


def _issuer_der(certificate: x509.Certificate) -> bytes:
    # The exact issuer bytes from the certificate; re-encoding a Name is not guaranteed to round-trip.
    parsed = asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
    return bytes(parsed["tbs_certificate"]["issuer"].dump())


def _check_signature(content_digest: Callable[[str], bytes], signer: x509.Certificate, info: Any) -> None:
    digest_oid = info["digest_algorithm"]["algorithm"].dotted
    if digest_oid not in _DIGESTS:
        raise _BadSignatureError(f"unsupported digest algorithm {digest_oid} (MCPB uses SHA-256)")
    digest_name, hash_type = _DIGESTS[digest_oid]
    digest = content_digest(digest_name)
    algorithm_oid = info["signature_algorithm"]["algorithm"].dotted
    signature = bytes(info["signature"].native)
    signed_attributes = info["signed_attrs"]
    if isinstance(signed_attributes, asn1_core.Void):
        # No attributes: the signature is over the content itself, checked from its digest.
        _verify(signer.public_key(), algorithm_oid, signature, digest, hash_type(), prehashed=True)
        return
    attributes = {attribute["type"].dotted: attribute["values"] for attribute in signed_attributes}
    digest_values = attributes.get(_MESSAGE_DIGEST)
    if digest_values is None or len(digest_values) != 1 or digest_values[0].native != digest:
        raise _BadSignatureError("the signed digest does not match the bundle: its bytes changed after signing")
    content_types = attributes.get(_CONTENT_TYPE)
    if content_types is None or len(content_types) != 1 or content_types[0].dotted != _DATA:
        raise _BadSignatureError("the signed contentType attribute is missing or not id-data")
    # The signature covers the attributes encoded as a SET OF, not with their [0] IMPLICIT tag: the original
    # bytes with the tag swapped, since a re-encoding need not match what was signed.
    signed_bytes = b"\x31" + bytes(signed_attributes.dump())[1:]
    _verify(signer.public_key(), algorithm_oid, signature, signed_bytes, hash_type(), prehashed=False)


def _verify(
    key: object,
    algorithm: str,
    signature: bytes,
    data: bytes,
    hash_algorithm: hashes.HashAlgorithm,
    *,
    prehashed: bool,
) -> None:
    chosen: hashes.HashAlgorithm | Prehashed = Prehashed(hash_algorithm) if prehashed else hash_algorithm
    try:
        if algorithm in _RSA and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), chosen)
        elif algorithm in _ECDSA and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(chosen))
        elif algorithm == _ED25519 and isinstance(key, ed25519.Ed25519PublicKey):
            if prehashed:  # Ed25519 signs the message itself, which is not read into memory here
                raise _BadSignatureError("an Ed25519 signature must carry signed attributes (RFC 8419)")
            key.verify(signature, data)
        else:
            raise _BadSignatureError(f"unsupported signature algorithm {algorithm} for a {type(key).__name__}")
    except InvalidSignature:
        raise _BadSignatureError("the signature does not verify with the signer certificate's key") from None


def _chain_problem(
    signer: x509.Certificate, bundled: Sequence[x509.Certificate], trusted: Sequence[x509.Certificate]
) -> str | None:
    anchors = {certificate.fingerprint(hashes.SHA256()) for certificate in trusted}
    current = signer
    for _ in range(_MAX_CHAIN):
        if current.fingerprint(hashes.SHA256()) in anchors:
            return None
        issuer = next((c for c in [*trusted, *bundled] if c is not current and _issued(current, c)), None)
        if issuer is None:
            return f"no trusted certificate issued {current.subject.rfc4514_string()!r}"
        current = issuer
    return f"the certificate chain is longer than {_MAX_CHAIN}"


def _issued(child: x509.Certificate, parent: x509.Certificate) -> bool:
    if child.issuer != parent.subject:
        return False
    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _certificate_warnings(signer: x509.Certificate) -> tuple[str, ...]:
    warnings: list[str] = []
    now = datetime.now(UTC)
    if not signer.not_valid_before_utc <= now <= signer.not_valid_after_utc:
        warnings.append(
            f"the signer certificate is valid only from {signer.not_valid_before_utc:%Y-%m-%d} to"
            f" {signer.not_valid_after_utc:%Y-%m-%d}"
        )
    try:
        usages = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        usages = None
    if usages is not None and all(usage.dotted_string != _CODE_SIGNING for usage in usages):
        warnings.append("the signer certificate is not for code signing (no codeSigning extended key usage)")
    return tuple(warnings)


def _common_name(name: x509.Name) -> str | None:
    values = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(values[0].value) if values else None

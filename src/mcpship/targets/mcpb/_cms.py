"""Verify a detached CMS SignedData over some bytes, the checks the official verifier intends (sign.ts):

1. the signed ``messageDigest`` attribute equals the digest of the content;
2. the signature over the signed attributes verifies with the signer certificate's key;
3. with trust anchors given, the signer certificate chains to one of them (through the bundled certificates).

"self-signed" follows the CLI: the signer's issuer equals its subject.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from mcpship.targets.mcpb._der import DerError, Node, parse

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


def verify_detached(content: bytes, der: bytes, *, trusted: Sequence[x509.Certificate] = ()) -> SignatureReport:
    try:
        signer, certificates, signer_info = _signer(der)
        _check_signature(content, signer, signer_info)
    except _BadSignatureError as exc:
        return SignatureReport(status="invalid", errors=(str(exc),))
    except (DerError, IndexError, ValueError) as exc:
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


def _signer(der: bytes) -> tuple[x509.Certificate, list[x509.Certificate], list[Node]]:
    content_info = parse(der).children
    if len(content_info) != 2 or content_info[0].oid() != _SIGNED_DATA or content_info[1].tag != 0xA0:
        raise _BadSignatureError("the signature is not a CMS SignedData")
    signed_data = content_info[1].children[0].children
    certificates = [
        x509.load_der_x509_certificate(node.raw)
        for part in signed_data
        if part.tag == 0xA0
        for node in part.children
        if node.tag == 0x30
    ]
    signer_infos = signed_data[-1].children if signed_data and signed_data[-1].tag == 0x31 else []
    if len(signer_infos) != 1:
        raise _BadSignatureError(f"expected one signer, found {len(signer_infos)}")
    signer_info = signer_infos[0].children
    for certificate in certificates:
        if _identifies(signer_info[1], certificate):
            return certificate, certificates, signer_info
    raise _BadSignatureError("the signer's certificate is not included in the signature")


def _identifies(sid: Node, certificate: x509.Certificate) -> bool:
    if sid.tag == 0x30:  # issuerAndSerialNumber
        issuer, serial = sid.children
        return serial.integer() == certificate.serial_number and issuer.raw == _issuer_der(certificate)
    if sid.tag == 0x80:  # subjectKeyIdentifier
        try:
            extension = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        except x509.ExtensionNotFound:
            return False
        return extension.value.digest == sid.value
    return False


def _issuer_der(certificate: x509.Certificate) -> bytes:
    # The exact issuer bytes from the certificate; re-encoding a Name is not guaranteed to round-trip.
    fields = parse(certificate.tbs_certificate_bytes).children
    offset = 1 if fields[0].tag == 0xA0 else 0  # optional [0] version
    return fields[offset + 2].raw


def _check_signature(content: bytes, signer: x509.Certificate, info: list[Node]) -> None:
    digest_oid = info[2].children[0].oid()
    if digest_oid not in _DIGESTS:
        raise _BadSignatureError(f"unsupported digest algorithm {digest_oid} (MCPB uses SHA-256)")
    digest_name, hash_type = _DIGESTS[digest_oid]
    signed_attributes = info[3] if info[3].tag == 0xA0 else None
    rest = info[4:] if signed_attributes is not None else info[3:]
    algorithm_oid, signature = rest[0].children[0].oid(), rest[1].value
    if signed_attributes is None:
        signed_bytes = content
    else:
        attributes = _attributes(signed_attributes)
        expected = hashlib.new(digest_name, content).digest()
        digest_value = attributes.get(_MESSAGE_DIGEST)
        if digest_value is None or digest_value.value != expected:
            raise _BadSignatureError("the signed digest does not match the bundle: its bytes changed after signing")
        content_type = attributes.get(_CONTENT_TYPE)
        if content_type is None or content_type.oid() != _DATA:
            raise _BadSignatureError("the signed contentType attribute is missing or not id-data")
        # The signature covers the attributes encoded as a SET OF, not with their [0] IMPLICIT tag.
        signed_bytes = b"\x31" + signed_attributes.raw[1:]
    _verify(signer.public_key(), algorithm_oid, signature, signed_bytes, hash_type())


def _attributes(node: Node) -> dict[str, Node]:
    found: dict[str, Node] = {}
    for attribute in node.children:
        kind, values = attribute.children
        found[kind.oid()] = values.children[0]
    return found


def _verify(key: object, algorithm: str, signature: bytes, data: bytes, hash_algorithm: hashes.HashAlgorithm) -> None:
    try:
        if algorithm in _RSA and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
        elif algorithm in _ECDSA and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hash_algorithm))
        elif algorithm == _ED25519 and isinstance(key, ed25519.Ed25519PublicKey):
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

"""MCPB bundle signatures, in the format of the official CLI 2.1.2 (``src/node/sign.ts``):

    [zip bytes, unchanged] "MCPB_SIG_V1" uint32-LE(len) [DER CMS SignedData, detached, SHA-256] "MCPB_SIG_END"

The zip's end-of-central-directory comment length is left as is, like the released CLI: lenient readers
(unzip, Python, ``mcpb unpack``) accept the file, strict ones such as Claude Desktop's may not (mcpb issue
#278). Signing is therefore opt-in.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7

from mcpship._exceptions import BuildError, InvalidArtifactError, McpshipError, UsageError
from mcpship.targets.mcpb._cms import SignatureReport, verify_detached

__all__ = [
    "MAX_SIGNATURE_BYTES",
    "SIGNATURE_FOOTER",
    "SIGNATURE_HEADER",
    "SignatureReport",
    "SplitBundle",
    "read_signature",
    "sign_bundle",
    "signature_block",
    "split_signature",
    "verify_bundle_signature",
    "verify_signature",
]

SIGNATURE_HEADER = b"MCPB_SIG_V1"
SIGNATURE_FOOTER = b"MCPB_SIG_END"
MAX_SIGNATURE_BYTES = 1 << 20
"""The CMS SignedData may take 1 MiB: a signer certificate and a chain are a few KB each."""
_LENGTH = struct.Struct("<I")
_MAX_BLOCK = len(SIGNATURE_HEADER) + _LENGTH.size + MAX_SIGNATURE_BYTES + len(SIGNATURE_FOOTER)


@dataclass(frozen=True)
class SplitBundle:
    content: bytes
    """The signed bytes: the zip as it was before the block was appended."""
    signature: bytes | None
    """The DER CMS SignedData, or None for an unsigned bundle."""


def signature_block(der: bytes) -> bytes:
    return SIGNATURE_HEADER + _LENGTH.pack(len(der)) + der + SIGNATURE_FOOTER


def split_signature(data: bytes) -> SplitBundle:
    """Separate a trailing signature block from the zip; raise :class:`InvalidArtifactError` if it is malformed.

    The block must end the file and its length field must agree with where the header sits, so bytes that
    merely look like a marker inside the zip are never mistaken for a signature.
    """
    tail_start = max(len(data) - _MAX_BLOCK, 0)
    found = _block(data[tail_start:])
    if found is None:
        return SplitBundle(content=data, signature=None)
    header, signature = found
    return SplitBundle(content=data[: tail_start + header], signature=signature)


def read_signature(handle: BinaryIO, size: int) -> tuple[int, bytes | None]:
    """``(length of the signed content, signature)`` of the bundle open as ``handle`` (``size`` bytes), reading
    only its tail; the same rules as :func:`split_signature`."""
    tail_start = max(size - _MAX_BLOCK, 0)
    handle.seek(tail_start)
    found = _block(handle.read(size - tail_start))
    if found is None:
        return size, None
    return tail_start + found[0], found[1]


def _block(tail: bytes) -> tuple[int, bytes] | None:
    """``(offset of the header in tail, signature)`` of the block ending ``tail``, or None if there is none."""
    if not tail.endswith(SIGNATURE_FOOTER):
        return None
    block_end = len(tail) - len(SIGNATURE_FOOTER)
    header = tail.rfind(SIGNATURE_HEADER, 0, block_end)
    while header != -1:
        start = header + len(SIGNATURE_HEADER)
        if start + _LENGTH.size <= block_end:
            (length,) = _LENGTH.unpack_from(tail, start)
            if start + _LENGTH.size + length == block_end:
                return header, tail[start + _LENGTH.size : block_end]
        header = tail.rfind(SIGNATURE_HEADER, 0, header)
    raise InvalidArtifactError(
        "the file ends with MCPB_SIG_END but has no well-formed MCPB_SIG_V1 block (of at most"
        f" {MAX_SIGNATURE_BYTES >> 20} MiB) before it",
        hint="the signature block is damaged: rebuild the bundle, or strip it with `mcpb unsign`",
    )


def verify_bundle_signature(data: bytes, *, trusted: Sequence[Path] = ()) -> SignatureReport:
    """Check a bundle's signature: digest, signature, and (with ``trusted`` PEM files) the certificate chain."""
    split = split_signature(data)
    if split.signature is None:
        return SignatureReport(status="unsigned")
    content = split.content
    return verify_signature(lambda name: hashlib.new(name, content).digest(), split.signature, trusted=trusted)


def verify_signature(
    content_digest: Callable[[str], bytes], signature: bytes, *, trusted: Sequence[Path] = ()
) -> SignatureReport:
    """Check a detached ``signature`` over content known by its digest (``content_digest("sha256")``), so a
    bundle on disk is hashed in chunks rather than read whole."""
    anchors = [certificate for path in trusted for certificate in _load_certs(path, error=UsageError)]
    return verify_detached(content_digest, signature, trusted=anchors)


def sign_bundle(path: Path, *, key: Path, cert: Path, chain: Sequence[Path] = ()) -> None:
    """Append (or replace) the signature block of the bundle at ``path``; RSA or EC keys, PEM files."""
    content = split_signature(path.read_bytes()).content
    private_key = _load_key(key)
    certificate = _load_certs(cert)[0]
    if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise BuildError(f"{key}: MCPB signatures need an RSA or EC key", hint="create one with `openssl genrsa`")
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    encoding = serialization.Encoding.DER
    if private_key.public_key().public_bytes(encoding, public) != certificate.public_key().public_bytes(
        encoding, public
    ):
        raise BuildError(f"{key} is not the private key of the certificate {cert}", hint="pass the matching pair")
    builder = pkcs7.PKCS7SignatureBuilder().set_data(content).add_signer(certificate, private_key, hashes.SHA256())
    for extra in chain:
        for intermediate in _load_certs(extra):
            builder = builder.add_certificate(intermediate)
    options = [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.NoCapabilities]
    der = builder.sign(serialization.Encoding.DER, options)
    _write_bytes_atomic(path, content + signature_block(der))


def _load_key(path: Path) -> object:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BuildError(f"{path}: cannot read the signing key: {exc.strerror}") from exc
    try:
        if b"-----BEGIN" in data:
            return serialization.load_pem_private_key(data, password=None)
        return serialization.load_der_private_key(data, password=None)
    except TypeError:
        raise BuildError(
            f"{path}: the signing key is encrypted", hint="pass an unencrypted key (e.g. from a secret store)"
        ) from None
    except ValueError as exc:
        raise BuildError(f"{path}: not a private key: {exc}", hint="pass a PEM or DER private key") from None


def _load_certs(path: Path, *, error: type[McpshipError] = BuildError) -> list[x509.Certificate]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read the certificate: {exc.strerror}") from exc
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise error(f"{path}: not an X.509 certificate: {exc}", hint="pass PEM certificates") from None


def _write_bytes_atomic(path: Path, data: bytes) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp_name).chmod(path.stat().st_mode & 0o7777 if path.exists() else 0o644)
        Path(tmp_name).replace(path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise

"""Signing in the official block format, verified by us, by OpenSSL, and read by the official CLI."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from mcpship._exceptions import BuildError
from mcpship.targets.mcpb.signing import sign_bundle, signature_block, split_signature, verify_bundle_signature
from mcpship.validate.mcpb import validate_bundle
from tests.unit.targets.mcpb_support import make_identity, run_mcpb

MANIFEST = (
    '{"manifest_version": "0.3", "name": "demo", "version": "1.0.0", "description": "d", "author": {"name": "A"},'
    ' "server": {"type": "node", "entry_point": "index.js", "mcp_config": {"command": "node",'
    ' "args": ["${__dirname}/index.js"]}}}'
)


@pytest.fixture
def unsigned(tmp_path: Path) -> Path:
    path = tmp_path / "demo.mcpb"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("manifest.json", MANIFEST)
        archive.writestr("index.js", "console.log('hi')\n")
    return path


def errors(path: Path, **options: object) -> list[str]:
    return [p.message for p in validate_bundle(path, **options) if p.severity == "error"]  # type: ignore[arg-type]


def test_a_signed_bundle_validates_and_one_flipped_byte_fails_it(tmp_path: Path, unsigned: Path) -> None:
    identity, _ = make_identity(tmp_path, "publisher")
    original = unsigned.read_bytes()
    sign_bundle(unsigned, key=identity.key, cert=identity.cert)
    signed = unsigned.read_bytes()
    assert signed.startswith(original)
    assert split_signature(signed).content == original
    assert errors(unsigned, require_signature=True) == []
    report = verify_bundle_signature(signed)
    assert (report.status, report.publisher) == ("self-signed", "publisher")

    tampered = bytearray(signed)
    tampered[signed.index(b"console.log")] ^= 0x01  # in a stored file's data: still a readable zip
    unsigned.write_bytes(bytes(tampered))
    assert any("bytes changed after signing" in message for message in errors(unsigned, require_signature=True))


def test_an_unsigned_bundle_fails_only_when_a_signature_is_required(unsigned: Path) -> None:
    assert errors(unsigned) == []
    assert errors(unsigned, require_signature=True) == ["the bundle is not signed"]


def test_openssl_verifies_the_detached_signature_over_the_zip(tmp_path: Path, unsigned: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("the openssl command is missing: install OpenSSL (apt-get install openssl)")
    identity, _ = make_identity(tmp_path, "publisher")
    original = unsigned.read_bytes()
    sign_bundle(unsigned, key=identity.key, cert=identity.cert)
    signature = split_signature(unsigned.read_bytes()).signature
    assert signature is not None
    (tmp_path / "content.zip").write_bytes(original)
    (tmp_path / "sig.der").write_bytes(signature)
    arguments = "cms -verify -binary -inform DER -in sig.der -content content.zip -purpose any -out /dev/null"
    completed = subprocess.run(
        [openssl, *arguments.split(), "-CAfile", str(identity.cert)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "Verification successful" in completed.stderr


def test_the_official_cli_reads_and_unpacks_our_signed_bundle(tmp_path: Path, unsigned: Path) -> None:
    identity, _ = make_identity(tmp_path, "publisher")
    sign_bundle(unsigned, key=identity.key, cert=identity.cert)
    info = run_mcpb("info", unsigned)
    assert info.returncode == 0, info.stdout + info.stderr
    unpacked = run_mcpb("unpack", unsigned, tmp_path / "out")
    assert unpacked.returncode == 0, unpacked.stdout + unpacked.stderr
    assert (tmp_path / "out" / "index.js").is_file()
    # `mcpb unsign` restores our exact zip: the block is framed the way the CLI expects
    assert run_mcpb("unsign", unsigned).returncode == 0
    assert split_signature(unsigned.read_bytes()).signature is None


def test_a_chain_to_a_trusted_ca_is_accepted_and_to_another_is_not(tmp_path: Path, unsigned: Path) -> None:
    ca, ca_key = make_identity(tmp_path, "Acme Root", ca=True)
    intermediate, intermediate_key = make_identity(tmp_path, "Acme Signing", issuer=(ca.certificate, ca_key), ca=True)
    leaf, _ = make_identity(tmp_path, "acme-notes", issuer=(intermediate.certificate, intermediate_key))
    other, _ = make_identity(tmp_path, "Other Root", ca=True)
    sign_bundle(unsigned, key=leaf.key, cert=leaf.cert, chain=[intermediate.cert])
    report = verify_bundle_signature(unsigned.read_bytes(), trusted=[ca.cert])
    assert (report.status, report.chain_checked, report.issuer) == ("signed", True, "Acme Signing")
    assert errors(unsigned, require_signature=True, trusted_certs=[ca.cert]) == []
    untrusted = verify_bundle_signature(unsigned.read_bytes(), trusted=[other.cert])
    assert untrusted.status == "untrusted"
    assert "no trusted certificate issued" in untrusted.errors[0]
    assert errors(unsigned, trusted_certs=[other.cert]) == list(untrusted.errors)


def test_ec_keys_sign_too_and_resigning_replaces_the_block(tmp_path: Path, unsigned: Path) -> None:
    first, _ = make_identity(tmp_path, "first")
    second, _ = make_identity(tmp_path, "second", elliptic=True)
    original = unsigned.read_bytes()
    sign_bundle(unsigned, key=first.key, cert=first.cert)
    sign_bundle(unsigned, key=second.key, cert=second.cert)
    assert split_signature(unsigned.read_bytes()).content == original
    assert verify_bundle_signature(unsigned.read_bytes()).publisher == "second"


def test_a_key_that_does_not_match_the_certificate_is_refused(tmp_path: Path, unsigned: Path) -> None:
    first, _ = make_identity(tmp_path, "first")
    second, _ = make_identity(tmp_path, "second")
    with pytest.raises(BuildError, match="not the private key of the certificate"):
        sign_bundle(unsigned, key=first.key, cert=second.cert)


def test_a_signature_from_someone_else_is_reported_invalid(tmp_path: Path, unsigned: Path) -> None:
    identity, _ = make_identity(tmp_path, "publisher")
    sign_bundle(unsigned, key=identity.key, cert=identity.cert)
    signature = split_signature(unsigned.read_bytes()).signature
    assert signature is not None
    corrupted = bytearray(signature)
    corrupted[-5] ^= 0xFF  # inside the RSA signature value, the last field of the structure
    other = tmp_path / "other.mcpb"
    other.write_bytes(split_signature(unsigned.read_bytes()).content + signature_block(bytes(corrupted)))
    report = verify_bundle_signature(other.read_bytes())
    assert report.status == "invalid"
    assert "does not verify" in report.errors[0]


def test_a_signature_made_by_the_official_cli_verifies_here(tmp_path: Path, unsigned: Path) -> None:
    # The CLI's own `mcpb verify` cannot check it (node-forge has no PKCS#7 verify); ours can.
    identity, _ = make_identity(tmp_path, "cli publisher")
    signed = run_mcpb("sign", unsigned, "--cert", identity.cert, "--key", identity.key)
    assert signed.returncode == 0, signed.stdout + signed.stderr
    report = verify_bundle_signature(unsigned.read_bytes(), trusted=[identity.cert])
    assert (report.status, report.publisher, report.chain_checked) == ("self-signed", "cli publisher", True)
    data = bytearray(unsigned.read_bytes())
    data[data.index(b"console.log")] ^= 0x01
    assert verify_bundle_signature(bytes(data)).status == "invalid"

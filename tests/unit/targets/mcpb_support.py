"""Shared by the MCPB tests: copies of the example servers, build contexts, certificates, the official CLI,
and the official JSON schemas (read from the shared conformance data, never copied into the project)."""

from __future__ import annotations

import datetime
import json
import re
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mcpship._reporter import NullReporter
from mcpship.interface import read_lock
from mcpship.spec import load_spec
from mcpship.targets import BuildContext, BuildOptions
from tests.shared_data import SHARED, missing_shared_data

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
SCHEMAS = SHARED / "conformance" / "mcpb" / "schemas"
CONFORMANCE_EXAMPLES = SCHEMAS.parent / "examples"
MCPB_CLI = ROOT / "tests" / "tools" / "node_modules" / ".bin" / "mcpb"
TOOLS = ROOT / "tests" / "tools"
EPOCH = 1_700_000_000
_COPY_IGNORE = shutil.ignore_patterns(".venv", "node_modules", "__pycache__", "dist")


def copy_example(name: str, destination: Path, mcpb_table: str | None = None) -> Path:
    """A copy of ``examples/<name>`` with its ``mcpb = ...`` target line replaced by ``mcpb = <mcpb_table>``."""
    root = destination / name
    shutil.copytree(EXAMPLES / name, root, ignore=_COPY_IGNORE)
    if mcpb_table is not None:
        spec_file = root / "mcpship.toml"
        text = spec_file.read_text(encoding="utf-8")
        replaced, count = re.subn(r"\nmcpb = [^\n]*\n", f"\nmcpb = {mcpb_table}\n", text)
        assert count == 1, "the example's [targets] table has no single mcpb line; update copy_example"
        spec_file.write_text(replaced, encoding="utf-8")
    return root


def make_context(root: Path, out: Path, **options: Any) -> BuildContext:
    staging, work = out / "staging", out / "work"
    staging.mkdir(parents=True)
    work.mkdir()
    lock_file = root / "mcp-interface.json"
    return BuildContext(
        resolved=load_spec(root),
        lock=read_lock(lock_file) if lock_file.is_file() else None,
        staging=staging,
        work=work,
        source_date_epoch=EPOCH,
        options=BuildOptions(**options),
        reporter=NullReporter(),
    )


def official_schema(version: str) -> dict[str, Any]:
    path = SCHEMAS / f"mcpb-manifest-v{version}.schema.json"
    if not path.is_file():
        missing_shared_data(path)
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def schema_errors(manifest: dict[str, Any], version: str) -> list[str]:
    validator = jsonschema.Draft7Validator(official_schema(version), format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(manifest)]


def mcpb_cli() -> Path:
    if not MCPB_CLI.exists():
        pytest.fail(f"the official MCPB CLI is not installed at {MCPB_CLI}: run `npm ci --prefix tests/tools`")
    return MCPB_CLI


def run_mcpb(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(mcpb_cli()), *map(str, args)], capture_output=True, text=True, timeout=timeout, check=False
    )


@dataclass(frozen=True)
class Identity:
    key: Path
    cert: Path
    certificate: x509.Certificate


def make_identity(
    directory: Path,
    name: str,
    *,
    issuer: tuple[x509.Certificate, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey] | None = None,
    ca: bool = False,
    elliptic: bool = False,
) -> tuple[Identity, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey]:
    """A key and certificate (self-signed, or issued by ``issuer``) with the code-signing usage, as PEM files."""
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = (
        ec.generate_private_key(ec.SECP256R1()) if elliptic else rsa.generate_private_key(65537, 2048)
    )
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer[0].subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
    signing_key = issuer[1] if issuer else key
    certificate = builder.sign(signing_key, hashes.SHA256())
    key_path, cert_path = directory / f"{name}-key.pem", directory / f"{name}-cert.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return Identity(key_path, cert_path, certificate), key


_ORACLE = """
import { readFileSync } from "node:fs";
import { MANIFEST_SCHEMAS, getMcpConfigForManifest } from "@anthropic-ai/mcpb";
const input = JSON.parse(readFileSync(0, "utf8"));
const known = (v) => typeof v === "string" && v in MANIFEST_SCHEMAS;
const versionOf = (m) => [m?.manifest_version, m?.dxt_version].find(known);
const results = [];
for (const item of input.cases) {
  if (input.kind === "manifest") {
    const version = versionOf(item);
    results.push(version ? MANIFEST_SCHEMAS[version].safeParse(item).success : false);
  } else {
    results.push((await getMcpConfigForManifest({ ...item, logger: undefined })) ?? null);
  }
}
console.log(JSON.stringify(results));
"""


def official_library(kind: str, cases: list[Any]) -> list[Any]:
    """Ask the official @anthropic-ai/mcpb library (2.1.2): ``manifest`` -> does its strict schema accept each;
    ``config`` -> ``getMcpConfigForManifest(case)`` for each (None where it returns undefined)."""
    mcpb_cli()
    completed = subprocess.run(
        ["node", "--input-type=module", "-e", _ORACLE],
        input=json.dumps({"kind": kind, "cases": cases}),
        capture_output=True,
        text=True,
        cwd=TOOLS,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    results: list[Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return results


def png(width: int, height: int) -> bytes:
    """A valid RGB PNG of the given size (black)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")

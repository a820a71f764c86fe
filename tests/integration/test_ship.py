"""Issue 3's promises, through the installed ``mcpship`` script: ship both examples, byte-identical rebuilds,
``validate`` on the official seed entries and broken variants, and signed bundles."""

from __future__ import annotations

import copy
import datetime
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.conftest import ROOT, assert_clean_error, json_result, run_mcpship
from tests.shared_data import SHARED

SEED = SHARED / "conformance" / "registry" / "seed.json"


def ship(project: Path, out: Path, *extra: str) -> dict[str, dict[str, Any]]:
    result = run_mcpship("ship", str(project), "--out", str(out), *extra, "--json", timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return {row["file"]: row for row in json_result(result.stdout)}


def test_ship_builds_and_verifies_the_python_example(notes_py: Path, tmp_path: Path) -> None:
    rows = ship(notes_py, tmp_path / "dist")
    kinds = {row["kind"] for row in rows.values()}
    assert kinds == {"wheel", "sdist", "mcpb", "server.json"}
    wheel = next(row for row in rows.values() if row["kind"] == "wheel")
    assert wheel["status"] == "ok"
    assert wheel["interfaceMatches"] is True
    native = rows["notes-py-0.1.0-linux-x86_64-cp311.mcpb"]
    assert native["status"] == "ok"
    assert native["interfaceMatches"] is True  # a real MCP round-trip with the unpacked bundle
    assert rows["server.json"]["status"] == "ok"


def test_ship_builds_and_verifies_the_node_example(notes_node: Path, tmp_path: Path) -> None:
    rows = ship(notes_node, tmp_path / "dist")
    assert {row["kind"] for row in rows.values()} == {"npm", "mcpb", "server.json"}
    assert rows["mcpship-example-notes-node-0.1.0.tgz"]["status"] == "ok"  # npx -y <tarball>, MCP round-trip
    assert rows["notes-node-0.1.0.mcpb"]["status"] == "ok"
    assert rows["notes-node-0.1.0.mcpb"]["interfaceMatches"] is True
    assert rows["server.json"]["status"] == "ok"


def test_two_builds_of_the_same_commit_are_byte_identical(notes_py: Path, tmp_path: Path) -> None:
    sums = []
    for name in ("first", "second"):
        result = run_mcpship("build", str(notes_py), "--out", str(tmp_path / name), timeout=600)
        assert result.returncode == 0, result.stderr
        sums.append((tmp_path / name / "SHA256SUMS").read_text(encoding="utf-8"))
    assert sums[0] == sums[1]
    listed = sums[0]
    for suffix in (".whl", ".tar.gz", ".mcpb", "server.json"):
        assert suffix in listed


def test_every_official_seed_entry_validates(tmp_path: Path) -> None:
    entries = json.loads(SEED.read_text(encoding="utf-8"))
    files = []
    for index, entry in enumerate(entries):
        path = tmp_path / f"seed-{index}.json"
        path.write_text(json.dumps(entry), encoding="utf-8")
        files.append(str(path))
    result = run_mcpship("validate", *files)
    assert result.returncode == 0, result.stderr
    assert "error:" not in result.stderr


@pytest.mark.parametrize(
    ("break_it", "path"),
    [
        (lambda d: d.update(name="no-namespace"), "$.name"),
        (lambda d: d.update(version="^1.2.0"), "$.version"),
        (lambda d: d.update(description="x" * 101), "$.description"),
        (lambda d: d["packages"][0].pop("transport"), "$.packages[0].transport"),
    ],
)
def test_broken_server_json_fails_with_json_path_and_hint(tmp_path: Path, break_it: Any, path: str) -> None:
    entry = copy.deepcopy(next(e for e in json.loads(SEED.read_text(encoding="utf-8")) if e.get("packages")))
    break_it(entry)
    file = tmp_path / "server.json"
    file.write_text(json.dumps(entry), encoding="utf-8")
    result = run_mcpship("validate", str(file))
    assert_clean_error(result, 9)
    assert f"{file}: {path}:" in result.stderr
    assert "  fix: " in result.stderr


def test_mcpb_without_file_sha256_fails(tmp_path: Path) -> None:
    entry = next(
        e
        for e in json.loads(SEED.read_text(encoding="utf-8"))
        if any(p.get("registryType") == "mcpb" for p in e.get("packages", []))
    )
    index = next(i for i, p in enumerate(entry["packages"]) if p["registryType"] == "mcpb")
    entry["packages"][index].pop("fileSha256")
    file = tmp_path / "server.json"
    file.write_text(json.dumps(entry), encoding="utf-8")
    result = run_mcpship("validate", str(file))
    assert_clean_error(result, 9)
    assert f"$.packages[{index}].fileSha256" in result.stderr


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mcpship test signer")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = tmp_path / "key.pem", tmp_path / "cert.pem"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


def test_a_signed_bundle_validates_and_one_flipped_byte_breaks_it(notes_node: Path, tmp_path: Path) -> None:
    key, cert = _self_signed(tmp_path)
    out = tmp_path / "dist"
    built = run_mcpship(
        "build",
        str(notes_node),
        "--target",
        "mcpb",
        "--out",
        str(out),
        "--sign-key",
        str(key),
        "--sign-cert",
        str(cert),
    )
    assert built.returncode == 0, built.stderr
    bundle = out / "notes-node-0.1.0.mcpb"
    assert run_mcpship("validate", "--require-signature", str(bundle)).returncode == 0
    unsigned = run_mcpship("build", str(notes_node), "--target", "mcpb", "--out", str(tmp_path / "plain"))
    assert unsigned.returncode == 0
    assert_clean_error(run_mcpship("validate", "--require-signature", str(tmp_path / "plain" / bundle.name)), 9)

    data = bytearray(bundle.read_bytes())
    data[100] ^= 0xFF  # inside the signed zip bytes
    tampered = tmp_path / "tampered.mcpb"
    tampered.write_bytes(bytes(data))
    assert_clean_error(run_mcpship("validate", "--require-signature", str(tampered)), 9)

    raw = bundle.read_bytes()
    start = raw.rindex(b"MCPB_SIG_V1")
    length = int.from_bytes(raw[start + 11 : start + 15], "little")
    (tmp_path / "content.zip").write_bytes(raw[:start])
    (tmp_path / "sig.der").write_bytes(raw[start + 15 : start + 15 + length])
    openssl = subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "sig.der"),
            "-content",
            str(tmp_path / "content.zip"),
            "-CAfile",
            str(cert),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert openssl.returncode == 0, openssl.stderr


@pytest.mark.parametrize(
    ("example", "flavour", "targets"),
    [("notes-py", "python", "pypi,oci,mcpb,registry"), ("notes-node", "node", "npm,oci,mcpb,registry")],
)
def test_ship_with_an_oci_image_runs_it_in_a_real_runtime(
    example: str, flavour: str, targets: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The image built without a daemon answers MCP over stdin/stdout under runc; server.json lists it, and
    skopeo reads the ownership label the registry checks."""
    import jsonschema

    from tests.integration.oci_support import debian_base_layout, require_tool

    monkeypatch.setenv("MCPSHIP_OCI_BASE", str(debian_base_layout(flavour)))
    out = tmp_path / "dist"
    rows = ship(ROOT / "examples" / example, out, "--target", targets)
    assert all(row["status"] in ("ok", "skipped") for row in rows.values()), rows
    image = rows[f"{example}-0.1.0.oci.tar"]
    assert image["status"] == "ok", image
    assert image["interfaceMatches"] is True
    assert rows["server.json"]["status"] == "ok"  # includes the image label ownership check
    server = json.loads((out / "server.json").read_text(encoding="utf-8"))
    schema = json.loads((SEED.parent / "server.schema.2025-12-11.json").read_text(encoding="utf-8"))
    jsonschema.validate(server, schema)
    oci = [p for p in server["packages"] if p["registryType"] == "oci"]
    assert [p["identifier"] for p in oci] == [f"ghcr.io/mcpship/{example}:0.1.0"]
    skopeo = require_tool("skopeo", "skopeo")
    inspected = subprocess.run(
        [skopeo, "inspect", f"oci-archive:{out / f'{example}-0.1.0.oci.tar'}:0.1.0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(inspected.stdout)["Labels"]["io.modelcontextprotocol.server.name"] == server["name"]

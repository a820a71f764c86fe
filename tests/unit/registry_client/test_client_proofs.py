"""Login proofs: the signed timestamp of the dns/http methods (Ed25519, P-384) and the GitHub Actions OIDC token."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from mcpship._exceptions import UsageError
from mcpship.registry_client.client import RegistryRequestError
from mcpship.registry_client.proofs import (
    DeviceCode,
    domain_proof,
    github_actions_oidc_token,
    github_device_flow,
    load_signing_key,
    public_key_record,
)

SEED = bytes(range(32))
MOMENT = datetime(2026, 11, 22, 3, 4, 5, 678_000, tzinfo=UTC)


def test_the_dns_proof_is_the_rfc3339_time_signed_with_the_ed25519_seed(tmp_path: Path) -> None:
    key_file = tmp_path / "key.hex"
    key_file.write_text(SEED.hex() + "\n", encoding="ascii")

    proof = domain_proof("example.com", load_signing_key(key_file), now=MOMENT)

    assert proof["domain"] == "example.com"
    assert proof["timestamp"] == "2026-11-22T03:04:05Z"
    public = ed25519.Ed25519PrivateKey.from_private_bytes(SEED).public_key()
    signature = bytes.fromhex(proof["signed_timestamp"])
    assert len(signature) == 64
    public.verify(signature, proof["timestamp"].encode())  # raises InvalidSignature when wrong


def test_a_p384_seed_signs_r_and_s_over_sha384(tmp_path: Path) -> None:
    secret = (7).to_bytes(48, "big")
    key_file = tmp_path / "key.hex"
    key_file.write_text(secret.hex(), encoding="ascii")

    proof = domain_proof("example.com", load_signing_key(key_file), now=MOMENT)

    raw = bytes.fromhex(proof["signed_timestamp"])
    assert len(raw) == 96
    signature = encode_dss_signature(int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big"))
    public = ec.derive_private_key(7, ec.SECP384R1()).public_key()
    public.verify(signature, proof["timestamp"].encode(), ec.ECDSA(hashes.SHA384()))


def test_a_pem_ed25519_key_is_accepted(tmp_path: Path) -> None:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(SEED)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "key.pem").write_bytes(pem)
    proof = domain_proof("example.com", load_signing_key(tmp_path / "key.pem"), now=MOMENT)
    key.public_key().verify(bytes.fromhex(proof["signed_timestamp"]), proof["timestamp"].encode())


@pytest.mark.parametrize("content", ["abc", "zz" * 32, "00" * 31])
def test_a_key_file_of_the_wrong_shape_is_a_usage_error(tmp_path: Path, content: str) -> None:
    key_file = tmp_path / "key.hex"
    key_file.write_text(content, encoding="ascii")
    with pytest.raises(UsageError) as caught:
        load_signing_key(key_file)
    assert str(key_file) in caught.value.message
    assert caught.value.hint is not None


def test_a_missing_key_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read the private key"):
        load_signing_key(tmp_path / "absent.hex")


def test_the_actions_oidc_token_is_requested_for_the_mcp_registry_audience() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"value": "oidc-jwt"})

    environ = {"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "req", "ACTIONS_ID_TOKEN_REQUEST_URL": "https://actions.test/t?v=1"}
    token = github_actions_oidc_token(environ, httpx.Client(transport=httpx.MockTransport(handler)))

    assert token == "oidc-jwt"
    assert str(seen[0].url) == "https://actions.test/t?v=1&audience=mcp-registry"
    assert seen[0].headers["Authorization"] == "Bearer req"


def test_outside_github_actions_the_oidc_method_says_what_is_missing() -> None:
    with pytest.raises(UsageError) as caught:
        github_actions_oidc_token({}, httpx.Client(transport=httpx.MockTransport(lambda _: httpx.Response(500))))
    assert "ACTIONS_ID_TOKEN_REQUEST_TOKEN" in caught.value.message
    assert caught.value.hint is not None
    assert "id-token: write" in caught.value.hint


def test_a_refused_actions_token_request_is_a_clear_error() -> None:
    environ = {"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "req", "ACTIONS_ID_TOKEN_REQUEST_URL": "https://actions.test/t"}
    client = httpx.Client(transport=httpx.MockTransport(lambda _: httpx.Response(403, json={"message": "no"})))
    with pytest.raises(RegistryRequestError, match="did not issue an OIDC token"):
        github_actions_oidc_token(environ, client)


@pytest.mark.parametrize("body", [b"<html>maintenance</html>", b"[" * 100_000, b'{"value": NaN}', b'["oidc-jwt"]'])
def test_an_actions_answer_that_is_no_json_object_is_a_clear_error_not_a_traceback(body: bytes) -> None:
    environ = {"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "req", "ACTIONS_ID_TOKEN_REQUEST_URL": "https://actions.test/t"}
    client = httpx.Client(transport=httpx.MockTransport(lambda _: httpx.Response(200, content=body)))
    with pytest.raises(RegistryRequestError, match="did not issue an OIDC token"):
        github_actions_oidc_token(environ, client)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def device_github(answers: list[dict[str, object]], seen: list[httpx.Request]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/login/device/code":
            code = {
                "device_code": "dev",
                "user_code": "ABCD-1234",
                "verification_uri": "https://github.com/login/device",
            }
            return httpx.Response(200, json={**code, "interval": 5, "expires_in": 60})
        return httpx.Response(200, json=answers.pop(0))

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_the_device_flow_shows_the_code_and_polls_until_github_approves() -> None:
    seen: list[httpx.Request] = []
    answers: list[dict[str, object]] = [
        {"error": "authorization_pending"},
        {"error": "slow_down", "interval": 10},
        {"access_token": "gho_ok"},
    ]
    shown: list[DeviceCode] = []
    clock = FakeClock()

    token = github_device_flow(
        "app-id", device_github(answers, seen), show=shown.append, sleep=clock.sleep, clock=lambda: clock.now
    )

    assert token == "gho_ok"
    assert [code.user_code for code in shown] == ["ABCD-1234"]
    assert clock.sleeps == [5, 5, 10]
    assert b"scope=read%3Aorg+read%3Auser" in seen[0].content
    assert b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code" in seen[1].content


def flow(client: httpx.Client, clock: FakeClock) -> str:
    return github_device_flow("app", client, show=lambda _: None, sleep=clock.sleep, clock=lambda: clock.now)


def test_the_device_flow_stops_when_the_code_expires() -> None:
    clock = FakeClock()
    answers: list[dict[str, object]] = [{"error": "authorization_pending"}] * 20
    with pytest.raises(RegistryRequestError, match="expired before it was approved"):
        github_device_flow(
            "app", device_github(answers, []), show=lambda _: None, sleep=clock.sleep, clock=lambda: clock.now
        )
    assert clock.now <= 65


def test_a_refused_device_login_says_so() -> None:
    clock = FakeClock()
    answers: list[dict[str, object]] = [{"error": "access_denied", "error_description": "The user denied it."}]
    with pytest.raises(RegistryRequestError, match="The user denied it"):
        github_device_flow(
            "app", device_github(answers, []), show=lambda _: None, sleep=clock.sleep, clock=lambda: clock.now
        )


@pytest.mark.parametrize("secret", [SEED.hex(), (7).to_bytes(48, "big").hex()], ids=["ed25519", "p384"])
def test_the_proof_passes_the_registrys_own_check_against_the_printed_record(tmp_path: Path, secret: str) -> None:
    from mcpship.registry.auth.domain_proof import check_timestamp, verify_with_published_keys

    key_file = tmp_path / "key.hex"
    key_file.write_text(secret, encoding="ascii")
    key = load_signing_key(key_file)
    proof = domain_proof("example.com", key)

    check_timestamp(proof["timestamp"], datetime.now(UTC))
    record = public_key_record(key)
    verify_with_published_keys(
        [record], proof["timestamp"].encode(), bytes.fromhex(proof["signed_timestamp"]), where="example.com"
    )

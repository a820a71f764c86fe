"""Proofs a registry exchanges for a token (registry.md §3.1-3.2): the signed timestamp of the ``dns`` and
``http`` methods (Ed25519 or ECDSA P-384 keys), the GitHub Actions OIDC token, and GitHub's device flow for
``login github`` without a token (as ``mcp-publisher`` does)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from mcpship._exceptions import UsageError
from mcpship._untrusted_json import loads_untrusted
from mcpship.registry_client.client import RegistryRequestError

__all__ = [
    "OIDC_AUDIENCE",
    "DeviceCode",
    "SigningKey",
    "domain_proof",
    "github_actions_oidc_token",
    "github_device_flow",
    "load_signing_key",
    "public_key_record",
    "sign_timestamp",
]

OIDC_AUDIENCE = "mcp-registry"

SigningKey = Any  # Ed25519PrivateKey | EllipticCurvePrivateKey (P-384); imported lazily


def load_signing_key(path: Path) -> SigningKey:
    """A ``dns``/``http`` signing key: hex seed (64 hex chars: Ed25519; 96: ECDSA P-384) or a PEM private key."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    hint = "write the key as 64 hex characters (Ed25519 seed, `openssl rand -hex 32`) or as a PEM private key"
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read the private key {path}: {error.strerror}", hint=hint) from error
    text = raw.decode("ascii", errors="replace").strip()
    if text.startswith("-----BEGIN"):
        try:
            key = load_pem_private_key(raw, password=None)
        except (ValueError, TypeError) as error:
            raise UsageError(f"{path} is not a usable PEM private key: {error}", hint=hint) from error
        if isinstance(key, ed25519.Ed25519PrivateKey) or (
            isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP384R1)
        ):
            return key
        raise UsageError(f"{path} holds a {type(key).__name__}; registries accept Ed25519 or ECDSA P-384", hint=hint)
    try:
        seed = bytes.fromhex(text.removeprefix("0x"))
    except ValueError as error:
        raise UsageError(f"{path} is neither hex nor PEM", hint=hint) from error
    if len(seed) == 32:
        return ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    if len(seed) == 48:
        return ec.derive_private_key(int.from_bytes(seed, "big"), ec.SECP384R1())
    raise UsageError(f"{path} holds {len(text)} hex characters; expected 64 (Ed25519) or 96 (P-384)", hint=hint)


def sign_timestamp(key: SigningKey, timestamp: str) -> str:
    """The hex signature of ``timestamp`` (registry.md §3.2): Ed25519 raw, or P-384 ``R||S`` over SHA-384."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    message = timestamp.encode()
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(message).hex()
    r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA384())))
    return (r.to_bytes(48, "big") + s.to_bytes(48, "big")).hex()


def public_key_record(key: SigningKey) -> str:
    """The record to publish for ``key`` (DNS TXT on the domain, or ``/.well-known/mcp-registry-auth``)."""
    import base64

    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = key.public_key()
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return f"v=MCPv1; k=ed25519; p={base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()}"
    point = public.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    return f"v=MCPv1; k=ecdsap384; p={base64.b64encode(point).decode()}"


def domain_proof(domain: str, key: SigningKey, *, now: datetime | None = None) -> dict[str, str]:
    """The ``dns``/``http`` exchange body: the current RFC 3339 time (registries allow ±15 s) and its signature."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    timestamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"domain": domain, "timestamp": timestamp, "signed_timestamp": sign_timestamp(key, timestamp)}


@dataclass(frozen=True)
class DeviceCode:
    """What the user types at GitHub to approve a device-flow login."""

    user_code: str
    verification_uri: str
    device_code: str
    interval: float
    expires_in: float


def github_device_flow(
    client_id: str,
    client: httpx.Client,
    *,
    show: Callable[[DeviceCode], None],
    github_url: str = "https://github.com",
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    """A GitHub token through OAuth's device flow (``mcp-publisher login github`` without ``--token``): ask for
    a code, ``show`` it to the user, poll until they approve it, the code expires or they refuse."""
    hint = 'or skip the browser: mcpship login github --token "$(gh auth token)"'
    form = {"client_id": client_id, "scope": "read:org read:user"}
    code = _github_form(client, f"{github_url}/login/device/code", form, hint)
    try:
        device = DeviceCode(
            user_code=str(code["user_code"]),
            verification_uri=str(code["verification_uri"]),
            device_code=str(code["device_code"]),
            interval=float(code.get("interval", 5)),
            expires_in=float(code.get("expires_in", 900)),
        )
    except KeyError as error:
        raise RegistryRequestError(f"GitHub's device code answer lacks {error}", hint=hint) from error
    show(device)
    deadline = clock() + device.expires_in
    interval = device.interval
    grant = {
        "client_id": client_id,
        "device_code": device.device_code,
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
    }
    while clock() < deadline:
        sleep(interval)
        answer = _github_form(client, f"{github_url}/login/oauth/access_token", grant, hint)
        token = answer.get("access_token")
        if isinstance(token, str) and token:
            return token
        refusal = answer.get("error")
        if refusal == "slow_down":
            interval = float(answer.get("interval", interval + 5))
        elif refusal != "authorization_pending":
            reason = answer.get("error_description") or refusal
            raise RegistryRequestError(f"GitHub refused the login: {reason}", hint=hint)
    raise RegistryRequestError("the GitHub device code expired before it was approved", hint=hint)


def _github_form(client: httpx.Client, url: str, form: Mapping[str, str], hint: str) -> dict[str, Any]:
    try:
        response = client.post(url, data=dict(form), headers={"Accept": "application/json"})
        body = loads_untrusted(response.content)
    except (httpx.HTTPError, ValueError) as error:
        raise RegistryRequestError(f"GitHub's device login failed at {url}: {error}", hint=hint) from error
    if response.status_code >= 400 or not isinstance(body, dict):
        raise RegistryRequestError(f"GitHub's device login failed at {url} ({response.status_code})", hint=hint)
    return body


def github_actions_oidc_token(environ: Mapping[str, str], client: httpx.Client) -> str:
    """Ask the GitHub Actions runtime for an OIDC token with the ``mcp-registry`` audience."""
    request_token = environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    request_url = environ.get("ACTIONS_ID_TOKEN_REQUEST_URL")
    if not request_token or not request_url:
        raise UsageError(
            "github-oidc needs ACTIONS_ID_TOKEN_REQUEST_TOKEN and ACTIONS_ID_TOKEN_REQUEST_URL (set in GitHub Actions)",
            hint="add `permissions: id-token: write` to the job, or pass a token with --oidc-token-stdin",
        )
    separator = "&" if "?" in request_url else "?"
    try:
        response = client.get(
            f"{request_url}{separator}audience={OIDC_AUDIENCE}", headers={"Authorization": f"Bearer {request_token}"}
        )
    except httpx.HTTPError as error:
        raise RegistryRequestError(
            f"could not get an OIDC token from GitHub Actions: {error}", hint="retry the job"
        ) from error
    value = _json_field(response, "value") if response.status_code == 200 else None
    if not isinstance(value, str) or not value:
        raise RegistryRequestError(
            f"GitHub Actions did not issue an OIDC token ({response.status_code})",
            hint="add `permissions: id-token: write` to the job",
            status=response.status_code,
        )
    return value


def _json_field(response: httpx.Response, name: str) -> object:
    """``name`` of the JSON object the response holds; None if it holds no such object."""
    try:
        body = loads_untrusted(response.content)
    except ValueError:
        return None
    return body.get(name) if isinstance(body, dict) else None

"""A local OpenID Connect issuer for tests (real keys, a real JWKS over HTTP), plus the auth tests' app helpers.

``LocalOidcIssuer`` holds an RSA key (``RS256``, what GitHub uses) and an EC P-256 key (``ES256``), serves
``/.well-known/openid-configuration`` and ``/.well-known/jwks`` from a Starlette ``app``, and ``mint``s tokens.
Serve it for real with :func:`serve_in_thread` (uvicorn on 127.0.0.1, a free port), or in-process through
``httpx.ASGITransport(app=issuer.app)``. :func:`serve_in_thread` runs any ASGI app, for the other fakes too.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from mcpship.registry.problems import RegistryHTTPError
from tests.conftest import free_port

__all__ = ["LocalOidcIssuer", "auth_app", "serve_in_thread"]

STARTUP_TIMEOUT_SECONDS = 10.0
SHUTDOWN_TIMEOUT_SECONDS = 10.0


def auth_app(routes: Sequence[BaseRoute]) -> Starlette:
    """The auth routes mounted as the API mounts them (``/v0`` and ``/v0.1``), problem+json errors included."""
    return Starlette(
        routes=[Mount("/v0", routes=list(routes)), Mount("/v0.1", routes=list(routes))],
        exception_handlers={RegistryHTTPError: lambda request, error: error.response()},
    )


@contextmanager
def serve_in_thread(app: ASGIApp) -> Iterator[str]:
    """Run ``app`` with uvicorn on 127.0.0.1 in a daemon thread; yields its base URL, stops it on exit."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the test server on 127.0.0.1:{port} did not start within {STARTUP_TIMEOUT_SECONDS}s")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(SHUTDOWN_TIMEOUT_SECONDS)
        if thread.is_alive():
            raise RuntimeError(f"the test server on 127.0.0.1:{port} did not stop within {SHUTDOWN_TIMEOUT_SECONDS}s")


class LocalOidcIssuer:
    """An OIDC issuer whose ``url`` is set by whoever serves it (``issuer.url = base``; :meth:`serve` does it).

    ``serve_jwks_path`` / ``serve_discovery`` switch off one of the two ways to find the keys, so both
    discovery routes can be tested; ``jwks_requests`` counts key-set fetches (to observe caching).
    """

    def __init__(
        self, *, url: str = "http://issuer.invalid", serve_jwks_path: bool = True, serve_discovery: bool = True
    ) -> None:
        self.url = url
        self.rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec_key = ec.generate_private_key(ec.SECP256R1())
        self.rsa_kid = "rsa-1"
        self.ec_kid = "ec-1"
        self._published: dict[str, dict[str, Any]] = {}
        self.publish_key(self.rsa_kid, self.rsa_key)
        self.publish_key(self.ec_kid, self.ec_key)
        self.jwks_requests = 0
        routes = [Route("/jwks", self._jwks)]
        if serve_jwks_path:
            routes.append(Route("/.well-known/jwks", self._jwks))
        if serve_discovery:
            routes.append(Route("/.well-known/openid-configuration", self._discovery))
        self.app = Starlette(routes=routes)

    def publish_key(self, kid: str, private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> None:
        """Add (or replace) a key in the served JWKS - key rotation."""
        if isinstance(private_key, rsa.RSAPrivateKey):
            jwk = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
            jwk["alg"] = "RS256"
        else:
            jwk = json.loads(ECAlgorithm.to_jwk(private_key.public_key()))
            jwk["alg"] = "ES256"
        self._published[kid] = {**jwk, "kid": kid, "use": "sig"}

    def claims(self, **overrides: Any) -> dict[str, Any]:
        """GitHub Actions-shaped claims, valid for five minutes; ``None`` overrides drop a claim."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.url,
            "aud": "mcp-registry",
            "sub": "repo:octo-org/notes:ref:refs/heads/main",
            "repository": "octo-org/notes",
            "repository_owner": "octo-org",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
        }
        claims.update(overrides)
        return {key: value for key, value in claims.items() if value is not None}

    def mint(
        self,
        claims: Mapping[str, Any],
        *,
        algorithm: str = "RS256",
        kid: str | None = None,
        key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | None = None,
    ) -> str:
        """Sign ``claims`` with this issuer's RSA (RS256) or EC (ES256) key, or an explicit ``key``/``kid``."""
        if key is None:
            key = self.rsa_key if algorithm == "RS256" else self.ec_key
        if kid is None:
            kid = self.rsa_kid if algorithm == "RS256" else self.ec_kid
        return jwt.encode(dict(claims), key, algorithm=algorithm, headers={"kid": kid})

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve over real HTTP; sets and yields :attr:`url`."""
        with serve_in_thread(self.app) as url:
            self.url = url
            yield url

    async def _jwks(self, request: Request) -> Response:
        self.jwks_requests += 1
        return JSONResponse({"keys": list(self._published.values())})

    async def _discovery(self, request: Request) -> Response:
        return JSONResponse(
            {"issuer": self.url, "jwks_uri": f"{self.url}/jwks", "id_token_signing_alg_values_supported": ["RS256"]}
        )

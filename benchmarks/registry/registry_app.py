"""The registry as ``mcpship registry serve`` assembles it, for uvicorn: ``uvicorn --factory registry_app:create``.

``build_app`` (API, web catalogue, store) on ``REGISTRY_BENCH_DB`` (already loaded; migrating an up-to-date
database is a no-op), so the registry runs under exactly the uvicorn options of the baseline. Ownership checks
are off (no publishing happens during the benchmark) and the signing key is throw-away.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette

from mcpship.registry.app import build_app
from mcpship.registry.config import OwnershipSettings, RegistrySettings


def create() -> Starlette:
    settings = RegistrySettings(
        database_url=os.environ["REGISTRY_BENCH_DB"],
        jwt_private_key=os.urandom(32),
        ownership=OwnershipSettings(enabled=False),
    )
    return build_app(settings)

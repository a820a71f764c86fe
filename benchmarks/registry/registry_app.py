"""The registry API as uvicorn serves it for the benchmark: ``uvicorn --factory registry_app:create``.

The same ``create_app`` that ``mcpship registry serve`` runs, on a store opened from ``REGISTRY_BENCH_DB``
(already migrated and loaded), so the registry runs under exactly the uvicorn options of the baseline.
Ownership checks are off (no publishing happens during the benchmark) and the signing key is throw-away.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette

from mcpship.registry.api import create_app
from mcpship.registry.config import OwnershipSettings, RegistrySettings
from mcpship.registry.service import SqlRegistry


def create() -> Starlette:
    url = os.environ["REGISTRY_BENCH_DB"]
    settings = RegistrySettings(
        database_url=url, jwt_private_key=os.urandom(32), ownership=OwnershipSettings(enabled=False)
    )
    return create_app(settings, SqlRegistry.open(url, migrate=False), close_service=True)

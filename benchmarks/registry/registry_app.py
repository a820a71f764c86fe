"""The registry as ``mcpship registry serve`` assembles it, for uvicorn: ``uvicorn --factory registry_app:create``.

``build_app`` (API, web catalogue, store) on ``REGISTRY_BENCH_DB`` (already loaded; migrating an up-to-date
database is a no-op), so the registry runs under exactly the uvicorn options of the baseline. Ownership checks
are off (the benchmark's writes go straight into the database) and the signing key is throw-away.
``REGISTRY_BENCH_CACHE_BYTES``, when set, is the response cache budget (``0``: off), on a registry whose
settings have ``read_cache_bytes``; otherwise the default applies.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from starlette.applications import Starlette

from mcpship.registry.app import build_app
from mcpship.registry.config import OwnershipSettings, RegistrySettings

CACHE_SETTING = "read_cache_bytes"


def cache_setting_supported() -> bool:
    return CACHE_SETTING in {f.name for f in dataclasses.fields(RegistrySettings)}


def create() -> Starlette:
    extra: dict[str, Any] = {}
    budget = os.environ.get("REGISTRY_BENCH_CACHE_BYTES", "")
    if budget and cache_setting_supported():
        extra[CACHE_SETTING] = int(budget)
    settings = RegistrySettings(
        database_url=os.environ["REGISTRY_BENCH_DB"],
        jwt_private_key=os.urandom(32),
        ownership=OwnershipSettings(enabled=False),
        **extra,
    )
    return build_app(settings)

"""Assemble a running registry: open the store, add the web catalogue, build the API app.

``mcpship registry serve`` calls :func:`build_app` for one process; with ``--workers N`` uvicorn starts N
processes that each call :func:`app_from_environment`, which reads the settings the parent put in
``MCPSHIP_REGISTRY_SETTINGS`` (JSON, the key in hex; the variable never leaves the process tree).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, replace
from typing import Any

from starlette.applications import Starlette

from mcpship.registry.api import create_app
from mcpship.registry.config import OwnershipSettings, RegistrySettings

__all__ = ["SETTINGS_ENV", "app_from_environment", "build_app", "create_app", "settings_from_json", "settings_to_json"]

SETTINGS_ENV = "MCPSHIP_REGISTRY_SETTINGS"


def build_app(settings: RegistrySettings, *, with_web: bool = True) -> Starlette:
    """The full deployment: store opened (migrated to head) from ``settings.database_url``, closed on shutdown."""
    from mcpship.registry.service import SqlRegistry

    service = SqlRegistry.open(
        settings.database_url,
        max_versions_per_name=settings.max_versions_per_name,
        unique_remote_urls=settings.unique_remote_urls,
    )
    try:
        extra = []
        if with_web:
            from mcpship.registry.web import web_routes

            extra = list(web_routes(settings, service))
        return create_app(settings, service, extra_routes=extra, close_service=True)
    except BaseException:
        service.close()
        raise


def settings_to_json(settings: RegistrySettings) -> str:
    data = asdict(settings)
    data["jwt_private_key"] = settings.jwt_private_key.hex()
    return json.dumps(data)


def settings_from_json(text: str) -> RegistrySettings:
    data: dict[str, Any] = {key: _tuples(value) for key, value in json.loads(text).items()}
    ownership: dict[str, Any] = {key: _tuples(value) for key, value in data.pop("ownership").items()}
    data["jwt_private_key"] = bytes.fromhex(data["jwt_private_key"])
    return replace(RegistrySettings(**data), ownership=OwnershipSettings(**ownership))


def _tuples(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def app_from_environment() -> Starlette:
    """uvicorn factory for worker processes (``--workers N``)."""
    text = os.environ.get(SETTINGS_ENV)
    if not text:
        raise RuntimeError(f"{SETTINGS_ENV} is not set: start workers through `mcpship registry serve --workers N`")
    return build_app(settings_from_json(text))

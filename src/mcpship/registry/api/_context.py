"""What every endpoint shares: the settings, the store, the token issuer and the read cache."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from mcpship.registry.api._cache import ReadCache
from mcpship.registry.config import OwnershipSettings, RegistrySettings
from mcpship.registry.records import RegistryService

__all__ = ["ApiContext", "OwnershipCheck"]

OwnershipCheck = Callable[[Mapping[str, Any], OwnershipSettings, httpx.AsyncClient], Awaitable[list[str]]]


@dataclass(frozen=True)
class ApiContext:
    settings: RegistrySettings
    service: RegistryService
    authenticate: Callable[[str | None], Any]
    """``Authorization`` header -> the auth module's ``Claims`` (``allows(action, name)``, ``permissions``);
    raises a 401 :class:`~mcpship.registry.problems.RegistryHTTPError`."""
    cache: ReadCache
    check_ownership: OwnershipCheck | None
    """``None`` when ownership checks are off (``--no-ownership-checks``)."""

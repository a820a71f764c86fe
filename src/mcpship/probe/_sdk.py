"""The client half of the official MCP SDK, loaded without its server half.

Any ``import mcp.<module>`` first runs ``mcp/__init__.py``, then ``mcp/client/__init__.py``: both import the
whole SDK, including ``mcp.client.client``, whose in-process transport imports ``mcp.server`` and with it
uvicorn, Starlette, sse-starlette and the server's auth stack. That is about 0.3 s of CPU (a quarter of what
``mcpship inspect`` spends) on code a client never runs, paid while the server we started waits for us. The
modules a client does run (the session, the era negotiation, the JSON-RPC dispatcher, the message types)
import only ``mcp.shared`` and ``mcp_types``.

So :func:`client_sdk` registers those two packages from their import specs without running their
initialisers, imports just the client modules, and gives each package a PEP 562 ``__getattr__`` that runs its
real initialiser the first time anything else is asked of it: code that later uses ``mcp.Client`` or
``from mcp import ...`` gets the complete package, as if it had imported it first. When ``mcp`` is already
loaded (an embedder, a test), the ordinary imports run and this changes nothing. (The completion takes no
lock: two threads first touching ``mcp.<name>`` at the same moment could see one AttributeError; holding a lock
there could deadlock against the import system's own module locks, and mcpship's first use is single-threaded.)

The protocol is still the SDK's own: :class:`ClientSession` and ``negotiate_auto`` are exactly what
``mcp.Client(transport, mode="auto")`` runs for a transport (see its ``_connect_transport`` and
``__aenter__``); a test checks that the two stay in line.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from mcp.client.session import ClientSession
    from mcp.shared.jsonrpc_dispatcher import JSONRPCDispatcher
    from mcp.shared.message import SessionMessage
    from mcp_types import Implementation, PaginatedRequestParams

__all__ = ["ClientSdk", "client_sdk"]

# The packages whose initialisers import the whole SDK; their client modules need only their __path__.
_DEFERRED = ("mcp", "mcp.client")


@dataclass(frozen=True)
class ClientSdk:
    """What :mod:`mcpship.probe.session` uses of the SDK."""

    session: type[ClientSession]
    dispatcher: type[JSONRPCDispatcher[Any]]
    message: type[SessionMessage]
    implementation: type[Implementation]
    page_params: type[PaginatedRequestParams]
    negotiate_auto: Callable[[ClientSession], Awaitable[None]]
    """``mode="auto"``: server/discover (2026-07-28), else the initialize handshake (2025-11-25)."""


_LOADED: list[ClientSdk] = []


def client_sdk() -> ClientSdk:
    """The SDK's client modules, imported without ``mcp.server`` when ``mcp`` is not loaded yet."""
    if not _LOADED:
        if "mcp" not in sys.modules:
            for name in _DEFERRED:
                _register_deferred(name)
        from mcp.client._probe import negotiate_auto
        from mcp.client.session import ClientSession
        from mcp.shared.jsonrpc_dispatcher import JSONRPCDispatcher
        from mcp.shared.message import SessionMessage
        from mcp_types import Implementation, PaginatedRequestParams

        _LOADED.append(
            ClientSdk(
                session=ClientSession,
                dispatcher=JSONRPCDispatcher,
                message=SessionMessage,
                implementation=Implementation,
                page_params=PaginatedRequestParams,
                negotiate_auto=negotiate_auto,
            )
        )
    return _LOADED[0]


def _register_deferred(name: str) -> None:
    """Put package ``name`` in ``sys.modules`` with its ``__path__`` but without running its ``__init__``."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        raise ImportError(f"{name} is not an importable package", name=name)  # the SDK is not installed
    module = importlib.util.module_from_spec(spec)
    module.__dict__["__getattr__"] = _initialise_on_first_use(module, spec.loader)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)


def _initialise_on_first_use(module: ModuleType, loader: Any) -> Callable[[str], Any]:
    running: list[bool] = []

    def __getattr__(name: str) -> Any:  # noqa: N807 (PEP 562's name)
        if not running:  # once: the initialiser's own lookups of names it has not bound yet must fail normally
            running.append(True)
            loader.exec_module(module)  # the package's real __init__, in its own namespace
        try:
            return module.__dict__[name]
        except KeyError:
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}") from None

    return __getattr__

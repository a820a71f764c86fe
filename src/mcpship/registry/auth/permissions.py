"""What a registry token lets its holder do: ``(action, resource pattern)`` pairs and upstream's pattern rule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from mcpship.registry.problems import RegistryHTTPError

__all__ = ["Action", "Claims", "Permission", "resource_matches"]

Action = Literal["publish", "edit"]
ACTIONS: frozenset[str] = frozenset(get_args(Action))


def resource_matches(resource: str, pattern: str) -> bool:
    """Upstream ``isResourceMatch``: ``*`` is everything, a trailing ``*`` a case-sensitive string prefix, else exact.

    The prefix is plain text, not a path segment: ``io.github.alice/*`` is the prefix ``io.github.alice/`` (so it
    does not match ``io.github.alicex/y``), while ``io.github.alice*`` would. ``com.example.*`` covers subdomain
    namespaces such as ``com.example.api/x`` but not ``com.example/x`` (DNS grants both patterns for that reason).
    """
    if pattern == "*":
        return True
    if pattern.endswith("*"):
        return resource.startswith(pattern[:-1])
    return resource == pattern


@dataclass(frozen=True)
class Permission:
    """One grant, serialised in the JWT as ``{"action": ..., "resource": ...}``."""

    action: Action
    resource: str

    def to_wire(self) -> dict[str, str]:
        return {"action": self.action, "resource": self.resource}

    @classmethod
    def from_wire(cls, data: object) -> Permission:
        """Parse one JWT ``permissions`` item; ``ValueError`` when it is not exactly the documented shape."""
        if not isinstance(data, Mapping):
            raise ValueError("permission is not an object")
        action, resource = data.get("action"), data.get("resource")
        if action not in ACTIONS:
            raise ValueError(f"unknown permission action {action!r}")
        if not isinstance(resource, str) or not resource:
            raise ValueError("permission resource must be a non-empty string")
        return cls(action=action, resource=resource)


@dataclass(frozen=True)
class Claims:
    """The verified content of a registry token."""

    auth_method: str
    auth_method_sub: str
    permissions: tuple[Permission, ...]
    issued_at: int
    expires_at: int

    def allows(self, action: Action | str, server_name: str) -> bool:
        return any(p.action == action and resource_matches(server_name, p.resource) for p in self.permissions)

    def patterns(self, action: Action | str = "publish") -> list[str]:
        return [p.resource for p in self.permissions if p.action == action]

    def describe_permissions(self, action: Action | str = "publish") -> str:
        """The middle of upstream's 403 message (``publish.go: buildPermissionErrorMessage``)."""
        patterns = self.patterns(action)
        if patterns:
            return f"You have permission to {action}: {', '.join(patterns)}"
        return f"You do not have any {action} permissions"

    def require(self, action: Action | str, server_name: str) -> None:
        """Raise upstream's 403 unless the token allows ``action`` on ``server_name``."""
        if not self.allows(action, server_name):
            raise RegistryHTTPError(
                403,
                f"You do not have permission to {action} this server. {self.describe_permissions(action)}. "
                f"Attempting to {action}: {server_name}",
            )

    def to_wire(self) -> dict[str, Any]:
        """The registry-specific JWT claims (the registered ones are added by the issuer)."""
        return {
            "auth_method": self.auth_method,
            "auth_method_sub": self.auth_method_sub,
            "permissions": [p.to_wire() for p in self.permissions],
        }


def permissions_from_wire(items: object) -> tuple[Permission, ...]:
    if not isinstance(items, list):
        raise ValueError("permissions must be a list")
    return tuple(Permission.from_wire(item) for item in items)


def covers_any(permissions: Iterable[Permission], action: Action, resource: str) -> bool:
    return any(p.action == action and resource_matches(resource, p.resource) for p in permissions)

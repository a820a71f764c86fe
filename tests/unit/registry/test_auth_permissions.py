"""Upstream's resource-pattern rule (``isResourceMatch``) and what a token's claims allow."""

from __future__ import annotations

import pytest

from mcpship.registry.auth import Claims, Permission, resource_matches
from mcpship.registry.auth.permissions import covers_any, permissions_from_wire
from mcpship.registry.problems import RegistryHTTPError


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        ("*", "io.github.alice/x", True),
        ("*", "anything at all", True),
        # A trailing * is a plain string prefix: "io.github.alice/*" is the prefix "io.github.alice/".
        ("io.github.alice/*", "io.github.alice/x", True),
        ("io.github.alice/*", "io.github.alice/", True),
        ("io.github.alice/*", "io.github.alicex/y", False),
        ("io.github.alice/*", "io.github.Alice/x", False),
        ("io.github.alice*", "io.github.alicex/y", True),
        ("com.example.*", "com.example.api/x", True),
        ("com.example.*", "com.example/x", False),
        ("com.example/*", "com.example/x", True),
        ("com.example/*", "com.example.api/x", False),
        ("io.github.alice/server", "io.github.alice/server", True),
        ("io.github.alice/server", "io.github.alice/server2", False),
        ("io.github.alice/server", "io.github.alice/Server", False),
    ],
)
def test_resource_pattern_matches_like_upstream(pattern: str, resource: str, expected: bool) -> None:
    assert resource_matches(resource, pattern) is expected


def claims(*permissions: Permission) -> Claims:
    return Claims("github-at", "alice", permissions, issued_at=0, expires_at=300)


def test_claims_allow_only_the_granted_action() -> None:
    token = claims(Permission("publish", "io.github.alice/*"))

    assert token.allows("publish", "io.github.alice/notes")
    assert not token.allows("edit", "io.github.alice/notes")
    assert not token.allows("publish", "io.github.bob/notes")


def test_describe_permissions_lists_the_patterns_of_that_action() -> None:
    token = claims(Permission("publish", "io.github.alice/*"), Permission("publish", "io.github.acme/*"))

    assert token.describe_permissions() == "You have permission to publish: io.github.alice/*, io.github.acme/*"
    assert token.describe_permissions("edit") == "You do not have any edit permissions"


def test_require_raises_upstreams_403_message() -> None:
    token = claims(Permission("publish", "io.github.alice/*"))

    with pytest.raises(RegistryHTTPError) as raised:
        token.require("publish", "io.github.bob/x")

    assert raised.value.status == 403
    assert raised.value.detail == (
        "You do not have permission to publish this server. You have permission to publish: io.github.alice/*. "
        "Attempting to publish: io.github.bob/x"
    )


def test_require_passes_silently_when_allowed() -> None:
    claims(Permission("edit", "*")).require("edit", "com.example/anything")


def test_patterns_lists_the_publish_patterns_by_default() -> None:
    token = claims(Permission("publish", "io.github.alice/*"), Permission("edit", "io.github.acme/*"))

    assert token.patterns() == ["io.github.alice/*"]
    assert token.patterns("edit") == ["io.github.acme/*"]


def test_covers_any_needs_the_action_and_the_pattern_on_one_grant() -> None:
    grants = [Permission("edit", "io.github.alice/*"), Permission("publish", "io.github.acme/*")]

    assert covers_any(grants, "publish", "io.github.acme/test")
    assert not covers_any(grants, "publish", "io.github.alice/test")
    assert not covers_any(grants, "publish", "io.github.bob/test")
    assert covers_any(grants, "edit", "io.github.alice/test")


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"action": "delete", "resource": "*"}, "unknown permission action 'delete'"),
        ({"resource": "*"}, "unknown permission action None"),
        ({"action": "publish"}, "permission resource must be a non-empty string"),
        ({"action": "publish", "resource": ""}, "permission resource must be a non-empty string"),
        ({"action": "publish", "resource": 5}, "permission resource must be a non-empty string"),
        (["publish", "*"], "permission is not an object"),
    ],
)
def test_permission_from_wire_rejects_anything_but_the_documented_shape(item: object, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        Permission.from_wire(item)
    assert str(raised.value) == message


def test_permission_from_wire_reads_the_documented_shape() -> None:
    assert Permission.from_wire({"action": "edit", "resource": "io.github.alice/*"}) == Permission(
        "edit", "io.github.alice/*"
    )


@pytest.mark.parametrize("items", [None, {"action": "publish", "resource": "*"}, "publish:*"])
def test_permissions_from_wire_refuses_anything_but_a_list(items: object) -> None:
    with pytest.raises(ValueError) as raised:
        permissions_from_wire(items)
    assert str(raised.value) == "permissions must be a list"


def test_permissions_from_wire_reads_every_item_in_order() -> None:
    items = [{"action": "publish", "resource": "b/*"}, {"action": "edit", "resource": "a/*"}]

    assert permissions_from_wire(items) == (Permission("publish", "b/*"), Permission("edit", "a/*"))
    assert permissions_from_wire([]) == ()

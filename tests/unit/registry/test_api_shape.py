"""The request-shape check (upstream's huma layer): messages, locations, what the handlers then see, and bounds."""

from __future__ import annotations

from typing import Any

import pytest

from mcpship.registry.api._shape import MAX_SHAPE_ERRORS, SERVER_JSON, STATUS_BODY, checked_body
from mcpship.registry.problems import RegistryHTTPError

SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"


def server(**fields: Any) -> dict[str, Any]:
    return {"$schema": SCHEMA, "name": "io.github.acme/notes", "description": "Notes.", "version": "1.0.0", **fields}


def refusal(body: object, **options: Any) -> list[dict[str, Any]]:
    with pytest.raises(RegistryHTTPError) as caught:
        checked_body(SERVER_JSON, body, **options)
    assert (caught.value.status, caught.value.detail) == (422, "validation failed")
    return caught.value.errors


def test_a_valid_document_comes_back_unchanged() -> None:
    document = server(packages=[{"registryType": "npm", "identifier": "notes", "transport": {"type": "stdio"}}])
    assert checked_body(SERVER_JSON, document) == document


def test_each_violation_has_humas_message_and_location_in_property_order() -> None:
    document = {"$schema": "", "name": "bad name", "description": "x" * 101, "version": 3, "extra": True}
    assert refusal(document) == [
        {"message": "expected length >= 1", "location": "body.$schema", "value": ""},
        {
            "message": "expected string to be RFC 3986 absolute uri (non-empty scheme)",
            "location": "body.$schema",
            "value": "",
        },
        {"message": "expected length <= 100", "location": "body.description", "value": "x" * 101},
        {
            "message": "expected string to match pattern ^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$",
            "location": "body.name",
            "value": "bad name",
        },
        {"message": "expected string", "location": "body.version", "value": 3},
        {"message": "unexpected property", "location": "body.extra"},
    ]


def test_missing_required_keys_and_nested_faults_are_located_like_upstream() -> None:
    document = server(packages=[{"registryType": "npm", "identifier": "n", "transport": {"type": "stdio", "x": 1}}])
    document["packages"].append({"identifier": "m"})
    document["_meta"] = {"com.example/other": {}}
    assert refusal(document) == [
        {"message": "unexpected property", "location": "body._meta.com.example/other"},
        {"message": "unexpected property", "location": "body.packages[0].transport.x"},
        {"message": "expected required property registryType to be present", "location": "body.packages[1]"},
        {"message": "expected required property transport to be present", "location": "body.packages[1]"},
    ]


def test_a_missing_authorization_header_is_listed_with_the_body_faults() -> None:
    errors = refusal(server(title=""), missing_header=True)
    assert errors[0] == {
        "message": "required header parameter is missing",
        "location": "header.Authorization",
        "value": "",
    }
    assert errors[1]["location"] == "body.title"


def test_null_optional_keys_are_absent_and_other_casings_take_the_struct_keys_name() -> None:
    document = {"$schema": SCHEMA, "NAME": "io.github.acme/notes", "Description": "d", "version": "1", "title": None}
    assert checked_body(SERVER_JSON, document) == {
        "$schema": SCHEMA,
        "name": "io.github.acme/notes",
        "description": "d",
        "version": "1",
    }


def test_a_null_required_key_is_a_type_error() -> None:
    assert refusal(server(name=None)) == [{"message": "expected string", "location": "body.name"}]


def test_publisher_metadata_is_kept_verbatim_nulls_included() -> None:
    meta = {"io.modelcontextprotocol.registry/publisher-provided": {"a": None, "b": [1, {"c": None}]}}
    assert checked_body(SERVER_JSON, server(_meta=meta))["_meta"] == meta


def test_the_name_pattern_ends_at_the_end_of_the_text_not_before_a_final_newline() -> None:
    assert refusal(server(name="io.github.acme/notes\n"))[0]["location"] == "body.name"


def test_a_status_body_is_held_to_the_enum_and_the_message_length() -> None:
    with pytest.raises(RegistryHTTPError) as caught:
        checked_body(STATUS_BODY, {"status": "gone", "statusMessage": "m" * 501, "why": 1})
    assert caught.value.errors == [
        {
            "message": 'expected value to be one of "active, deprecated, deleted"',
            "location": "body.status",
            "value": "gone",
        },
        {"message": "expected length <= 500", "location": "body.statusMessage"},
        {"message": "unexpected property", "location": "body.why"},
    ]


def test_a_hostile_body_gets_a_bounded_answer_no_echoed_objects_and_no_long_values() -> None:
    document = server(**{f"k{index}": index for index in range(10_000)})
    errors = refusal(document)
    assert len(errors) == MAX_SHAPE_ERRORS
    assert all("value" not in error for error in errors)
    assert "value" not in refusal(server(description="x" * 10_000))[0]

"""Canonical JSON: the bytes digests are taken over, and the on-disk form of the lock."""

from __future__ import annotations

import hashlib

from mcpship.interface.canonical import canonical_bytes, digest, pretty

VALUE = {"b": [1, {"z": True, "y": None}], "a": "zápisky ✓"}


def test_canonical_bytes_sort_keys_drop_whitespace_and_keep_utf8_text() -> None:
    assert canonical_bytes(VALUE) == '{"a":"zápisky ✓","b":[1,{"y":null,"z":true}]}'.encode()


def test_the_same_object_built_in_another_key_order_gives_the_same_bytes() -> None:
    assert canonical_bytes({"a": 1, "b": 2}) == canonical_bytes({"b": 2, "a": 1}) == b'{"a":1,"b":2}'


def test_a_digest_is_sha256_of_the_canonical_bytes_with_its_algorithm_named() -> None:
    expected = hashlib.sha256('{"a":"zápisky ✓","b":[1,{"y":null,"z":true}]}'.encode()).hexdigest()
    assert digest(VALUE) == f"sha256:{expected}"


def test_pretty_is_sorted_two_space_indented_utf8_with_a_trailing_newline() -> None:
    assert pretty(VALUE) == (
        '{\n  "a": "zápisky ✓",\n  "b": [\n    1,\n    {\n      "y": null,\n      "z": true\n    }\n  ]\n}\n'
    )

"""The safe loaders: every malformed TOML/JSON/text file is one error of the caller's class naming the file, the
line and column where there is one, and the fix; never a traceback, whatever the bytes."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcpship._exceptions import InvalidArtifactError, McpshipError, SpecError
from mcpship._safe_load import (
    MAX_DEPTH,
    parse_json,
    parse_toml,
    read_bytes,
    read_json_file,
    read_text_file,
    read_toml_file,
)

PROPERTIES = settings(
    max_examples=150, derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_invalid_utf8_names_the_file_line_column_and_byte(tmp_path: Path) -> None:
    path = write(tmp_path / "mcpship.toml", b'name = "a"\ntitle = "\xff"\n')
    with pytest.raises(SpecError) as caught:
        read_toml_file(path, error=SpecError)
    assert caught.value.message == f"{path}: is not UTF-8 (byte 0xff at line 2, column 10 cannot be decoded)"
    assert caught.value.hint == "save it as UTF-8"
    assert caught.value.exit_code == 3


def test_binary_content_is_called_a_binary_file(tmp_path: Path) -> None:
    path = write(tmp_path / "server.json", b'{"a":\n 1}\x00\x01\x02')
    with pytest.raises(InvalidArtifactError, match=r"is a binary file \(a NUL byte at line 2, column 4\), not JSON"):
        read_json_file(path, error=InvalidArtifactError)


def test_utf16_text_is_named_as_such(tmp_path: Path) -> None:
    path = write(tmp_path / "package.json", '{"name": "x"}'.encode("utf-16"))
    with pytest.raises(SpecError, match="is UTF-16 text; JSON files are UTF-8"):
        read_json_file(path, error=SpecError)


def test_a_bom_is_refused_in_toml_with_the_fix_and_ignored_in_json(tmp_path: Path) -> None:
    toml = write(tmp_path / "pyproject.toml", b'\xef\xbb\xbf[project]\nname = "x"\n')
    with pytest.raises(SpecError, match="byte order mark") as caught:
        read_toml_file(toml, error=SpecError)
    assert caught.value.hint == "save it as UTF-8 without a BOM"
    assert read_json_file(write(tmp_path / "a.json", b'\xef\xbb\xbf{"a": 1}'), error=SpecError) == {"a": 1}
    assert parse_json('\ufeff{"a": 1}', source="a.json", error=SpecError) == {"a": 1}
    assert read_text_file(write(tmp_path / "README.md", b"\xef\xbb\xbf# Title\n"), error=SpecError) == "# Title\n"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("arrays.toml", b"a = " + b"[" * 100_000 + b"]" * 100_000),
        ("inline.toml", b"a = " + b"{b = " * 5_000 + b"1" + b"}" * 5_000),
        ("tables.toml", b"[" + b".".join([b"t"] * 200) + b"]\n"),
        ("arrays.json", b"[" * 100_000 + b"]" * 100_000),
        ("objects.json", b'{"a":' * 100_000 + b"1" + b"}" * 100_000),
        ("just-deeper.json", b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)),
    ],
)
def test_deep_nesting_is_an_error_not_a_recursion_error(tmp_path: Path, name: str, content: bytes) -> None:
    path = write(tmp_path / name, content)
    read = read_toml_file if name.endswith(".toml") else read_json_file
    with pytest.raises(SpecError, match=f"nested more than {MAX_DEPTH} levels deep"):
        read(path, error=SpecError)


def test_nesting_up_to_the_limit_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "ok.json", b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)
    value = read_json_file(path, error=SpecError)
    for _ in range(MAX_DEPTH - 1):
        value = value[0]
    assert value == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": -Infinity}', "-Infinity is not a JSON number"),
        ('{"a": 1e999}', "1e999 is too large for a JSON number"),
        ('{"a": "\\ud800"}', "lone surrogate escape (\\ud800)"),
        ('{"\\udfff": 1}', "lone surrogate escape (\\udfff)"),
        ('{"a": 1,}', "not valid JSON (line 1, column 9: Expecting property name"),
        ('{"a": ' + "1" * 5000 + "}", "… (5000 digits) is too large for a JSON number"),
    ],
)
def test_json_is_read_by_rfc_8259(text: str, message: str) -> None:
    with pytest.raises(InvalidArtifactError) as caught:
        parse_json(text, source="server.json", error=InvalidArtifactError)
    assert caught.value.message.startswith("server.json: ")
    assert message in caught.value.message


def test_a_surrogate_pair_is_one_character() -> None:
    assert parse_json('"\\ud83d\\ude00"', source="a.json", error=SpecError) == "\U0001f600"


def test_toml_syntax_errors_keep_the_parsers_line_and_column() -> None:
    with pytest.raises(SpecError, match=r"x.toml: invalid TOML: .*\(at line 2, column 5\)"):
        parse_toml(b"a = 1\nb = \n", source="x.toml", error=SpecError)


def test_a_file_larger_than_the_cap_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = write(tmp_path / "big.json", b" " * 2048)
    with pytest.raises(SpecError, match="larger than 1024 bytes"):
        read_bytes(path, error=SpecError, max_bytes=1024)
    assert read_bytes(path, error=SpecError, max_bytes=2048) == b" " * 2048


def test_a_device_that_never_ends_is_bounded_by_the_cap() -> None:
    with pytest.raises(SpecError, match="larger than"):
        read_json_file(Path("/dev/zero"), error=SpecError, max_bytes=1 << 16)


def test_an_unreadable_path_is_an_error_of_the_callers_class(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read it"):
        read_toml_file(tmp_path, error=SpecError)  # a folder


@PROPERTIES
@given(st.binary(max_size=300))
def test_any_bytes_give_a_document_or_the_callers_error(data: bytes) -> None:
    for parse in (parse_toml, parse_json):
        with contextlib.suppress(SpecError):  # any other exception fails the test
            parse(data, source="f", error=SpecError)


TOMLISH = st.lists(
    st.sampled_from(['a = "x"', "[t]", "[[t]]", "b = [1, 2", "c = {d = 1}", "\\u0000", '"', "[", "]", "{", "}", "="])
    | st.text(max_size=12),
    max_size=30,
).map("\n".join)


@PROPERTIES
@given(TOMLISH)
def test_any_toml_ish_text_gives_a_table_or_the_callers_error(text: str) -> None:
    with contextlib.suppress(SpecError):
        assert isinstance(parse_toml(text.encode("utf-8", "surrogatepass"), source="f", error=SpecError), dict)


@PROPERTIES
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5), lambda c: st.lists(c, max_size=3)))
def test_every_json_value_within_the_limits_round_trips(value: object) -> None:
    assert parse_json(json.dumps(value), source="f", error=McpshipError) == value

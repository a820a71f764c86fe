"""What a spec may not say (a secret with a default or choices), ``[files] include``, and files no spec loader
may trip on: any bytes as mcpship.toml, pyproject.toml or package.json give a spec or a SpecError, nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcpship import SpecError, load_spec

PROPERTIES = settings(
    max_examples=120, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)

SPEC = """name = "io.github.acme/demo"
description = "A demo."
version = "1.0.0"

[run]
runtime = "python"
command = "demo-mcp"
"""
PYPROJECT = (
    '[project]\nname = "demo"\nversion = "1.0.0"\ndescription = "A demo."\n[project.scripts]\ndemo-mcp = "d:m"\n'
)


def spec_dir(root: Path, extra: str = "", *, top: str = "") -> Path:
    """A valid spec with ``top`` lines at its top level and ``extra`` tables after [run]."""
    (root / "mcpship.toml").write_text(top + SPEC + extra, encoding="utf-8")
    return root


def test_a_secret_with_a_default_names_file_field_and_fix_but_never_the_value(tmp_path: Path) -> None:
    extra = '[[env]]\nname = "DEBUG"\ndefault = "0"\n\n'
    extra += '[[env]]\nname = "API_TOKEN"\nsecret = true\ndefault = "sk-live-9f8e"\n'
    with pytest.raises(SpecError) as caught:
        load_spec(spec_dir(tmp_path, extra))
    message = caught.value.message
    assert message.startswith(f"{tmp_path / 'mcpship.toml'}: ")
    assert 'key "default" in [env[1]]: API_TOKEN is a secret (secret = true), so it has no default' in message
    assert "server.json, the MCPB manifest, smithery.yaml and toolhive.json" in message
    assert caught.value.hint == "remove `default`; users pass the value at install"
    assert "sk-live-9f8e" not in message + str(caught.value.hint)
    assert caught.value.exit_code == 3


def test_a_secret_in_tool_mcpship_names_the_pyproject_table(tmp_path: Path) -> None:
    table = '\n[tool.mcpship]\nname = "io.github.acme/demo"\n'
    table += '[[tool.mcpship.env]]\nname = "T"\nsecret = true\ndefault = "x"\n'
    (tmp_path / "pyproject.toml").write_text(PYPROJECT + table, encoding="utf-8")
    with pytest.raises(SpecError, match=r'pyproject.toml \[tool.mcpship\]: key "default" in \[tool.mcpship.env\[0\]\]'):
        load_spec(tmp_path)


def test_a_secret_with_choices_is_refused_too(tmp_path: Path) -> None:
    extra = '[[env]]\nname = "REGION_KEY"\nsecret = true\nchoices = ["alpha", "beta"]\n'
    with pytest.raises(SpecError) as caught:
        load_spec(spec_dir(tmp_path, extra))
    assert 'key "choices" in [env[0]]: REGION_KEY is a secret (secret = true), so it has no choices' in (
        caught.value.message
    )
    assert "alpha" not in caught.value.message


def test_a_secret_without_default_and_a_plain_default_still_load(tmp_path: Path) -> None:
    extra = '[[env]]\nname = "TOKEN"\nsecret = true\nrequired = true\n\n[[env]]\nname = "DIR"\ndefault = "~/n"\n'
    spec = load_spec(spec_dir(tmp_path, extra)).spec
    assert [(e.name, e.secret, e.default) for e in spec.env] == [("TOKEN", True, None), ("DIR", False, "~/n")]


def test_files_include_takes_gitignore_patterns(tmp_path: Path) -> None:
    spec = load_spec(spec_dir(tmp_path, '[files]\ninclude = ["certs/ca.pem", "*.key"]\n')).spec
    assert spec.files.include == ["certs/ca.pem", "*.key"]
    assert load_spec(spec_dir(tmp_path)).spec.files.include == []


@pytest.mark.parametrize("pattern", ["!x.pem", "", "# note", "a\nb", "\\"])
def test_files_include_refuses_what_is_no_pattern(tmp_path: Path, pattern: str) -> None:
    with pytest.raises(SpecError, match=r'key "include" in \[files\]'):
        load_spec(spec_dir(tmp_path, f"[files]\ninclude = [{json.dumps(pattern)}]\n"))


def test_an_unknown_key_with_control_characters_is_shown_escaped(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(spec_dir(tmp_path, top='"\\u001b]0;pwned\\u0007" = 1\n'))
    assert 'unknown key "\\u001b]0;pwned\\u0007" in the top level' in caught.value.message
    assert "\x1b" not in caught.value.message + str(caught.value.hint)


def test_a_huge_value_is_shortened_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(spec_dir(tmp_path, top=f"title = {json.dumps('x' * 100_000)}\n"))
    assert 'key "title" in the top level' in caught.value.message
    assert len(caught.value.message) < 1000


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('urls = "https://x"', r"\[project\].urls must be a table"),
        ('scripts = ["a"]', r"\[project\].scripts must be a table"),
        ("dynamic = 1", r"\[project\].dynamic must be an array"),
    ],
)
def test_pyproject_fields_of_the_wrong_type_name_the_field(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\nversion = "1.0.0"\n{table}\n', encoding="utf-8"
    )
    spec_dir(tmp_path)
    with pytest.raises(SpecError, match=message):
        load_spec(tmp_path)


NOT_UTF8 = (b'name = "\xc3\x28"\n', "is not UTF-8 (byte 0xc3 at line 1, column 9 cannot be decoded)")
BINARY = (bytes(range(256)), "is a binary file (a NUL byte at line 1, column 1), not {kind}")
DEEP_TOML = (
    b"a = " + b"[" * 100_000 + b"]" * 100_000,
    "nested more than 128 levels deep, far deeper than any real file",
)
DEEP_JSON = (b"[" * 100_000 + b"]" * 100_000, DEEP_TOML[1])


@pytest.mark.parametrize(
    ("file", "content", "message"),
    [
        (file, content, message.format(kind="JSON" if file.endswith(".json") else "TOML"))
        for file in ("mcpship.toml", "pyproject.toml", "package.json")
        for content, message in (NOT_UTF8, BINARY, DEEP_JSON if file.endswith(".json") else DEEP_TOML)
    ],
)
def test_every_spec_source_reports_malformed_bytes_as_a_spec_error(
    tmp_path: Path, file: str, content: bytes, message: str
) -> None:
    if file != "mcpship.toml":
        spec_dir(tmp_path)
    (tmp_path / file).write_bytes(content)
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path)
    assert caught.value.message.startswith(f"{tmp_path / file}: {message}")


def _outcome(root: Path) -> None:
    """Loading gives a spec or a SpecError with a message (any other exception fails the test)."""
    try:
        load_spec(root)
    except SpecError as error:
        caught = error
    else:
        return
    assert caught.message
    assert caught.exit_code == 3


SPEC_KEYS = st.sampled_from(["name", "description", "version", "run", "env", "http", "targets", "files", "icons"])
TOML_VALUES = st.sampled_from(['"x"', "1", "true", "[]", '["a", 1]', "{}", '{runtime = "python"}', "nan", "1979-05-27"])


@PROPERTIES
@given(st.lists(st.tuples(SPEC_KEYS | st.text(max_size=6), TOML_VALUES), max_size=8), st.binary(max_size=40))
def test_any_toml_ish_spec_loads_or_is_a_spec_error(
    tmp_path_factory: pytest.TempPathFactory, entries: list[tuple[str, str]], tail: bytes
) -> None:
    root = tmp_path_factory.mktemp("spec")
    lines = [f"{json.dumps(key)} = {value}" for key, value in entries]
    (root / "mcpship.toml").write_bytes(SPEC.encode() + "\n".join(lines).encode("utf-8", "surrogatepass") + tail)
    _outcome(root)


@PROPERTIES
@given(st.binary(max_size=200))
def test_any_bytes_as_pyproject_toml_load_or_are_a_spec_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    root = tmp_path_factory.mktemp("pyproject")
    (root / "pyproject.toml").write_bytes(data)
    _outcome(root)


PYPROJECT_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=10,
)


@PROPERTIES
@given(
    st.dictionaries(
        st.sampled_from(["version", "description", "keywords", "license", "urls", "scripts", "readme", "dynamic"]),
        PYPROJECT_VALUES,
    )
)
def test_any_project_table_in_pyproject_loads_or_is_a_spec_error(
    tmp_path_factory: pytest.TempPathFactory, project: dict[str, object]
) -> None:
    import tomlkit

    root = tmp_path_factory.mktemp("project")
    document = {"project": {"name": "demo", **{k: v for k, v in project.items() if v is not None}}}
    try:
        text = tomlkit.dumps(document)
    except (TypeError, ValueError):
        return  # None inside arrays: not expressible in TOML
    (root / "pyproject.toml").write_text(text, encoding="utf-8")
    (root / "mcpship.toml").write_text('name = "io.github.acme/demo"\n', encoding="utf-8")
    _outcome(root)


@PROPERTIES
@given(PYPROJECT_VALUES)
def test_any_json_as_package_json_loads_or_is_a_spec_error(
    tmp_path_factory: pytest.TempPathFactory, document: object
) -> None:
    root = tmp_path_factory.mktemp("node")
    package = {"name": "demo", "bin": document} if isinstance(document, str | dict) else document
    (root / "package.json").write_text(json.dumps(package), encoding="utf-8")
    _outcome(root)

"""The one target contract: every built-in declares what a plugin declares, the spec loader checks each
[targets.<name>] table with its target's config class, and old names keep working."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import BaseModel, ConfigDict

from mcpship import SpecError, UsageError, load_spec
from mcpship._problems import Problem
from mcpship.targets import BUILTIN_TARGETS, BuildContext, BuiltFile, NoConfig, Target, load_target
from mcpship.targets._known import BUILTIN_CONFIGS, config_class, import_reference

PYPROJECT = """
[project]
name = "demo-server"
version = "1.2.3"
description = "A demo server."

[project.scripts]
demo-mcp = "demo:main"
"""


def spec_dir(tmp_path: Path, targets: str, *, pyproject_table: bool = False) -> Path:
    if pyproject_table:
        text = (
            PYPROJECT
            + '\n[tool.mcpship]\nname = "io.github.acme/demo"\n'
            + targets.replace("[targets", "[tool.mcpship.targets")
        )
        (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    else:
        (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
        (tmp_path / "mcpship.toml").write_text(f'name = "io.github.acme/demo"\n{targets}', encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("name", list(BUILTIN_TARGETS))
def test_every_built_in_declares_the_contract_and_its_config_class_is_the_one_the_loader_imports(name: str) -> None:
    target = load_target(name)
    assert isinstance(target, Target)
    assert target.name == name
    assert import_reference(BUILTIN_CONFIGS[name]) is type(target).config_class
    assert type(target).config_class.model_config.get("extra") == "forbid"


def test_registry_is_the_old_name_of_server_json_in_specs_and_on_the_command_line(tmp_path: Path) -> None:
    resolved = load_spec(spec_dir(tmp_path, '[targets.registry]\nsubfolder = "src/demo"\n'))
    assert resolved.spec.targets == {"server-json": {"subfolder": "src/demo"}}
    assert resolved.target_keys == {"server-json": "registry"}
    assert load_target("registry").name == "server-json"


def test_a_typo_in_a_table_under_its_old_name_names_the_table_as_written(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(spec_dir(tmp_path, '[targets.registry]\nsubfoldr = "src/demo"\n'))
    assert caught.value.message == (
        f'{tmp_path / "mcpship.toml"}: unknown key "subfoldr" in [targets.registry]; did you mean "subfolder"?'
    )
    assert caught.value.hint == 'rename "subfoldr" to "subfolder"'


def test_both_names_of_one_target_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"\[targets.registry\] and \[targets.server-json\] configure the same target"):
        load_spec(spec_dir(tmp_path, "[targets.registry]\n[targets.server-json]\n"))


def test_every_built_in_table_is_checked_at_load_time_in_pyproject_too(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(spec_dir(tmp_path, "[targets.smithery]\ntransprt = 'http'\n", pyproject_table=True))
    assert caught.value.message == (
        f'{tmp_path / "pyproject.toml"} [tool.mcpship]: unknown key "transprt" in [tool.mcpship.targets.smithery];'
        ' did you mean "transport"?'
    )


def test_inspecting_leaves_the_tables_unchecked_but_not_the_target_names(tmp_path: Path) -> None:
    root = spec_dir(tmp_path, "[targets.smithery]\ntransprt = 'http'\n")
    assert load_spec(root, check_targets=False).spec.targets == {"smithery": {"transprt": "http"}}
    (root / "mcpship.toml").write_text('name = "io.github.acme/demo"\n[targets.smithry]\n', encoding="utf-8")
    with pytest.raises(SpecError, match=r"unknown target 'smithry'.*did you mean 'smithery'") as caught:
        load_spec(root, check_targets=False)
    assert caught.value.hint == "rename it to smithery"


class _GreetConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    greeting: str = "Hello"


class Greet:
    name: ClassVar[str] = "greet"
    config_class: ClassVar[type[BaseModel]] = _GreetConfig
    needs: ClassVar[tuple[str, ...]] = ()

    def not_applicable(self, context: BuildContext) -> str | None:
        return None

    def check(self, context: BuildContext) -> list[Problem]:
        return []

    def build(self, context: BuildContext) -> list[BuiltFile]:
        return []


class Misnamed(Greet):
    name: ClassVar[str] = "other"


class Incomplete:
    name: ClassVar[str] = "incomplete"


@pytest.fixture
def third_party(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand-ins for installed entry points (the real thing: tests/integration/test_plugin_target.py)."""
    entries = {
        name: f"{__name__}:{cls}"
        for name, cls in (
            ("greet", "Greet"),
            ("renamed", "Misnamed"),
            ("incomplete", "Incomplete"),
            ("broken", "Missing"),
        )
    }
    monkeypatch.setattr("mcpship.targets._known.plugin_reference", entries.get)
    monkeypatch.setattr("mcpship.targets.plugin_reference", entries.get)


def test_a_third_party_table_is_validated_with_its_config_class(third_party: None, tmp_path: Path) -> None:
    resolved = load_spec(spec_dir(tmp_path, '[targets.greet]\ngreeting = "Hi"\n'))
    assert resolved.spec.targets == {"greet": {"greeting": "Hi"}}
    assert config_class("greet") is _GreetConfig
    with pytest.raises(SpecError, match=r'unknown key "greetin" in \[targets.greet\]; did you mean "greeting"\?'):
        load_spec(spec_dir(tmp_path, '[targets.greet]\ngreetin = "Hi"\n'))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("renamed", "is registered as target 'renamed' but calls itself 'other'"),
        ("incomplete", "does not implement the mcpship Target protocol"),
        ("broken", "cannot load tests.unit.targets.test_contract:Missing"),
    ],
)
def test_a_broken_third_party_target_is_a_usage_error_naming_it(third_party: None, name: str, expected: str) -> None:
    with pytest.raises(UsageError) as caught:
        load_target(name)
    assert expected in caught.value.message
    assert caught.value.hint


def test_no_config_accepts_only_an_empty_table() -> None:
    assert NoConfig.model_validate({}) == NoConfig()
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        NoConfig.model_validate({"x": 1})


def test_built_file_is_the_tuple_targets_returned_before() -> None:
    built = BuiltFile("wheel", Path("x.whl"))
    kind, path, platform = built
    assert (kind, path, platform) == ("wheel", Path("x.whl"), None)
    assert dataclasses.is_dataclass(built) is False

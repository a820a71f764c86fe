"""What init writes under [targets] so the first build succeeds."""

from __future__ import annotations

import sys
from pathlib import Path

from mcpship.spec._init_targets import (
    DEFAULT_PLATFORMS,
    SUPPORTED_PYTHON_MINORS,
    host_platform_name,
    mcpb_choice,
    npm_notes,
    python_minors,
)
from mcpship.targets.mcpb.config import McpbConfig

HOST = f"{sys.version_info.major}.{sys.version_info.minor}"


def test_python_minors_are_the_supported_ones_requires_python_admits() -> None:
    newer = sorted({m for m in (*SUPPORTED_PYTHON_MINORS, HOST) if int(m[2:]) >= 12}, key=lambda m: int(m[2:]))
    minors, note = python_minors(">=3.12")
    assert minors == newer
    assert (note is None) == (HOST in newer)  # this machine's bundle is verifiable only when it is built
    assert python_minors(f"=={HOST}.*") == ([HOST], None)
    minors, note = python_minors(None)
    assert HOST in minors
    assert note is None


def test_a_requires_python_excluding_this_machine_is_noted() -> None:
    minors, note = python_minors("<3.0")
    assert minors == [HOST]
    assert note is not None
    assert "admits none" in note


def test_compiled_dependencies_choose_per_platform_bundles_the_mcpb_target_accepts() -> None:
    choice = mcpb_choice("python", ("pydantic-core",), f">={HOST}")
    config = McpbConfig.model_validate(choice.config)
    assert set(DEFAULT_PLATFORMS) | {host_platform_name()} == set(config.platforms)
    assert HOST in config.python_versions
    assert "pydantic-core" in choice.comment[0]
    assert mcpb_choice("python", (), None).config == {}
    assert mcpb_choice("node", ("x",), None).config == {}


def test_a_prepare_script_is_explained_with_the_fix(tmp_path: Path) -> None:
    (note,) = npm_notes({"scripts": {"prepare": "tsc", "test": "node --test"}}, tmp_path / "package.json")
    assert 'scripts.prepare ("tsc") runs on every `npm pack`' in note
    assert "(`npm run prepare`) before `mcpship build`" in note
    assert npm_notes({"scripts": "nonsense"}, tmp_path / "package.json") == []

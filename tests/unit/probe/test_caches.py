"""mcpship's own caches (start plans, project environments) live in a folder anyone with the account can write: a
damaged or hostile cache file is a miss, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcpship.probe import plan_cache, pyenv
from mcpship.probe.plan_cache import CachedPlan, load_cached_plan, store_cached_plan

DAMAGED = [b"[" * 100_000, b"{not json", b'{"argv": NaN}', b"\xff\xfe", b'["a list"]']


@pytest.mark.parametrize("content", DAMAGED)
def test_a_damaged_plan_cache_file_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes) -> None:
    monkeypatch.setenv("MCPSHIP_CACHE_DIR", str(tmp_path / "cache"))
    project = tmp_path / "project"
    project.mkdir()
    plan = CachedPlan(argv=(__file__,), cwd=str(project), declared=(), fixed_env={}, path_prefix=None)
    store_cached_plan(project, plan)
    assert load_cached_plan(project) == plan
    plan_cache._file(project).write_bytes(content)
    assert load_cached_plan(project) is None


@pytest.mark.parametrize("content", DAMAGED)
def test_a_damaged_environment_marker_means_the_environment_is_made_again(tmp_path: Path, content: bytes) -> None:
    marker = tmp_path / "mcpship-env.json"
    marker.write_bytes(b'{"fingerprint": "abc"}')
    assert pyenv._recorded_fingerprint(marker) == "abc"
    marker.write_bytes(content)
    assert pyenv._recorded_fingerprint(marker) is None
    assert pyenv._recorded_fingerprint(tmp_path / "absent.json") is None

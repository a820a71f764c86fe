"""The umoci + runc runner: a clear error when a tool is missing, and a bundle config fit for MCP over stdio."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mcpship._exceptions import ToolchainError
from mcpship.targets.oci import run_image_plan
from mcpship.targets.oci.run import _prepare_for_stdio


@pytest.mark.parametrize("missing", ["runc", "umoci"])
def test_a_missing_runtime_names_the_debian_package(
    missing: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("mcpship.targets.oci.run.shutil.which", lambda name: None if name == missing else name)
    (tmp_path / "layout").mkdir()
    with pytest.raises(ToolchainError, match=f"{missing} is not installed") as caught:
        run_image_plan(tmp_path / "layout", "1.0.0", tmp_path / "work")
    assert f"apt-get install -y {missing}" in (caught.value.hint or "")


def test_the_bundle_runs_without_a_terminal_with_the_callers_env_and_no_network() -> None:
    config: dict[str, Any] = {
        "process": {"terminal": True, "consoleSize": {"height": 1, "width": 1}, "env": ["PATH=/bin", "A=1"]},
        "linux": {"namespaces": [{"type": "pid"}]},
    }
    _prepare_for_stdio(config, {"A": "2", "NOTES_TOKEN": "t"})
    assert config["process"]["terminal"] is False
    assert "consoleSize" not in config["process"]
    assert config["process"]["env"] == ["PATH=/bin", "A=2", "NOTES_TOKEN=t"]
    assert config["linux"]["namespaces"] == [{"type": "pid"}, {"type": "network"}]

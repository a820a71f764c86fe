"""Reading the production tree from the project's own node_modules, only when it provably matches the lock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcpship._reporter import NullReporter
from mcpship.targets.mcpb.bundle import IgnoreRules
from mcpship.targets.mcpb.node import _installed_production_tree, production_module_files

LOCKED: dict[str, Any] = {
    "": {"name": "demo", "version": "1.0.0"},
    "node_modules/prod": {"version": "1.0.0", "integrity": "sha512-p", "resolved": "https://r/prod.tgz"},
    "node_modules/prod/node_modules/nested-dev": {"version": "2.0.0", "integrity": "sha512-n", "dev": True},
    "node_modules/tool": {"version": "3.0.0", "integrity": "sha512-t", "dev": True},
    "node_modules/fsevents": {"version": "2.3.3", "integrity": "sha512-f", "optional": True, "os": ["darwin"]},
}


def project(tmp_path: Path, installed: dict[str, Any] | None = None) -> Path:
    root = tmp_path / "demo"
    (root / "node_modules").mkdir(parents=True)
    (root / "package-lock.json").write_text(json.dumps({"lockfileVersion": 3, "packages": LOCKED}))
    state = installed if installed is not None else {k: v for k, v in LOCKED.items() if "fsevents" not in k and k}
    (root / "node_modules" / ".package-lock.json").write_text(json.dumps({"lockfileVersion": 3, "packages": state}))
    for path, entry in state.items():
        folder = root / path
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text(json.dumps({"name": path.rsplit("/", 1)[-1], "version": entry["version"]}))
        (folder / "index.js").write_text("module.exports = 1;\n")
    (root / "node_modules" / "extraneous").mkdir()
    (root / "node_modules" / "extraneous" / "index.js").write_text("installed by hand\n")
    return root


def test_only_production_packages_are_read_not_dev_nested_or_extraneous(tmp_path: Path) -> None:
    root = project(tmp_path)
    files = production_module_files(root, tmp_path / "staging", IgnoreRules(()), platform=None, reporter=NullReporter())
    assert sorted(files) == ["node_modules/prod/index.js", "node_modules/prod/package.json"]
    assert not (tmp_path / "staging").exists()  # nothing was installed or copied


def test_a_version_or_integrity_mismatch_means_not_in_sync(tmp_path: Path) -> None:
    assert _installed_production_tree(project(tmp_path / "ok")) == ["node_modules/prod"]
    drifted = {k: dict(v) for k, v in LOCKED.items() if k and "fsevents" not in k}
    drifted["node_modules/prod"]["integrity"] = "sha512-other"
    assert _installed_production_tree(project(tmp_path / "drift", drifted)) is None
    root = project(tmp_path / "edited")
    (root / "node_modules" / "prod" / "package.json").write_text(json.dumps({"version": "9.9.9"}))
    assert _installed_production_tree(root) is None


def test_missing_packages_and_install_scripts_fall_back_to_npm_ci(tmp_path: Path) -> None:
    missing = {k: v for k, v in LOCKED.items() if k and "fsevents" not in k and k != "node_modules/prod"}
    assert _installed_production_tree(project(tmp_path / "missing", missing)) is None
    root = project(tmp_path / "scripts")
    lock = json.loads((root / "package-lock.json").read_text())
    lock["packages"]["node_modules/prod"]["hasInstallScript"] = True
    (root / "package-lock.json").write_text(json.dumps(lock))
    assert _installed_production_tree(root) is None

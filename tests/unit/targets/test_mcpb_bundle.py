"""Which files go into a bundle: default excludes, ``.mcpbignore`` with gitignore semantics, symlinks."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcpship._exceptions import BuildError
from mcpship.targets.mcpb.bundle import IgnoreRules, collect_tree


def tree(root: Path, *files: str) -> Path:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name, encoding="utf-8")
    return root


def test_defaults_drop_caches_vcs_and_the_projects_own_tests_and_output(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        "src/app.py",
        "src/__pycache__/app.cpython-311.pyc",
        ".venv/lib/junk.py",
        "venv/bin/python",
        ".git/HEAD",
        "tests/test_app.py",
        "test/app.test.js",
        "dist/app-1.0.tar.gz",
        "old.mcpb",
        "debug.log",
        "node_modules/.cache/x",
        "node_modules/.bin/tool",
        "node_modules/pkg/index.js",
        "node_modules/pkg/dist/index.js",  # a dependency's dist/ is its code: kept
        "node_modules/pkg/tests/fixture.js",
        "node_modules/pkg/index.js.map",
        "node_modules/es-abstract/Iterator.prototype.map/index.js",  # a folder named *.map (mcpb issue #241)
        "README.md",
    )
    assert sorted(collect_tree(root, IgnoreRules.for_project(root))) == [
        "README.md",
        "node_modules/es-abstract/Iterator.prototype.map/index.js",
        "node_modules/pkg/dist/index.js",
        "node_modules/pkg/index.js",
        "node_modules/pkg/tests/fixture.js",
        "src/app.py",
    ]


def test_mcpbignore_adds_rules_and_its_negations_reinclude_defaults(tmp_path: Path) -> None:
    root = tree(tmp_path, "src/app.py", "src/secret.txt", "docs/guide.md", "docs/keep.md", ".env.example", "a.log")
    (root / ".mcpbignore").write_text(
        "# local notes\n\nsecret.txt\ndocs/*\n!docs/keep.md\n!.env.example\n", encoding="utf-8"
    )
    assert sorted(collect_tree(root, IgnoreRules.for_project(root))) == [".env.example", "docs/keep.md", "src/app.py"]


def test_rules_match_archive_paths_so_a_prefix_counts(tmp_path: Path) -> None:
    root = tree(tmp_path / "lib", "pkg/__init__.py", "pkg/tests/test_x.py", "pkg/mod.pyc")
    rules = IgnoreRules(["/server/lib/pkg/tests/", "*.pyc"])
    assert sorted(collect_tree(root, rules, prefix="server/lib")) == ["server/lib/pkg/__init__.py"]


def test_symlinks_inside_are_stored_as_files_and_links_outside_are_refused(tmp_path: Path) -> None:
    root = tree(tmp_path / "project", "data/real.txt", "src/app.py")
    (root / "alias.txt").symlink_to("data/real.txt")
    (root / "linked").symlink_to("data", target_is_directory=True)
    files = collect_tree(root, IgnoreRules([]))
    assert sorted(files) == ["alias.txt", "data/real.txt", "linked/real.txt", "src/app.py"]
    assert files["alias.txt"].read_text(encoding="utf-8") == "data/real.txt"

    tree(tmp_path, "outside/passwd")
    (root / "escape").symlink_to(tmp_path / "outside" / "passwd")
    with pytest.raises(BuildError, match="outside the project") as caught:
        collect_tree(root, IgnoreRules([]))
    assert caught.value.hint is not None
    assert ".mcpbignore" in caught.value.hint
    # an excluded link is never followed, so ignoring it is the way out
    assert "escape" not in collect_tree(root, IgnoreRules(["escape"]))

    (root / "escape").unlink()
    (root / "loop").symlink_to(root, target_is_directory=True)
    with pytest.raises(BuildError, match="loop"):
        collect_tree(root, IgnoreRules([]))

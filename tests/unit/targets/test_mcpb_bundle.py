"""Which files go into a bundle: default excludes, ``.mcpbignore`` with gitignore semantics, symlinks."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcpship._exceptions import BuildError
from mcpship.targets._outputs import Outputs, find_outputs
from mcpship.targets.mcpb.bundle import IgnoreRules, collect_tree


def tree(root: Path, *files: str) -> Path:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name, encoding="utf-8")
    return root


def test_defaults_drop_caches_vcs_and_the_projects_own_tests_but_keep_its_dist(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        "src/app.py",
        "src/__pycache__/app.cpython-311.pyc",
        ".venv/lib/junk.py",
        "venv/bin/python",
        ".git/HEAD",
        "tests/test_app.py",
        "test/app.test.js",
        "dist/index.js",  # a TypeScript server's compiled code: kept
        "build/main.js",
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
    assert sorted(collect_tree(root, IgnoreRules.for_project(root, outputs=Outputs()))) == [
        "README.md",
        "build/main.js",
        "dist/index.js",
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
    rules = IgnoreRules.for_project(root, outputs=Outputs())
    assert sorted(collect_tree(root, rules)) == [".env.example", "docs/keep.md", "src/app.py"]


def test_mcpships_outputs_are_left_out_beside_the_code_and_no_mcpbignore_line_brings_them_back(
    tmp_path: Path,
) -> None:
    root = tree(
        tmp_path,
        "dist/index.js",
        "dist/notes-0.1.0.tgz",
        "dist/server.json",
        "dist/SHA256SUMS",
        "release/notes-0.1.0-py3-none-any.whl",
        "release/notes.json",
    )
    (root / "dist" / "mcpship-build.json").write_text('{"artifacts": [{"file": "server.json"}]}', encoding="utf-8")
    (root / "release" / "mcpship-build.json").write_text("not json", encoding="utf-8")
    (root / ".mcpbignore").write_text("!dist/*.tgz\n!release/\n", encoding="utf-8")
    rules = IgnoreRules.for_project(root, outputs=find_outputs(root))
    assert sorted(collect_tree(root, rules)) == ["dist/index.js", "release/notes.json"]


def test_a_python_server_leaves_setuptools_build_folder_out_and_a_node_server_keeps_it(tmp_path: Path) -> None:
    root = tree(tmp_path, "build/lib/pkg/__init__.py", "src/pkg/__init__.py")
    assert sorted(collect_tree(root, IgnoreRules.for_project(root, outputs=Outputs(), python=True))) == [
        "src/pkg/__init__.py"
    ]
    assert "build/lib/pkg/__init__.py" in collect_tree(root, IgnoreRules.for_project(root, outputs=Outputs()))


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

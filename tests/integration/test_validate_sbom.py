"""Through the installed script: the SBOM a build writes passes ``mcpship validate``, and a broken one fails it
with exit code 9 and the JSON path of each error."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_mcpship


def test_the_built_sbom_validates_and_a_broken_one_fails_with_its_path(tmp_path: Path, notes_node: Path) -> None:
    out = tmp_path / "dist"
    build = run_mcpship("build", str(notes_node), "--target", "npm", "--out", str(out), timeout=170)
    assert build.returncode == 0, build.stderr
    (sbom,) = out.glob("*.tgz.cdx.json")
    valid = run_mcpship("validate", str(sbom), "--json")
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert json.loads(valid.stdout)["ok"] is True
    document = json.loads(sbom.read_text(encoding="utf-8"))
    del document["components"][0]["type"]
    broken = tmp_path / "broken.cdx.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    refused = run_mcpship("validate", str(broken), "--json")
    assert refused.returncode == 9, refused.stdout + refused.stderr
    problems = json.loads(refused.stdout)["problems"]
    found = [(p["path"], p["message"]) for p in problems if p["path"] is not None]  # the summary has no path
    assert found == [("$.components[0]", "'type' is a required property")]

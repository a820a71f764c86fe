"""``mcpship inspect npm:NAME`` when a package has several bins and none is named like it (npx would stop with
"could not determine executable to run"), through the installed script, against a local verdaccio (no uplinks)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, run_mcpship
from tests.registry_support.package_registries import running_verdaccio

# A legacy (2025-11-25) stdio server in plain Node: no dependencies, so the package installs from verdaccio alone.
_SERVER = """#!/usr/bin/env node
const readline = require("readline");
const send = (message) => process.stdout.write(JSON.stringify(message) + "\\n");
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const { id, method } = JSON.parse(line);
  if (id === undefined) return;
  if (method === "initialize") {
    send({ jsonrpc: "2.0", id, result: { protocolVersion: "2025-11-25", capabilities: { tools: {} },
      serverInfo: { name: "two-bins", version: "1.0.0" } } });
  } else if (method === "tools/list") {
    send({ jsonrpc: "2.0", id, result: { tools: [{ name: "count_bins", inputSchema: { type: "object" } }] } });
  } else {
    send({ jsonrpc: "2.0", id, error: { code: -32601, message: "method not found" } });
  }
});
"""


@pytest.fixture(scope="module")
def npm_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("npm-bins")
    package = work / "two-bins-mcp"
    (package / "bin").mkdir(parents=True)
    for name in ("alpha-server", "beta-server"):
        (package / "bin" / f"{name}.js").write_text(_SERVER, encoding="utf-8")
    bins = {name: f"bin/{name}.js" for name in ("alpha-server", "beta-server")}
    manifest = {"name": "two-bins-mcp", "version": "1.0.0", "bin": bins}
    (package / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
    with running_verdaccio(work / "verdaccio") as server:
        server.publish(package)
        yield server.url


@pytest.fixture
def npm_from_local_registry(npm_registry: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", f"{npm_registry}/")
    monkeypatch.setenv("NPM_CONFIG_CACHE", str(tmp_path / "npm-cache"))


@pytest.mark.usefixtures("npm_from_local_registry")
def test_several_bins_none_named_like_the_package_are_listed_with_the_script_option() -> None:
    result = run_mcpship("inspect", "--timeout", "120", "npm:two-bins-mcp")
    assert_clean_error(result, 2)
    assert "npm:two-bins-mcp: the package has several bins and none is named like it" in result.stderr
    assert "--script NAME (one of: alpha-server, beta-server)" in result.stderr

    chosen = run_mcpship("inspect", "--json", "--timeout", "120", "--script", "beta-server", "npm:two-bins-mcp@1.0.0")
    assert chosen.returncode == 0, chosen.stderr
    document = json.loads(chosen.stdout)
    assert [tool["name"] for tool in document.get("result", document)["tools"]] == ["count_bins"]

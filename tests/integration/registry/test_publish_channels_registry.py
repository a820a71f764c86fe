"""``--channel registry`` as one channel of a ``publish`` run, against a real ``mcpship registry serve``: a dry run
publishes nothing, the run lists the version, and a rerun finds it there and skips it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mcpship import publish_channels
from mcpship.registry_client.tokens import TokenStore
from tests.conftest import json_result
from tests.integration.registry.conftest import RegistryServer
from tests.integration.registry.test_client import ANONYMOUS, cli, server_json


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"  # the client talks HTTP only; the API tests cover both stores


def test_a_dry_run_sends_nothing_and_a_version_the_registry_lists_is_skipped_on_the_rerun(
    registry: RegistryServer, tmp_path: Path
) -> None:
    config_dir = tmp_path / "config"
    name = f"{ANONYMOUS}/rerun-notes"
    dist = server_json(tmp_path / "dist", name, version="2.0.0").parent
    assert cli(config_dir, "login", "none", "--registry", registry.base_url).returncode == 0
    url = f"{registry.base_url}/v0.1/servers/{name.replace('/', '%2F')}/versions/2.0.0"

    preview = cli(config_dir, "publish", str(dist), "--channel", "registry", "--dry-run", "--json")
    assert preview.returncode == 0, preview.stderr
    (channel,) = json_result(preview.stdout)["channels"]
    assert channel["items"] == [{"name": f"{name}@2.0.0", "status": "would-publish", "url": url}]

    store = TokenStore(config_dir / "registry-tokens.json")
    environ: dict[str, str] = {}
    first = publish_channels(dist, ["registry"], store=store, environ=environ)
    assert [(r.status, r.items[0].url) for r in first.results] == [("published", url)]
    rerun = publish_channels(dist, ["registry"], store=store, environ=environ)
    assert [r.status for r in rerun.results] == ["skipped"]
    assert httpx.get(url, timeout=10).json()["server"]["version"] == "2.0.0"  # the URL shown is the version's

    listed = cli(config_dir, "publish", str(dist), "--channel", "registry", "--dry-run", "--json")
    assert json_result(listed.stdout)["channels"][0]["status"] == "skipped"

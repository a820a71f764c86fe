"""``serve_settings`` / ``run_mirror``: a deployment's options resolved into settings in the library (keys, admin
secrets, exposure, package sources), with warnings through the caller's reporter rather than printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcpship import MirrorOptions, ServeOptions, UsageError, run_mirror, serve_settings
from mcpship.registry.config import DEFAULT_FETCH_HOSTS, OwnershipSettings, PackageSources
from tests.conftest import RecordingReporter

KEY = "ab" * 32


def test_the_key_comes_from_the_environment_and_nothing_is_reported() -> None:
    reporter = RecordingReporter()
    environ = {"MCP_REGISTRY_JWT_PRIVATE_KEY": KEY, "MCP_REGISTRY_GITHUB_CLIENT_ID": "Iv1.app"}
    settings = serve_settings(ServeOptions(database_url="sqlite:///r.db"), environ=environ, reporter=reporter)
    assert settings.jwt_private_key == bytes.fromhex(KEY)
    assert settings.github_client_id == "Iv1.app"
    assert reporter.warnings == []


def test_without_a_key_an_ephemeral_one_is_made_and_the_reporter_warns() -> None:
    reporter = RecordingReporter()
    settings = serve_settings(ServeOptions(database_url="sqlite:///r.db"), environ={}, reporter=reporter)
    assert len(settings.jwt_private_key) == 32
    [warning] = reporter.warnings
    assert "ephemeral" in warning


def test_a_public_address_needs_a_key_and_warns_about_anonymous_logins(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"refusing to bind 0\.0\.0\.0"):
        serve_settings(ServeOptions(host="0.0.0.0", database_url="sqlite:///r.db"), environ={})

    admin = tmp_path / "admin.txt"
    admin.write_text("# the operators' secret\nsecret-1\n\n", encoding="utf-8")
    reporter = RecordingReporter()
    options = ServeOptions(host="0.0.0.0", admin_token_file=admin, enable_anonymous_auth=True, database_url="x://")
    settings = serve_settings(options, environ={}, reporter=reporter)
    assert settings.admin_tokens == ("secret-1",)
    assert any("--enable-anonymous-auth on 0.0.0.0" in warning for warning in reporter.warnings)


def test_package_sources_and_limits_reach_the_ownership_settings() -> None:
    options = ServeOptions(
        database_url="sqlite:///r.db",
        sources=PackageSources(pypi_url="http://127.0.0.1:3141", oci_registries=("127.0.0.1:5000",)),
        fetch_hosts=("*.cdn.example",),
        ownership_checks=False,
        ownership_max_fetches=9,
    )
    ownership = serve_settings(options, environ={"MCP_REGISTRY_JWT_PRIVATE_KEY": KEY}).ownership
    official = OwnershipSettings()
    assert (ownership.pypi_url, ownership.npm_url) == ("http://127.0.0.1:3141", official.npm_url)
    assert ownership.oci_registries == (*official.oci_registries, "127.0.0.1:5000")
    assert ownership.mcpb_hosts == official.mcpb_hosts
    assert ownership.fetch_hosts == (*DEFAULT_FETCH_HOSTS, "*.cdn.example")
    assert (ownership.enabled, ownership.max_fetches) == (False, 9)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (ServeOptions(sources=PackageSources(mcpb_hosts=("ftp://files.example",))), "--mcpb-host 'ftp://files"),
        (ServeOptions(fetch_hosts=("ftp://files.example",)), "--ownership-fetch-host 'ftp://files"),
    ],
)
def test_a_host_rule_that_is_not_a_host_is_refused_naming_its_option(options: ServeOptions, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        serve_settings(options, environ={"MCP_REGISTRY_JWT_PRIVATE_KEY": KEY})


def test_a_mirror_refuses_a_bad_source_host_before_opening_the_database(tmp_path: Path) -> None:
    database = tmp_path / "r.db"
    options = MirrorOptions(
        source="http://127.0.0.1:9",
        database_url=f"sqlite:///{database}",
        sources=PackageSources(mcpb_hosts=("ftp://files.example",)),
    )
    with pytest.raises(UsageError, match=r"--mcpb-host .ftp://files\.example. is not a host"):
        run_mirror(options)
    assert not database.exists()

"""``mcpship registry serve`` (and ``mirror``) refusals, flags reaching the settings, and the light
``import mcpship.cli`` (no service dependencies)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from mcpship.cli import main

if TYPE_CHECKING:
    from mcpship.registry.config import RegistrySettings


def test_importing_the_cli_loads_none_of_the_service_dependencies() -> None:
    heavy = "('starlette', 'sqlalchemy', 'uvicorn', 'alembic')"
    code = f"import sys, mcpship.cli; print(sorted(m for m in {heavy} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def test_serve_without_the_registry_extra_says_what_to_install() -> None:
    code = textwrap.dedent(
        """
        import sys
        class Missing:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {"uvicorn", "starlette", "sqlalchemy"}:
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        sys.meta_path.insert(0, Missing())
        from mcpship.cli import main
        sys.exit(main(["registry", "serve"]))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert "pip install 'mcpship[registry]'" in result.stderr


def test_serve_refuses_a_public_address_without_a_key_or_admin_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["registry", "serve", "--host", "0.0.0.0", "--db", "sqlite:///unused.db"]) == 2
    assert "refusing to bind 0.0.0.0" in capsys.readouterr().err


def test_serve_rejects_a_jwt_key_that_is_not_32_hex_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "jwt.key"
    key.write_text("abcd")
    assert main(["registry", "serve", "--jwt-key-file", str(key), "--db", "sqlite:///unused.db"]) == 2
    assert "openssl rand -hex 32" in capsys.readouterr().err


Serve = Callable[..., tuple["RegistrySettings", dict[str, Any]]]


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Serve:
    """``registry serve FLAGS`` up to the point of serving: the settings the app is built with, uvicorn's options."""
    import uvicorn

    import mcpship.registry.app as registry_app

    seen: list[RegistrySettings] = []
    served: list[dict[str, Any]] = []

    def build(settings: RegistrySettings) -> object:
        seen.append(settings)
        return object()

    monkeypatch.setattr(registry_app, "build_app", build)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: served.append(kwargs))

    def run(*flags: str) -> tuple[RegistrySettings, dict[str, Any]]:
        assert main(["registry", "serve", *flags]) == 0
        [settings] = seen
        return settings, served[0]

    return run


def test_deployment_flags_reach_the_settings_the_app_is_built_with(tmp_path: Path, serve: Serve) -> None:
    from mcpship.registry.http_server import BoundedHeadProtocol

    flags = ["--mcpb-host", "http://127.0.0.1:9000", "--github-oidc-issuer", "https://ghe.example/_services/token"]
    flags += ["--max-body-bytes", "8192"]
    flags += ["--github-oidc-audience", "corp-registry", "--github-api-url", "https://ghe.example/api/v3"]
    flags += ["--oci-registry", "127.0.0.1:5000", "--db", f"sqlite:///{tmp_path / 'r.db'}", "--read-staleness", "0"]
    settings, uvicorn_options = serve(*flags)
    assert settings.ownership.mcpb_hosts[-1] == "http://127.0.0.1:9000"
    assert "github.com" in settings.ownership.mcpb_hosts
    assert settings.ownership.oci_registries[-1] == "127.0.0.1:5000"
    assert (settings.github_oidc_issuer, settings.github_oidc_audience) == (
        "https://ghe.example/_services/token",
        "corp-registry",
    )
    assert settings.github_api_url == "https://ghe.example/api/v3"
    assert settings.read_staleness_seconds == 0
    assert settings.max_body_bytes == 8192
    assert uvicorn_options["http"] is BoundedHeadProtocol  # request heads bounded too (431)


def test_ownership_limit_flags_reach_the_settings_and_survive_the_trip_to_workers(tmp_path: Path, serve: Serve) -> None:
    import mcpship.registry.app as registry_app
    from mcpship.registry.config import DEFAULT_FETCH_HOSTS

    flags = ["--ownership-fetch-host", "*.cdn.example", "--ownership-max-file-mb", "50", "--ownership-max-fetches", "9"]
    flags += ["--ownership-max-document-mb", "2", "--ownership-max-publish-mb", "64", "--ownership-max-redirects", "1"]
    flags += ["--ownership-concurrency", "2", "--ownership-process-concurrency", "3", "--ownership-timeout", "4"]
    flags += ["--ownership-budget", "30", "--db", f"sqlite:///{tmp_path / 'r.db'}"]
    settings, _ = serve(*flags)
    ownership = settings.ownership
    assert ownership.fetch_hosts == (*DEFAULT_FETCH_HOSTS, "*.cdn.example")
    assert (ownership.max_file_bytes, ownership.max_document_bytes, ownership.max_publish_bytes) == (
        50 << 20,
        2 << 20,
        64 << 20,
    )
    assert (ownership.max_fetches, ownership.max_redirects) == (9, 1)
    assert (ownership.max_concurrent_fetches, ownership.max_process_fetches) == (2, 3)
    assert (ownership.timeout_seconds, ownership.publish_budget_seconds) == (4, 30)
    assert registry_app.settings_from_json(registry_app.settings_to_json(settings)) == settings


@pytest.mark.parametrize("flag", ["--ownership-fetch-host", "--mcpb-host"])
def test_a_host_flag_that_is_not_a_host_is_refused(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["registry", "serve", flag, "ftp://files.example", "--db", "sqlite:///unused.db"]) == 2
    assert f"{flag} 'ftp://files.example' is not a host" in capsys.readouterr().err


def test_mirror_refuses_an_mcpb_host_that_is_not_a_host_as_serve_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = f"sqlite:///{tmp_path / 'r.db'}"
    command = ["registry", "mirror", "--from", "http://127.0.0.1:9", "--db", database]
    assert main([*command, "--mcpb-host", "ftp://files.example"]) == 2
    assert "--mcpb-host 'ftp://files.example' is not a host" in capsys.readouterr().err
    assert not (tmp_path / "r.db").exists()  # refused before anything was opened


@pytest.mark.parametrize("size", ["100", str(1 << 30)])
def test_a_body_limit_outside_its_range_is_a_usage_error(size: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["registry", "serve", "--max-body-bytes", size, "--db", "sqlite:///unused.db"]) == 2
    assert "--max-body-bytes" in capsys.readouterr().err

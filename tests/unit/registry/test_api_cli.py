"""``mcpship registry serve`` refusals and the light ``import mcpship.cli`` (no service dependencies)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mcpship.cli import main


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

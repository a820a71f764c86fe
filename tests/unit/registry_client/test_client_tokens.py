"""The registry token store: one 0600 JSON file, entries per registry, nothing of other registries lost."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest

from mcpship._exceptions import UsageError
from mcpship.registry_client.tokens import (
    DEFAULT_REGISTRY,
    RegistryToken,
    TokenStore,
    registry_in_use,
    token_store_path,
)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_stored_token_is_read_back_by_its_registry_url(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.put(RegistryToken("https://registry.test/", "jwt", "github", 123))
    assert store.get("https://REGISTRY.test") == RegistryToken("https://registry.test", "jwt", "github", 123)
    assert store.get("https://other.test") is None


def test_the_token_file_is_private_from_the_first_write(tmp_path: Path) -> None:
    path = tmp_path / "config" / "tokens.json"
    TokenStore(path).put(RegistryToken("https://registry.test", "jwt", "none", None))
    assert mode_of(path) == 0o600


def test_a_token_file_someone_made_readable_becomes_private_again(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("{}", encoding="utf-8")
    path.chmod(0o644)
    TokenStore(path).put(RegistryToken("https://registry.test", "jwt", "none", None))
    assert mode_of(path) == 0o600


def test_logging_in_to_one_registry_keeps_every_other_entry_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    other = {"token": "keep", "method": "dns", "expires_at": 9, "note": "a key mcpship does not know"}
    path.write_text(json.dumps({"https://other.test": other}), encoding="utf-8")
    store = TokenStore(path)

    store.put(RegistryToken("https://registry.test", "first", "none", 1), now=10)
    store.put(RegistryToken("https://registry.test", "second", "github", 2), now=20)

    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == {
        "https://other.test": other,
        "https://registry.test": {"token": "second", "method": "github", "expires_at": 2, "logged_in_at": 20},
        "last_login": "https://registry.test",
    }


def test_the_registry_logged_into_last_is_recorded_even_within_one_second(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    assert store.most_recent() is None
    store.put(RegistryToken("https://b.test", "b", "none", None), now=200)
    store.put(RegistryToken("https://a.test", "a", "none", None), now=200)
    assert store.most_recent() == "https://a.test"
    store.put(RegistryToken("https://b.test", "b2", "none", None), now=200)
    assert store.most_recent() == "https://b.test"


def test_a_file_without_the_last_login_record_falls_back_to_the_newest_login(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    entries = {
        "https://old.test": {"token": "o", "method": "none", "logged_in_at": 100},
        "https://new.test": {"token": "n", "method": "none", "logged_in_at": 300},
    }
    path.write_text(json.dumps(entries), encoding="utf-8")
    assert TokenStore(path).most_recent() == "https://new.test"


def test_logging_out_of_the_last_registry_makes_the_previous_login_the_default(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.put(RegistryToken("https://first.test", "f", "none", None), now=100)
    store.put(RegistryToken("https://second.test", "s", "none", None), now=200)
    store.put(RegistryToken("https://first.test", "f2", "none", None), now=150)  # an older clock, still the last
    assert store.most_recent() == "https://first.test"
    assert store.remove("https://first.test")
    assert store.most_recent() == "https://second.test"
    assert "last_login" not in json.loads(store.path.read_text(encoding="utf-8"))


def test_logging_out_of_another_registry_keeps_the_last_login(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.put(RegistryToken("https://other.test", "o", "none", None), now=500)
    store.put(RegistryToken("https://last.test", "l", "none", None), now=100)
    assert store.remove("https://other.test")
    assert store.most_recent() == "https://last.test"


@pytest.mark.parametrize(
    ("explicit", "environ", "expected"),
    [
        ("https://flag.test/", {"MCPSHIP_REGISTRY": "https://env.test"}, "https://flag.test"),
        (None, {"MCPSHIP_REGISTRY": "https://ENV.test/"}, "https://env.test"),
        (None, {"MCPSHIP_REGISTRY": "  "}, "https://last.test"),
        (None, {}, "https://last.test"),
    ],
)
def test_the_registry_in_use_is_the_flag_then_the_environment_then_the_last_login(
    tmp_path: Path, explicit: str | None, environ: dict[str, str], expected: str
) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.put(RegistryToken("https://last.test", "l", "none", None))
    assert registry_in_use(explicit, store=store, environ=environ) == expected


def test_without_any_login_the_registry_in_use_is_the_official_one(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    assert registry_in_use(store=store, environ={}) == DEFAULT_REGISTRY
    assert not store.path.exists()  # choosing never writes


def test_concurrent_logins_to_different_registries_all_survive(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    threads = [
        threading.Thread(target=store.put, args=(RegistryToken(f"https://r{i}.test", f"t{i}", "none", i),))
        for i in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert {store.get(f"https://r{i}.test") for i in range(16)} == {
        RegistryToken(f"https://r{i}.test", f"t{i}", "none", i) for i in range(16)
    }


def test_logout_removes_only_that_registry(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.put(RegistryToken("https://a.test", "a", "none", None))
    store.put(RegistryToken("https://b.test", "b", "none", None))
    assert store.remove("https://a.test/")
    assert not store.remove("https://a.test")
    assert store.get("https://b.test") is not None


def test_a_corrupt_token_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        TokenStore(path).put(RegistryToken("https://registry.test", "jwt", "none", None))
    assert str(path) in caught.value.message
    assert path.read_text(encoding="utf-8") == "{not json"


def test_the_default_location_follows_mcpship_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCPSHIP_CONFIG_DIR", str(tmp_path))
    assert token_store_path() == tmp_path / "registry-tokens.json"
    assert TokenStore().path == tmp_path / "registry-tokens.json"


def test_expiry_leaves_a_margin_so_a_dying_token_is_not_sent() -> None:
    token = RegistryToken("https://registry.test", "jwt", "none", expires_at=1_000)
    assert not token.expired(now=900)
    assert token.expired(now=997)
    assert not RegistryToken("https://registry.test", "jwt", "none", None).expired(now=10**12)

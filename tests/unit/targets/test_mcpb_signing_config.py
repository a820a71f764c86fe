"""MCPB signing set in [targets.mcpb] (sign_key, sign_cert, sign_chain), each overridden by its build flag."""

from __future__ import annotations

from pathlib import Path

from mcpship.targets.mcpb.plan import make_plan
from tests.unit.targets.mcpb_support import copy_example, make_context, make_identity

UV = 'author = { name = "mcpship tests" }, manifest_version = "0.4", server_type = "uv"'


def project(tmp_path: Path, signing: str) -> Path:
    return copy_example("notes-py", tmp_path, "{ " + UV + (", " + signing if signing else "") + " }")


def test_key_and_certificate_come_from_the_table_relative_to_the_project(tmp_path: Path) -> None:
    root = project(tmp_path, 'sign_key = "keys/key.pem", sign_cert = "keys/cert.pem"')
    (root / "keys").mkdir()
    identity, _ = make_identity(root / "keys", "notes publisher")
    identity.key.rename(root / "keys" / "key.pem")
    identity.cert.rename(root / "keys" / "cert.pem")
    plan = make_plan(make_context(root, tmp_path / "out"))
    assert [p.render() for p in plan.problems] == []
    assert plan.signing is not None
    assert (plan.signing.key, plan.signing.cert, plan.signing.chain) == (
        root / "keys" / "key.pem",
        root / "keys" / "cert.pem",
        (),
    )


def test_each_flag_overrides_its_key_in_the_table(tmp_path: Path) -> None:
    root = project(tmp_path, 'sign_key = "missing-key.pem", sign_cert = "missing-cert.pem"')
    identity, _ = make_identity(tmp_path, "release key")
    plan = make_plan(make_context(root, tmp_path / "out", sign_key=identity.key, sign_cert=identity.cert))
    assert [p.render() for p in plan.problems] == []
    assert plan.signing is not None
    assert (plan.signing.key, plan.signing.cert) == (identity.key, identity.cert)


def test_a_key_without_certificate_names_the_missing_key_of_the_table(tmp_path: Path) -> None:
    identity, _ = make_identity(tmp_path, "notes publisher")
    root = project(tmp_path, f'sign_key = "{identity.key.as_posix()}"')
    plan = make_plan(make_context(root, tmp_path / "out"))
    [problem] = plan.problems
    assert (problem.path, problem.message) == (
        "[targets.mcpb].sign_cert",
        "signing needs both a private key and its certificate",
    )
    assert problem.hint is not None
    assert "sign_cert" in problem.hint
    assert plan.signing is None


def test_a_missing_file_is_named_with_where_it_was_given(tmp_path: Path) -> None:
    identity, _ = make_identity(tmp_path, "notes publisher")
    root = project(tmp_path, f'sign_key = "{identity.key.as_posix()}", sign_cert = "nowhere.pem"')
    plan = make_plan(make_context(root, tmp_path / "out", sign_chain=(tmp_path / "chain.pem",)))
    assert {(p.file, p.path, p.message) for p in plan.problems} == {
        (str(root / "nowhere.pem"), "[targets.mcpb].sign_cert", "no such file"),
        (str(tmp_path / "chain.pem"), "--sign-chain", "no such file"),
    }
    assert plan.signing is None


def test_a_chain_alone_signs_nothing_and_says_so(tmp_path: Path) -> None:
    identity, _ = make_identity(tmp_path, "notes publisher")
    root = project(tmp_path, f'sign_chain = ["{identity.cert.as_posix()}"]')
    [problem] = make_plan(make_context(root, tmp_path / "out")).problems
    assert (problem.path, problem.hint) == (
        "[targets.mcpb].sign_chain",
        "set sign_key and sign_cert too, or remove sign_chain",
    )


def test_without_signing_settings_bundles_are_unsigned(tmp_path: Path) -> None:
    plan = make_plan(make_context(project(tmp_path, ""), tmp_path / "out"))
    assert plan.signing is None
    assert [p.render() for p in plan.problems] == []

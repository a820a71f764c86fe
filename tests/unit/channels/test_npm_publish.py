"""``publish_npm_tarball`` with a stand-in ``npm`` on PATH (a script that records how it was called and answers as
npm does): the integrity decides, the token reaches npm only through its environment, provenance follows CI, and
npm's error codes become errors that say what to do."""

from __future__ import annotations

import io
import json
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from mcpship._exceptions import PublishError, ToolchainError
from mcpship.channels.npm import provenance_default, publish_npm_tarball, tarball_integrity

SECRET = "npm_secretTokenValue123"
REGISTRY = "http://127.0.0.1:4873/"

FAKE_NPM = """#!{python}
import json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "calls.jsonl"), "a") as log:
    tokens = {{k: v for k, v in os.environ.items() if k.startswith("npm_config_//")}}
    log.write(json.dumps({{"argv": sys.argv[1:], "tokens": tokens}}) + "\\n")
answers = json.load(open(os.path.join(here, "answers.json")))
answer = answers.get(sys.argv[1], {{"code": 0, "stdout": "", "stderr": ""}})
sys.stdout.write(answer["stdout"])
sys.stderr.write(answer["stderr"])
sys.exit(answer["code"])
"""


def make_tarball(folder: Path, name: str = "@acme/notes", version: str = "1.2.3") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "acme-notes-1.2.3.tgz"
    manifest = json.dumps({"name": name, "version": version}).encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("package/package.json")
        info.size = len(manifest)
        archive.addfile(info, io.BytesIO(manifest))
    return path


class FakeNpm:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir()
        script = folder / "npm"
        script.write_text(FAKE_NPM.format(python=sys.executable))
        script.chmod(0o755)
        self.answer()

    def answer(self, **answers: tuple[int, str, str]) -> None:
        data = {verb: {"code": c, "stdout": o, "stderr": e} for verb, (c, o, e) in answers.items()}
        (self.folder / "answers.json").write_text(json.dumps(data))

    def calls(self) -> list[dict[str, Any]]:
        log = self.folder / "calls.jsonl"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def environ(self, **extra: str) -> dict[str, str]:
        return {"PATH": str(self.folder), **extra}


NOT_FOUND = (1, '{"error": {"code": "E404", "summary": "Not Found"}}', "npm error code E404\n")


@pytest.fixture
def npm(tmp_path: Path) -> FakeNpm:
    return FakeNpm(tmp_path / "bin")


def test_a_new_version_is_published_with_the_token_in_npms_environment_only(tmp_path: Path, npm: FakeNpm) -> None:
    tarball = make_tarball(tmp_path / "dist")
    npm.answer(view=NOT_FOUND)
    outcome = publish_npm_tarball(tarball, registry=REGISTRY, tag="next", environ=npm.environ(NPM_TOKEN=SECRET))
    assert outcome.status == "published"
    assert outcome.url == f"{REGISTRY}@acme%2Fnotes/1.2.3"
    view, publish = npm.calls()
    assert view["argv"] == ["view", "@acme/notes@1.2.3", "dist.integrity", "--json", "--registry", REGISTRY]
    assert publish["argv"][:2] == ["publish", str(tarball.resolve())]
    assert publish["argv"][publish["argv"].index("--tag") :][:2] == ["--tag", "next"]
    assert "--access" not in publish["argv"]  # package.json's publishConfig decides, as for npm publish
    assert "--provenance" not in publish["argv"]
    assert publish["tokens"] == {"npm_config_//127.0.0.1:4873/:_authToken": SECRET}
    assert all(SECRET not in arg for call in npm.calls() for arg in call["argv"])


def test_provenance_is_on_in_github_actions_and_can_be_turned_off(tmp_path: Path, npm: FakeNpm) -> None:
    tarball = make_tarball(tmp_path / "dist")
    npm.answer(view=NOT_FOUND)
    ci = npm.environ(CI="true", GITHUB_ACTIONS="true")
    publish_npm_tarball(tarball, registry=REGISTRY, environ=ci)
    publish_npm_tarball(tarball, registry=REGISTRY, environ=ci, provenance=False)
    published = [call["argv"] for call in npm.calls() if call["argv"][0] == "publish"]
    assert ["--provenance" in argv for argv in published] == [True, False]
    assert provenance_default({"CI": "1"}) is False


def test_the_same_integrity_is_skipped_and_another_is_an_error_naming_both(tmp_path: Path, npm: FakeNpm) -> None:
    tarball = make_tarball(tmp_path / "dist")
    integrity = tarball_integrity(tarball)
    npm.answer(view=(0, json.dumps(integrity), ""))
    assert publish_npm_tarball(tarball, registry=REGISTRY, environ=npm.environ()).status == "skipped"
    npm.answer(view=(0, json.dumps("sha512-other"), ""))
    with pytest.raises(PublishError) as refused:
        publish_npm_tarball(tarball, registry=REGISTRY, environ=npm.environ())
    assert "sha512-other" in refused.value.message
    assert integrity in refused.value.message
    assert [call["argv"][0] for call in npm.calls()] == ["view", "view"]


def test_a_dry_run_looks_the_version_up_and_publishes_nothing(tmp_path: Path, npm: FakeNpm) -> None:
    npm.answer(view=(0, "", ""))  # the package exists, this version does not
    outcome = publish_npm_tarball(
        make_tarball(tmp_path / "dist"), registry=REGISTRY, dry_run=True, environ=npm.environ()
    )
    assert outcome.status == "would-publish"
    assert [call["argv"][0] for call in npm.calls()] == ["view"]


def test_the_registry_comes_from_npms_config_for_the_packages_scope(tmp_path: Path, npm: FakeNpm) -> None:
    npm.answer(config=(0, "https://npm.acme.test\n", ""), view=NOT_FOUND)
    outcome = publish_npm_tarball(make_tarball(tmp_path / "dist"), environ=npm.environ())
    assert outcome.registry == "https://npm.acme.test/"
    assert npm.calls()[0]["argv"] == ["config", "get", "@acme:registry"]


@pytest.mark.parametrize(
    ("code", "stderr", "hint"),
    [
        ("E401", "npm error code E401\nnpm error Unable to authenticate", "NPM_TOKEN"),
        ("ENEEDAUTH", "npm error code ENEEDAUTH\nnpm error need auth", "npm login"),
        ("E403", "npm error code E403\nnpm error 403 Forbidden - PUT", "npm owner ls"),
        ("EPUBLISHCONFLICT", "npm error code EPUBLISHCONFLICT\nnpm error Cannot publish over", "rerun to compare"),
        ("E409", "npm error code E409\nnpm error 409 Conflict", "rerun to compare"),
        ("E402", "npm error code E402\nnpm error 402 Payment Required", "publishConfig"),
        ("EOTP", "npm error code EOTP\nnpm error This operation requires a one-time password", "automation"),
    ],
)
def test_npms_error_codes_become_errors_with_the_fix(
    tmp_path: Path, npm: FakeNpm, code: str, stderr: str, hint: str
) -> None:
    npm.answer(view=NOT_FOUND, publish=(1, "", f"{stderr} {SECRET}\nnpm error A complete log of this run\n"))
    with pytest.raises(PublishError) as refused:
        publish_npm_tarball(make_tarball(tmp_path / "dist"), registry=REGISTRY, environ=npm.environ(NPM_TOKEN=SECRET))
    assert f"({code})" in refused.value.message
    assert hint in (refused.value.hint or "")
    assert SECRET not in refused.value.message
    assert "complete log" not in refused.value.message


def test_a_registry_that_cannot_be_read_is_an_error_not_a_publish(tmp_path: Path, npm: FakeNpm) -> None:
    npm.answer(view=(1, "", "npm error code ECONNREFUSED\nnpm error connect ECONNREFUSED 127.0.0.1:4873"))
    with pytest.raises(PublishError) as refused:
        publish_npm_tarball(make_tarball(tmp_path / "dist"), registry=REGISTRY, environ=npm.environ())
    assert "nothing answers" in (refused.value.hint or "")
    assert [call["argv"][0] for call in npm.calls()] == ["view"]


def test_without_npm_the_error_says_to_install_node(tmp_path: Path) -> None:
    with pytest.raises(ToolchainError, match="npm is not installed"):
        publish_npm_tarball(make_tarball(tmp_path / "dist"), registry=REGISTRY, environ={"PATH": str(tmp_path)})

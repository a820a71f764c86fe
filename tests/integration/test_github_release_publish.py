"""The github-release channel against a local fake of GitHub's API (uvicorn on 127.0.0.1), which enforces the token,
unique asset names, an upload's Content-Type and size, and renames names as GitHub does."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcpship._exceptions import PublishError
from mcpship.channels.github_release import GitHubReleaseDestination, publish_github_release
from mcpship.pipeline.report import write_report
from mcpship.targets import Artifact
from tests.registry_support.fake_github import FakeGitHub
from tests.registry_support.oidc_issuer import serve_in_thread

TOKEN = "ghs_test-token-that-must-never-show"
TAG = "v1.2.0"
RELEASE_URL = f"https://github.com/acme/notes/releases/download/{TAG}"


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub(token=TOKEN)
    with serve_in_thread(fake.app) as base:
        fake.base = base
        yield fake


def destination(github: FakeGitHub, token: str = TOKEN) -> GitHubReleaseDestination:
    return GitHubReleaseDestination(token=token, api_url=github.base, uploads_url=github.base + "/uploads")


def build_dir(tmp_path: Path, bundles: dict[str, bytes], *, urls: dict[str, str] | None = None) -> Path:
    """A build folder as ``mcpship build`` leaves it: bundles, server.json pointing at them, the report."""
    dist = tmp_path / "dist"
    dist.mkdir()
    artifacts, packages = [], []
    for name, content in bundles.items():
        (dist / name).write_bytes(content)
        digest = hashlib.sha256(content).hexdigest()
        artifacts.append(artifact("mcpb", dist / name))
        url = (urls or {}).get(name, f"{RELEASE_URL}/{name}")
        packages.append({"registryType": "mcpb", "identifier": url, "fileSha256": digest, "version": "1.2.0"})
    server = {"name": "io.github.acme/notes", "version": "1.2.0", "packages": packages}
    (dist / "server.json").write_text(json.dumps(server))
    artifacts.append(artifact("server.json", dist / "server.json"))
    write_report(dist, artifacts, name="io.github.acme/notes", source_date_epoch=0)
    return dist


def artifact(kind: str, path: Path) -> Artifact:
    content = path.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    return Artifact(
        target=kind, kind=kind, path=path, sha256=digest, size=len(content), version="1.2.0", lock_digest=None
    )


BUNDLES = {"notes-1.2.0-linux-x86_64.mcpb": b"linux bundle", "notes-1.2.0-darwin-arm64.mcpb": b"mac bundle"}


def test_a_first_publish_creates_the_release_and_uploads_every_bundle(github: FakeGitHub, tmp_path: Path) -> None:
    outcome = publish_github_release(destination(github), build_dir(tmp_path, BUNDLES))

    assert outcome.created
    assert outcome.repository == "acme/notes"
    assert outcome.tag == TAG
    assert outcome.release_url == f"https://github.com/acme/notes/releases/tag/{TAG}"
    assert {(row.asset, row.status) for row in outcome.assets} == {(name, "published") for name in BUNDLES}
    assert {row.url for row in outcome.assets} == {f"{RELEASE_URL}/{name}" for name in BUNDLES}
    release = github.release(TAG)
    assert release is not None
    assert release["name"] == TAG
    assert release["draft"] is False
    assert {a["name"]: github.contents[a["id"]] for a in release["assets"]} == BUNDLES


def test_a_rerun_skips_what_the_release_already_has_and_uploads_nothing(github: FakeGitHub, tmp_path: Path) -> None:
    dist = build_dir(tmp_path, BUNDLES)
    publish_github_release(destination(github), dist)
    uploads = github.uploads()

    again = publish_github_release(destination(github), dist)

    assert not again.created
    assert [row.status for row in again.assets] == ["skipped", "skipped"]
    assert github.uploads() == uploads == 2


def test_a_rerun_after_a_partial_publish_uploads_only_what_is_missing(github: FakeGitHub, tmp_path: Path) -> None:
    release = github.add_release(TAG)
    github.add_asset(release, "notes-1.2.0-darwin-arm64.mcpb", b"mac bundle")
    github.add_asset(release, "notes-1.2.0-linux-x86_64.mcpb", b"linux bu", state="starter")  # interrupted upload

    outcome = publish_github_release(destination(github), build_dir(tmp_path, BUNDLES))

    assert not outcome.created
    assert {row.asset: row.status for row in outcome.assets} == {
        "notes-1.2.0-darwin-arm64.mcpb": "skipped",
        "notes-1.2.0-linux-x86_64.mcpb": "published",
    }
    assert {a["name"]: github.contents[a["id"]] for a in release["assets"]} == BUNDLES


def test_an_asset_without_a_digest_is_downloaded_and_hashed_to_compare(github: FakeGitHub, tmp_path: Path) -> None:
    github.report_digests = False
    release = github.add_release(TAG)
    github.add_asset(release, "notes-1.2.0-linux-x86_64.mcpb", b"linux bundle")

    outcome = publish_github_release(destination(github), build_dir(tmp_path, BUNDLES))

    assert {row.asset: row.status for row in outcome.assets}["notes-1.2.0-linux-x86_64.mcpb"] == "skipped"
    assert ("GET", f"/storage/{release['assets'][0]['id']}") in github.requests


@pytest.mark.parametrize("digests", [True, False], ids=["digest-field", "downloaded"])
def test_a_different_file_under_the_same_name_is_an_error_and_never_replaced(
    github: FakeGitHub, tmp_path: Path, digests: bool
) -> None:
    github.report_digests = digests
    release = github.add_release(TAG)
    github.add_asset(release, "notes-1.2.0-linux-x86_64.mcpb", b"another build")

    with pytest.raises(PublishError) as caught:
        publish_github_release(destination(github), build_dir(tmp_path, BUNDLES))

    text = f"{caught.value.message} {caught.value.hint}"
    assert "already has an asset 'notes-1.2.0-linux-x86_64.mcpb'" in text
    assert "never replaces" in text
    assert hashlib.sha256(b"another build").hexdigest() in text
    assert "gh release delete-asset v1.2.0" in text
    assert next(github.contents[a["id"]] for a in release["assets"]) == b"another build"
    assert not any(method == "DELETE" for method, _ in github.requests)


def test_a_url_whose_file_name_is_not_the_bundle_name_is_refused_naming_both(
    github: FakeGitHub, tmp_path: Path
) -> None:
    name = "notes-1.2.0-linux-x86_64.mcpb"
    dist = build_dir(tmp_path, {name: b"linux bundle"}, urls={name: f"{RELEASE_URL}/notes.mcpb"})

    with pytest.raises(PublishError) as caught:
        publish_github_release(destination(github), dist)

    assert "'notes.mcpb'" in caught.value.message
    assert f"'{name}'" in caught.value.message
    assert "{file}" in str(caught.value.hint)
    assert github.requests == []  # refused before any call


def test_a_bad_token_is_a_clear_error_that_never_shows_the_token(github: FakeGitHub, tmp_path: Path) -> None:
    wrong = "ghp_wrong-token-secret"
    with pytest.raises(PublishError) as caught:
        publish_github_release(destination(github, token=wrong), build_dir(tmp_path, BUNDLES))

    text = f"{caught.value.message} {caught.value.hint}"
    assert "refused the token" in text
    assert "Bad credentials" in text
    assert "contents: write" in text
    assert wrong not in text
    assert TOKEN not in text
    assert caught.value.exit_code == 11


def test_the_token_comes_from_the_environment_and_its_absence_is_explained(github: FakeGitHub, tmp_path: Path) -> None:
    dist = build_dir(tmp_path, BUNDLES)
    where = {"GITHUB_API_URL": github.base}
    uploads = GitHubReleaseDestination(uploads_url=github.base + "/uploads")

    with pytest.raises(PublishError, match="no GitHub token"):
        publish_github_release(uploads, dist, environ=where)
    outcome = publish_github_release(uploads, dist, environ={**where, "GH_TOKEN": TOKEN})

    assert outcome.created


def test_a_used_up_rate_limit_names_when_it_resets(github: FakeGitHub, tmp_path: Path) -> None:
    github.rate_limited = True
    with pytest.raises(PublishError, match=r"rate limit is used up \(it resets at \d\d:\d\d:\d\d UTC\)"):
        publish_github_release(destination(github), build_dir(tmp_path, BUNDLES))


def test_a_repository_the_token_cannot_see_is_named_with_the_fix(github: FakeGitHub, tmp_path: Path) -> None:
    name = "notes.mcpb"
    dist = build_dir(
        tmp_path, {name: b"x"}, urls={name: f"https://github.com/acme/other/releases/download/{TAG}/{name}"}
    )

    with pytest.raises(PublishError) as caught:
        publish_github_release(destination(github), dist)

    assert "does not know acme/other" in caught.value.message
    assert "OWNER/REPO" in str(caught.value.hint)


def test_supply_chain_files_are_attached_beside_the_bundles(github: FakeGitHub, tmp_path: Path) -> None:
    dist = build_dir(tmp_path, BUNDLES)
    sbom = dist / "notes-1.2.0.cdx.json"
    sbom.write_text('{"bomFormat": "CycloneDX"}')

    outcome = publish_github_release(destination(github), dist, extra_files=[sbom, dist / "SHA256SUMS"])

    assert [row.asset for row in outcome.assets][-2:] == ["notes-1.2.0.cdx.json", "SHA256SUMS"]
    release = github.release(TAG)
    assert release is not None
    assert len(release["assets"]) == 4


def test_a_name_github_would_rename_is_an_error_instead_of_a_broken_download_url(
    github: FakeGitHub, tmp_path: Path
) -> None:
    name = "notes 1.2.0.mcpb"
    dist = build_dir(tmp_path, {name: b"x"}, urls={name: f"{RELEASE_URL}/notes%201.2.0.mcpb"})

    with pytest.raises(PublishError, match=r"stored 'notes 1.2.0.mcpb' as 'notes.1.2.0.mcpb'"):
        publish_github_release(destination(github), dist)


def test_an_asset_the_list_did_not_show_yet_is_compared_when_github_calls_the_upload_a_duplicate(
    github: FakeGitHub, tmp_path: Path
) -> None:
    release = github.add_release(TAG)
    github.add_asset(release, "notes-1.2.0-linux-x86_64.mcpb", b"linux bundle")
    github.hidden_once.add("notes-1.2.0-linux-x86_64.mcpb")

    outcome = publish_github_release(destination(github), build_dir(tmp_path, BUNDLES))

    assert {row.asset: row.status for row in outcome.assets}["notes-1.2.0-linux-x86_64.mcpb"] == "skipped"
    assert len(release["assets"]) == 2


def test_a_tag_with_a_slash_is_found_and_created_as_one_path_segment(github: FakeGitHub, tmp_path: Path) -> None:
    name = "notes.mcpb"
    url = f"https://github.com/acme/notes/releases/download/release/v1.2.0/{name}"
    dist = build_dir(tmp_path, {name: b"n"}, urls={name: url})

    first = publish_github_release(destination(github), dist)
    again = publish_github_release(destination(github), dist)

    assert (first.tag, first.created, again.created) == ("release/v1.2.0", True, False)
    assert [row.status for row in again.assets] == ["skipped"]


def test_publish_channels_runs_github_release_between_the_image_and_the_registry(
    github: FakeGitHub, tmp_path: Path
) -> None:
    from mcpship.channels.publish import CHANNELS, PublishOptions, publish_channels

    dist = build_dir(tmp_path, BUNDLES)
    options = PublishOptions(github=destination(github))
    assert list(CHANNELS).index("github-release") == list(CHANNELS).index("registry") - 1

    planned = publish_channels(dist, ["github-release"], options, dry_run=True)
    assert github.release(TAG) is None  # a dry run calls nothing
    assert {(i.name, i.status, i.url) for i in planned.results[0].items} == {
        (name, "would-publish", f"{RELEASE_URL}/{name}") for name in BUNDLES
    }

    first = publish_channels(dist, ["github-release"], options)
    again = publish_channels(dist, ["github-release"], options)

    assert [(r.channel, r.status) for r in first.results] == [("github-release", "published")]
    assert {i.status for i in first.results[0].items} == {"published"}
    assert {i.status for i in again.results[0].items} == {"skipped"}
    assert {i.url for i in again.results[0].items} == {f"{RELEASE_URL}/{name}" for name in BUNDLES}


def test_the_supply_chain_records_the_build_lists_are_attached_beside_the_bundles(
    github: FakeGitHub, tmp_path: Path
) -> None:
    from mcpship.security.records import RecordKind, SupplyChainRecord

    dist = build_dir(tmp_path, BUNDLES)
    sbom, statement = dist / "notes.mcpb.cdx.json", dist / "provenance.intoto.json"
    sbom.write_text('{"bomFormat": "CycloneDX"}')
    statement.write_text('{"_type": "https://in-toto.io/Statement/v1"}')

    def record(kind: RecordKind, path: Path, media_type: str) -> SupplyChainRecord:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return SupplyChainRecord(kind=kind, path=path, sha256=digest, size=path.stat().st_size, media_type=media_type)

    records = [
        record("sbom", sbom, "application/vnd.cyclonedx+json"),
        record("provenance", statement, "application/vnd.in-toto+json"),
    ]
    artifacts = [artifact("mcpb", dist / name) for name in BUNDLES] + [artifact("server.json", dist / "server.json")]
    write_report(dist, artifacts, name="io.github.acme/notes", source_date_epoch=0, records=records)

    outcome = publish_github_release(destination(github), dist)

    release = github.release(TAG)
    assert release is not None
    held = {a["name"]: github.contents[a["id"]] for a in release["assets"]}
    assert held[sbom.name] == sbom.read_bytes()
    assert held[statement.name] == statement.read_bytes()
    assert {row.asset for row in outcome.assets} == {*BUNDLES, sbom.name, statement.name}

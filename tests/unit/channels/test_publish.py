"""``publish_artifact``: the image of a build pushed with the tag chosen from the build, the server.json of a build
listed in the registry of the last login; refusals keep their channel's exit code."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from mcpship import (
    OciDestination,
    PublishError,
    RegistryDestination,
    RegistryError,
    RegistryPublishError,
    publish_artifact,
)
from mcpship.pipeline.report import sha256_of, write_report
from mcpship.registry_client.tokens import RegistryToken, TokenStore
from mcpship.targets import Artifact
from mcpship.targets.oci import pack_layout_tar
from tests.unit.channels.test_oci_push import FakeRegistry, make_image

OFFICIAL = "io.modelcontextprotocol.registry/official"


def built(dist: Path, *files: tuple[Path, str]) -> Path:
    """``dist`` with a build report recording each (file, kind) at version 1.2.3."""
    artifacts = [
        Artifact(
            target=kind,
            kind=kind,
            path=path,
            sha256=sha256_of(path),
            size=path.stat().st_size,
            version="1.2.3",
            lock_digest=None,
        )
        for path, kind in files
    ]
    write_report(dist, artifacts, name="io.github.acme/notes", source_date_epoch=0)
    return dist


@pytest.fixture
def image_dist(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    dist.mkdir()
    layout = make_image(tmp_path / "layout").layout
    archive = dist / "notes-1.2.3.oci.tar"
    pack_layout_tar(layout, archive, epoch=0)
    return built(dist, (archive, "oci"))


def test_an_image_is_pushed_with_the_version_it_was_built_for_when_the_destination_names_no_tag(
    image_dist: Path,
) -> None:
    registry = FakeRegistry()
    with httpx.Client(transport=httpx.MockTransport(registry)) as client:
        outcome = publish_artifact(image_dist, OciDestination("127.0.0.1:5000/acme/notes"), client=client)

    assert outcome.artifact.path == image_dist / "notes-1.2.3.oci.tar"
    assert outcome.pushed.tag == "1.2.3"
    assert outcome.pushed.reference.startswith("127.0.0.1:5000/acme/notes:1.2.3@sha256:")
    assert set(registry.manifests) == {"1.2.3"}


def test_the_destinations_own_tag_wins_over_the_version(image_dist: Path) -> None:
    registry = FakeRegistry()
    with httpx.Client(transport=httpx.MockTransport(registry)) as client:
        outcome = publish_artifact(image_dist, OciDestination("127.0.0.1:5000/acme/notes:edge"), client=client)
    assert outcome.pushed.tag == "edge"
    assert set(registry.manifests) == {"edge"}


def test_a_build_without_an_image_names_the_report_and_the_build_command(tmp_path: Path) -> None:
    server = tmp_path / "dist" / "server.json"
    server.parent.mkdir()
    server.write_text("{}", encoding="utf-8")
    dist = built(tmp_path / "dist", (server, "server.json"))

    with pytest.raises(PublishError) as caught:
        publish_artifact(dist, OciDestination("127.0.0.1:5000/acme/notes"))

    assert caught.value.message == f"{dist / 'mcpship-build.json'} records no OCI image(s) (unchanged since the build)"
    assert caught.value.hint == f"build it: mcpship build --target oci --out {dist}"
    assert caught.value.exit_code == 11


def server_json(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "server.json"
    path.write_text(json.dumps({"name": "io.github.acme/notes", "version": "1.2.3"}), encoding="utf-8")
    return path


def test_a_server_json_goes_to_the_registry_of_the_last_login(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.put(RegistryToken("https://elsewhere.test", "other", "none", None))
    store.put(RegistryToken("https://registry.test", "jwt", "none", None))
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = json.loads(request.content)
        return httpx.Response(200, json={"server": body, "_meta": {OFFICIAL: {"isLatest": True, "status": "active"}}})

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        outcome = publish_artifact(
            server_json(tmp_path / "dist").parent, RegistryDestination(), client=client, store=store, environ={}
        )

    assert (outcome.registry, outcome.name, outcome.version, outcome.is_latest) == (
        "https://registry.test",
        "io.github.acme/notes",
        "1.2.3",
        True,
    )
    assert [str(request.url) for request in seen] == ["https://registry.test/v0.1/publish"]
    assert seen[0].headers["Authorization"] == "Bearer jwt"


@pytest.mark.parametrize(
    "answer",
    [
        lambda _: httpx.Response(403, json={"detail": "You do not have permission"}),
        lambda request: (_ for _ in ()).throw(httpx.ConnectError("refused", request=request)),
    ],
    ids=["refused", "unreachable"],
)
def test_a_publish_the_registry_did_not_take_is_a_publish_error_with_the_registrys_words(
    tmp_path: Path, answer: object
) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.put(RegistryToken("https://registry.test", "jwt", "none", None))

    with (
        httpx.Client(transport=httpx.MockTransport(answer)) as client,  # type: ignore[arg-type]
        pytest.raises(RegistryPublishError) as caught,
    ):
        publish_artifact(server_json(tmp_path), RegistryDestination(), client=client, store=store, environ={})

    error = caught.value
    assert isinstance(error, PublishError)
    assert isinstance(error, RegistryError)
    assert error.exit_code == 11
    assert "https://registry.test" in error.message

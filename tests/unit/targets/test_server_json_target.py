"""The server-json target (old name: registry): server.json from notes-py and the artifacts built with it."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mcpship._exceptions import BuildError, SpecError
from mcpship._reporter import NullReporter
from mcpship.interface import InterfaceLock, read_lock
from mcpship.server_json import PUBLISHER_META_KEY, validate_server_json
from mcpship.spec import load_spec
from mcpship.targets import Artifact, BuildContext, BuildOptions, Target, load_target
from mcpship.targets.server_json import INTERFACE_META_KEY, ReleaseSuggestion, ServerJsonTarget, suggest_release_url
from tests.shared_data import SHARED

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "notes-py"
SCHEMA = SHARED / "conformance" / "registry" / "server.schema.2025-12-11.json"
NAME = "io.github.mcpship/notes-py"
MCPB_URL = "https://github.com/mcpship/mcpship/releases/download/v{version}/{file}"
_staging = itertools.count()


def write_wheel(folder: Path, *, marker: bool = True, version: str = "0.1.0") -> Path:
    """A small but real wheel: just the METADATA the server-json target and the ownership check read."""
    path = folder / f"mcpship_example_notes-{version}-py3-none-any.whl"
    readme = f"# notes\n\n<!-- mcp-name: {NAME} -->\n" if marker else "# notes\n"
    metadata = f"Metadata-Version: 2.4\nName: mcpship-example-notes\nVersion: {version}\n\n{readme}"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"mcpship_example_notes-{version}.dist-info/METADATA", metadata)
    return path


def record(path: Path, target: str, kind: str, *, version: str = "0.1.0", platform: str | None = None) -> Artifact:
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    return Artifact(
        target=target, kind=kind, path=path, sha256=sha256, size=len(data), version=version, lock_digest=None,
        platform=platform,
    )  # fmt: skip


def bundle(folder: Path, name: str = "notes-py-0.1.0.mcpb", platform: str | None = None) -> Artifact:
    path = folder / name
    path.write_bytes(f"bundle {name}".encode())
    return record(path, "mcpb", "mcpb", platform=platform)


def context(
    tmp_path: Path,
    *,
    config: dict[str, Any] | None = None,
    built: dict[str, Sequence[Artifact]] | None = None,
    **spec_changes: Any,
) -> BuildContext:
    resolved = load_spec(EXAMPLE)
    targets = {**resolved.spec.targets, "server-json": config if config is not None else {"mcpb_url": MCPB_URL}}
    spec = resolved.spec.model_copy(update={"targets": targets, **spec_changes})
    staging = tmp_path / f"staging-{next(_staging)}"
    staging.mkdir()
    return BuildContext(
        resolved=dataclasses.replace(resolved, spec=spec),
        lock=read_lock(EXAMPLE / "mcp-interface.json"),
        staging=staging,
        work=tmp_path,
        source_date_epoch=315532800,
        options=BuildOptions(),
        reporter=NullReporter(),
        built=built or {},
    )


def full_build(tmp_path: Path) -> dict[str, Sequence[Artifact]]:
    return {"pypi": [record(write_wheel(tmp_path), "pypi", "wheel")], "mcpb": [bundle(tmp_path)]}


def build(build_context: BuildContext) -> tuple[Path, dict[str, Any]]:
    ((kind, path, platform),) = ServerJsonTarget().build(build_context)
    assert (kind, path.name, platform) == ("server.json", "server.json", None)
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return path, document


def test_is_a_target_found_by_its_name_and_by_its_old_name() -> None:
    target = load_target("server-json")
    assert isinstance(target, ServerJsonTarget)
    assert isinstance(target, Target)
    assert target.needs == ("pypi", "npm", "mcpb", "oci")
    assert isinstance(load_target("registry"), ServerJsonTarget)


def test_server_json_satisfies_the_official_schema_and_rules(tmp_path: Path) -> None:
    _, document = build(context(tmp_path, built=full_build(tmp_path)))
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(document)
    assert validate_server_json(document, source="server.json") == []


def test_server_json_describes_the_server_and_each_built_package(tmp_path: Path) -> None:
    built = full_build(tmp_path)
    _, document = build(context(tmp_path, built=built))
    lock = read_lock(EXAMPLE / "mcp-interface.json")
    interface = {"digest": lock.digest, "tools": sorted(lock.items("tools")), "prompts": sorted(lock.items("prompts"))}
    environment = [
        {"name": "NOTES_TOKEN", "description": "API token for the notes backend", "isRequired": True, "isSecret": True},
        {"name": "NOTES_DIR", "description": "Keep notes in this folder instead of memory"},
    ]
    assert document == {
        "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
        "name": NAME,
        "title": "Notes",
        "description": "Take and search notes from any MCP client (Python example for mcpship).",
        "version": "0.1.0",
        "repository": {"url": "https://github.com/mcpship/mcpship", "source": "github"},
        "packages": [
            {
                "registryType": "pypi",
                "identifier": "mcpship-example-notes",
                "version": "0.1.0",
                "runtimeHint": "uvx",
                "transport": {"type": "stdio"},
                "environmentVariables": environment,
            },
            {
                "registryType": "mcpb",
                "identifier": "https://github.com/mcpship/mcpship/releases/download/v0.1.0/notes-py-0.1.0.mcpb",
                "version": "0.1.0",
                "fileSha256": built["mcpb"][0].sha256,
                "transport": {"type": "stdio"},
                "environmentVariables": environment,
            },
        ],
        "_meta": {PUBLISHER_META_KEY: {INTERFACE_META_KEY: interface}},
    }


def test_publisher_meta_carries_the_locked_tool_names_within_the_registry_limit(tmp_path: Path) -> None:
    lock = read_lock(EXAMPLE / "mcp-interface.json")
    tools = [{"key": f"tool_{i:04}_" + "x" * 40, "digest": "d", "definition": {}} for i in range(200)]
    many = {**lock.data, "tools": tools}
    _, document = build(dataclasses.replace(context(tmp_path), lock=InterfaceLock(many)))
    provided = document["_meta"][PUBLISHER_META_KEY]
    assert len(json.dumps(provided)) <= 4096
    assert provided[INTERFACE_META_KEY]["tools"][:2] == ["tool_0000_" + "x" * 40, "tool_0001_" + "x" * 40]
    assert validate_server_json(document, source="server.json") == []


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    built = full_build(tmp_path)
    first, _ = build(context(tmp_path, built=built))
    second, _ = build(context(tmp_path, built=built))
    text = first.read_text(encoding="utf-8")
    assert first.read_bytes() == second.read_bytes()
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_each_platform_bundle_is_its_own_package(tmp_path: Path) -> None:
    bundles = [
        bundle(tmp_path, "notes-py-0.1.0-linux-x86_64.mcpb", "linux-x86_64"),
        bundle(tmp_path, "notes-py-0.1.0-darwin-arm64.mcpb", "darwin-arm64"),
    ]
    _, document = build(context(tmp_path, built={"mcpb": bundles}))
    identifiers = [package["identifier"].rsplit("/", 1)[1] for package in document["packages"]]
    assert identifiers == ["notes-py-0.1.0-darwin-arm64.mcpb", "notes-py-0.1.0-linux-x86_64.mcpb"]
    assert [package["fileSha256"] for package in document["packages"]] == [bundles[1].sha256, bundles[0].sha256]


def test_without_artifacts_the_entry_is_metadata_only(tmp_path: Path) -> None:
    _, document = build(context(tmp_path))
    assert "packages" not in document
    assert validate_server_json(document, source="server.json") == []


def test_a_bundle_without_mcpb_url_is_a_check_problem_with_the_fix(tmp_path: Path) -> None:
    build_context = context(tmp_path, config={}, built=full_build(tmp_path))
    (problem,) = [problem for problem in ServerJsonTarget().check(build_context) if problem.severity == "error"]
    assert problem.file == str(EXAMPLE / "mcpship.toml")
    assert problem.path == "[targets.server-json].mcpb_url"
    assert problem.hint == f'set mcpb_url = "{MCPB_URL}" under [targets.server-json]'
    with pytest.raises(BuildError, match="mcpb_url"):
        ServerJsonTarget().build(build_context)


def test_a_document_the_registry_would_refuse_is_a_build_error_listing_each_problem(tmp_path: Path) -> None:
    config = {"mcpb_url": "https://downloads.acme.dev/{file}", "website_url": "http://acme.dev"}
    with pytest.raises(BuildError) as caught:
        ServerJsonTarget().build(context(tmp_path, config=config, built=full_build(tmp_path)))
    message = caught.value.message
    assert "server.json: $.packages[1].identifier: mcpb downloads must be hosted on GitHub or GitLab" in message
    assert "server.json: $.websiteUrl:" in message
    assert "hint: attach the bundle to a GitHub release" in message
    assert not list(tmp_path.glob("staging-*/server.json"))


def test_a_wheel_without_the_mcp_name_marker_stops_the_build(tmp_path: Path) -> None:
    wheel = record(write_wheel(tmp_path, marker=False), "pypi", "wheel")
    build_context = context(tmp_path, built={"pypi": [wheel]})
    (problem,) = [problem for problem in ServerJsonTarget().check(build_context) if problem.severity == "error"]
    assert problem.file.endswith("!mcpship_example_notes-0.1.0.dist-info/METADATA")
    with pytest.raises(BuildError, match="mcp-name"):
        ServerJsonTarget().build(build_context)


def test_an_artifact_of_another_version_is_stale(tmp_path: Path) -> None:
    wheel = record(write_wheel(tmp_path, version="0.0.9"), "pypi", "wheel", version="0.0.9")
    problems = ServerJsonTarget().check(context(tmp_path, built={"pypi": [wheel]}))
    stale = [problem for problem in problems if "stale" in problem.message]
    assert [(problem.file, problem.severity) for problem in stale] == [(str(wheel.path), "error")]


def test_remotes_come_from_config_and_from_http_only_when_asked(tmp_path: Path) -> None:
    _, plain = build(context(tmp_path, config={}))
    assert "remotes" not in plain  # [http] is local until the config names where it is deployed
    config = {"remotes": [{"url": "https://notes.acme.dev/mcp"}, {"type": "sse", "url": "https://notes.acme.dev/sse"}]}
    _, document = build(context(tmp_path, config={**config, "public_url": "https://notes-http.acme.dev/"}))
    assert document["remotes"] == [
        {"type": "streamable-http", "url": "https://notes.acme.dev/mcp"},
        {"type": "sse", "url": "https://notes.acme.dev/sse"},
        {"type": "streamable-http", "url": "https://notes-http.acme.dev/mcp"},
    ]


def test_public_url_needs_an_http_table(tmp_path: Path) -> None:
    (problem,) = ServerJsonTarget().check(context(tmp_path, config={"public_url": "https://acme.dev"}, http=None))
    assert problem.path == "[targets.server-json].public_url"


def test_config_sets_subfolder_and_website(tmp_path: Path) -> None:
    config = {"subfolder": "examples/notes-py", "website_url": "https://mcpship.dev/notes"}
    _, document = build(context(tmp_path, config=config))
    assert document["repository"]["subfolder"] == "examples/notes-py"
    assert document["websiteUrl"] == "https://mcpship.dev/notes"


def test_spec_values_the_registry_cannot_take_are_left_out_with_a_warning(tmp_path: Path) -> None:
    build_context = context(tmp_path, config={}, homepage="http://acme.dev", repository="https://codeberg.org/a/b")
    warnings = ServerJsonTarget().check(build_context)
    assert {(problem.path, problem.severity) for problem in warnings} == {
        ("homepage", "warning"),
        ("repository", "warning"),
    }
    _, document = build(build_context)
    assert "websiteUrl" not in document
    assert "repository" not in document


def test_repository_urls_are_normalized(tmp_path: Path) -> None:
    _, document = build(context(tmp_path, config={}, repository="git@github.com:acme/notes-mcp.git"))
    assert document["repository"] == {"url": "https://github.com/acme/notes-mcp", "source": "github"}


def test_run_arguments_become_package_arguments(tmp_path: Path) -> None:
    resolved = load_spec(EXAMPLE)
    run = resolved.spec.run.model_copy(update={"args": ["--storage", "memory"]})
    _, document = build(context(tmp_path, built={"pypi": [record(write_wheel(tmp_path), "pypi", "wheel")]}, run=run))
    assert document["packages"][0]["packageArguments"] == [
        {"type": "positional", "value": "--storage"},
        {"type": "positional", "value": "memory"},
    ]


def test_a_console_script_unlike_the_project_name_is_a_warning(tmp_path: Path) -> None:
    problems = ServerJsonTarget().check(
        context(tmp_path, built={"pypi": [record(write_wheel(tmp_path), "pypi", "wheel")]})
    )
    (problem,) = problems
    assert (problem.path, problem.severity) == ("[run].command", "warning")
    assert "uvx mcpship-example-notes" in problem.message


@pytest.mark.parametrize(
    ("config", "says"),
    [
        ({"mcpb_urls": MCPB_URL}, "mcpb_urls"),
        ({"mcpb_url": "https://x/{tag}/{file}"}, "{tag}"),
        ({"mcpb_url": "https://x/{version/{file}"}, "unbalanced"),
        ({"remotes": [{"type": "stdio", "url": "https://x"}]}, "type"),
    ],
)
def test_config_mistakes_are_spec_errors_naming_the_key(tmp_path: Path, config: dict[str, Any], says: str) -> None:
    with pytest.raises(SpecError, match=says):
        ServerJsonTarget().check(context(tmp_path, config=config))


@pytest.mark.parametrize(
    ("repository", "mcpb_url", "subfolder"),
    [
        (
            "https://github.com/modelcontextprotocol/servers/tree/main/src/time",
            "https://github.com/modelcontextprotocol/servers/releases/download/v{version}/{file}",
            "src/time",
        ),
        (
            "https://gitlab.com/acme/tools/-/tree/main/servers/notes",
            "https://gitlab.com/acme/tools/-/releases/v{version}/downloads/{file}",
            "servers/notes",
        ),
    ],
)
def test_the_mcpb_url_suggested_for_a_monorepo_folder_is_accepted_when_fed_back(
    tmp_path: Path, repository: str, mcpb_url: str, subfolder: str
) -> None:
    built = full_build(tmp_path)
    first = context(tmp_path, config={}, built=built, repository=repository)
    (problem,) = [problem for problem in ServerJsonTarget().check(first) if problem.path.endswith("mcpb_url")]
    suggested = dict(re.findall(r'(\w+) = "([^"]+)"', problem.hint or ""))
    assert suggested == {
        "mcpb_url": mcpb_url,
        "subfolder": subfolder,
        "repository": repository.split("/-/")[0].split("/tree/")[0],
    }
    fed_back = context(
        tmp_path,
        config={"mcpb_url": suggested["mcpb_url"], "subfolder": suggested["subfolder"]},
        built=built,
        repository=suggested["repository"],
    )
    assert [problem for problem in ServerJsonTarget().check(fed_back) if problem.severity == "error"] == []
    _, document = build(fed_back)
    assert document["repository"]["subfolder"] == subfolder
    assert document["packages"][-1]["identifier"].startswith(mcpb_url.split("{version}")[0])
    assert validate_server_json(document, source="server.json") == []


def test_the_suggestion_for_an_unknown_forge_is_a_template() -> None:
    assert suggest_release_url("https://git.acme.dev/tools/notes").mcpb_url == (
        "https://github.com/OWNER/REPO/releases/download/v{version}/{file}"
    )
    assert suggest_release_url("git@github.com:acme/notes.git") == ReleaseSuggestion(
        mcpb_url="https://github.com/acme/notes/releases/download/v{version}/{file}", repository=None, subfolder=None
    )

"""The oci target's Dockerfile and ignore file, and the target when it writes only them (``dockerfile_only``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mcpship import SpecError
from mcpship.spec import load_spec
from mcpship.targets import BUILTIN_TARGETS, Target, load_target
from mcpship.targets.oci import (
    MCP_NAME_LABEL,
    DockerfileInputs,
    OciTarget,
    image_labels,
    render_dockerfile,
    render_dockerignore,
)
from mcpship.targets.oci.target import BASE_LAYOUT_ENV
from tests.unit.targets.mcpb_support import EPOCH, copy_example, make_context

PINNED = {
    "python": "python:3.12-slim@sha256:" + "1" * 64,
    "node": "node:22-slim@sha256:" + "2" * 64,
}


@pytest.fixture(autouse=True)
def _no_base_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BASE_LAYOUT_ENV, raising=False)


def dockerfile_of(root: Path, *, revision: str | None = "0123abc") -> str:
    spec = load_spec(root).spec
    inputs = DockerfileInputs(
        spec=spec,
        labels=image_labels(spec, revision=revision, epoch=EPOCH),
        base_image=PINNED[spec.run.runtime],
        user="65532:65532",
        node_entry="bin/notes-node-mcp.js" if spec.run.runtime == "node" else None,
    )
    return render_dockerfile(inputs)


def without_http(root: Path) -> Path:
    spec_file = root / "mcpship.toml"
    text = re.sub(r"\[http\]\n(?:[^\[\n][^\n]*\n)*", "", spec_file.read_text(encoding="utf-8"))
    spec_file.write_text(text, encoding="utf-8")
    return root


def test_oci_is_a_builtin_target_that_implements_the_protocol() -> None:
    assert BUILTIN_TARGETS["oci"] == "mcpship.targets.oci:OciTarget"
    target = load_target("oci")
    assert isinstance(target, Target)
    assert (target.name, target.needs) == ("oci", ())


def test_python_dockerfile_pins_an_overridable_base_and_installs_the_project_into_a_venv(tmp_path: Path) -> None:
    text = dockerfile_of(copy_example("notes-py", tmp_path))
    lines = text.splitlines()
    assert f"ARG BASE_IMAGE={PINNED['python']}" in lines
    assert [line for line in lines if line.startswith("FROM ")] == ["FROM ${BASE_IMAGE} AS build", "FROM ${BASE_IMAGE}"]
    assert "RUN python3 -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir ." in lines
    final_stage = text.split("FROM ${BASE_IMAGE}\n", 1)[1]
    assert "COPY --from=build /opt/venv /opt/venv" in final_stage
    assert "RUN " not in final_stage  # the final stage needs neither pip nor the network
    assert 'ENTRYPOINT ["notes-mcp"]' in text
    assert "docker run -i --rm notes-py:0.1.0" in text
    assert "--ignorefile dist/Dockerfile.dockerignore" in text


def test_the_server_never_runs_as_root(tmp_path: Path) -> None:
    users = re.findall(r"^USER (.+)$", dockerfile_of(copy_example("notes-py", tmp_path)), re.MULTILINE)
    assert users == ["65532:65532"]


def test_labels_carry_the_mcp_server_name_and_the_oci_annotations(tmp_path: Path) -> None:
    text = dockerfile_of(copy_example("notes-py", tmp_path))
    label_block = text[text.index("LABEL ") :].split("\n\n", 1)[0]
    assert f'{MCP_NAME_LABEL}="io.github.mcpship/notes-py"' in label_block
    for key, value in {
        "source": "https://github.com/mcpship/mcpship",
        "version": "0.1.0",
        "revision": "0123abc",
        "licenses": "MIT",
        "title": "Notes",
        "created": "2023-11-14T22:13:20Z",
    }.items():
        assert f'org.opencontainers.image.{key}="{value}"' in label_block
    assert "org.opencontainers.image.description=" in label_block


def test_an_http_server_gets_a_healthcheck_on_its_port(tmp_path: Path) -> None:
    text = dockerfile_of(copy_example("notes-py", tmp_path))
    assert "EXPOSE 8000" in text
    healthcheck = next(line for line in text.splitlines() if line.startswith("HEALTHCHECK "))
    assert "127.0.0.1', 8000" in healthcheck


def test_a_stdio_only_server_has_no_healthcheck(tmp_path: Path) -> None:
    text = dockerfile_of(without_http(copy_example("notes-py", tmp_path)))
    assert "HEALTHCHECK" not in text
    assert "EXPOSE" not in text


def test_node_dockerfile_installs_production_dependencies_with_npm_ci(tmp_path: Path) -> None:
    text = dockerfile_of(copy_example("notes-node", tmp_path))
    assert f"ARG BASE_IMAGE={PINNED['node']}" in text.splitlines()
    assert [line for line in text.splitlines() if line.startswith("FROM ")] == ["FROM ${BASE_IMAGE}"]
    assert "RUN npm ci --omit=dev" in text
    assert text.index("COPY package.json package-lock.json ./") < text.index("RUN npm ci") < text.index("COPY . .")
    assert 'ENTRYPOINT ["node", "/app/bin/notes-node-mcp.js"]' in text
    assert "node" in next(line for line in text.splitlines() if line.startswith("HEALTHCHECK "))


def test_dockerignore_keeps_secrets_and_local_environments_out(tmp_path: Path) -> None:
    spec = load_spec(copy_example("notes-py", tmp_path)).spec
    patterns = render_dockerignore(spec).splitlines()
    for pattern in (".git", ".venv", "**/.env", "**/.env.*", "**/*.pem", "**/.aws", "node_modules", "**/__pycache__"):
        assert pattern in patterns


def with_oci_table(root: Path, table: str) -> Path:
    spec_file = root / "mcpship.toml"
    spec_file.write_text(spec_file.read_text(encoding="utf-8") + f"oci = {table}\n", encoding="utf-8")
    return root


def test_dockerfile_only_writes_the_dockerfiles_and_pulls_nothing(tmp_path: Path) -> None:
    root = with_oci_table(copy_example("notes-py", tmp_path), "{ dockerfile_only = true }")
    context = make_context(root, tmp_path / "out")
    target = OciTarget()
    assert target.check(context) == []
    outputs = target.build(context)
    assert [(kind, path.name, platform) for kind, path, platform in outputs] == [
        ("dockerfile", "Dockerfile", None),
        ("dockerignore", "Dockerfile.dockerignore", None),
    ]
    assert sorted(p.name for p in context.staging.iterdir()) == ["Dockerfile", "Dockerfile.dockerignore"]
    assert "ARG BASE_IMAGE=python:3.12-slim" in (context.staging / "Dockerfile").read_text().splitlines()


def test_a_typo_in_the_oci_table_is_refused_when_the_spec_loads_naming_the_key(tmp_path: Path) -> None:
    root = copy_example("notes-py", tmp_path)
    spec_file = root / "mcpship.toml"
    spec_file.write_text(spec_file.read_text(encoding="utf-8") + 'oci = { base_imag = "x" }\n', encoding="utf-8")
    with pytest.raises(SpecError, match=r'unknown key "base_imag" in \[targets.oci\]; did you mean "base_image"\?'):
        make_context(root, tmp_path / "out")  # the loader checks [targets.oci] with OciTarget.config_class


def test_a_missing_base_layout_is_a_problem(tmp_path: Path) -> None:
    root = copy_example("notes-py", tmp_path)
    spec_file = root / "mcpship.toml"
    spec_file.write_text(
        spec_file.read_text(encoding="utf-8") + 'oci = { base_layout = "nowhere" }\n', encoding="utf-8"
    )
    (problem,) = OciTarget().check(make_context(root, tmp_path / "out"))
    assert problem.path == "[targets.oci].base_layout"
    assert "no index.json" in problem.message


def set_requires_python(root: Path, specifier: str) -> Path:
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    text = text.replace('requires-python = ">=3.11"', f'requires-python = "{specifier}"')
    pyproject.write_text(text, encoding="utf-8")
    return root


def test_a_project_excluding_python_3_12_gets_the_newest_python_it_allows(tmp_path: Path) -> None:
    root = set_requires_python(copy_example("notes-py", tmp_path), ">=3.13")
    with_oci_table(root, "{ dockerfile_only = true }")
    context = make_context(root, tmp_path / "out")
    assert OciTarget().check(context) == []
    OciTarget().build(context)
    assert "ARG BASE_IMAGE=python:3.14-slim" in (context.staging / "Dockerfile").read_text().splitlines()


def test_a_project_no_official_python_image_fits_must_choose_its_base_image(tmp_path: Path) -> None:
    root = set_requires_python(copy_example("notes-py", tmp_path), "<3.8")
    (problem,) = OciTarget().check(make_context(root, tmp_path / "out"))
    assert problem.path == "[project].requires-python"
    assert "base_image" in (problem.hint or "")


def test_a_base_image_that_is_no_image_reference_is_a_problem(tmp_path: Path) -> None:
    root = with_oci_table(copy_example("notes-py", tmp_path), '{ base_image = "Python:3.12 slim" }')
    (problem,) = OciTarget().check(make_context(root, tmp_path / "out"))
    assert problem.path == "[targets.oci].base_image"
    assert "is not an image reference" in problem.message

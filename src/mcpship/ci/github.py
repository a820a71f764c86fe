"""``mcpship ci init --github``: a release workflow for GitHub Actions, from the project's spec.

On a version tag (``v*.*.*``) one job builds and verifies every artifact (``mcpship ship``) and hands ``dist/`` on
as a workflow artifact; one job per channel the spec enables then publishes it, each ``needs:`` the verify job, so
nothing is published that was not verified, and a failed channel is rerun alone. PyPI gets trusted publishing
(the job's OIDC token, no secret), npm a provenance statement, the image goes to GHCR with the job's token, the
MCPB bundles to the GitHub release server.json points at, and server.json to the MCP registry after the packages
it names (``mcpship login github-oidc``). Every action is pinned to a commit SHA (:mod:`mcpship.ci.actions`).

The YAML is written by ruamel.yaml from data: values from the spec (its name, the image, the project folder) are
quoted by the emitter, reach shell scripts only through ``env:``, and may not hold a ``${{`` expression.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from mcpship.__about__ import __version__
from mcpship._atomic import write_text_atomic
from mcpship._exceptions import SpecError, UsageError
from mcpship.ci.actions import ACTIONS
from mcpship.spec.load import ResolvedSpec, load_spec

__all__ = ["WORKFLOW_PATH", "WorkflowOutcome", "init_github_workflow", "render_github_workflow"]

WORKFLOW_PATH = PurePosixPath(".github/workflows/release.yml")
TAG_PATTERN = "v*.*.*"
PYTHON_VERSION = "3.12"
NODE_VERSION = "24"
"""npm 11 (bundled with Node 24) signs provenance and speaks npm's trusted publishing."""
VERIFY_JOB = "verify"
_ARTIFACT = "dist"


@dataclass(frozen=True)
class WorkflowOutcome:
    path: Path
    channels: tuple[str, ...]
    """The publish jobs written, in order: pypi, npm, oci, github-release, registry (those the spec enables)."""
    replaced: bool
    """True when an existing workflow was overwritten (``--force``)."""
    notes: tuple[str, ...] = field(default=())
    """What the author must set up on the other side (trusted publishers, secrets)."""


@dataclass(frozen=True)
class _Plan:
    resolved: ResolvedSpec
    project: str
    """The project folder relative to the repository root ('' at the root), as a POSIX path."""
    channels: tuple[str, ...]
    image: str | None
    notes: tuple[str, ...]


def init_github_workflow(directory: Path | str = ".", *, force: bool = False) -> WorkflowOutcome:
    """Write ``.github/workflows/release.yml`` at the root of the git repository holding the project in ``directory``
    (the project folder itself outside git). An existing file is kept unless ``force``; the write is atomic."""
    resolved = load_spec(directory)
    repository_root = _repository_root(resolved.root)
    plan = _plan(resolved, repository_root)
    path = repository_root / WORKFLOW_PATH
    existed = path.exists()
    if existed and not force:
        raise UsageError(
            f"{path} already exists; mcpship does not overwrite it",
            hint="keep it, or write it again from the spec with --force (then review the change with git diff)",
        )
    text = _render(plan)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text)
    return WorkflowOutcome(path=path, channels=plan.channels, replaced=existed, notes=plan.notes)


def render_github_workflow(directory: Path | str = ".") -> str:
    """The workflow :func:`init_github_workflow` would write, as text."""
    resolved = load_spec(directory)
    return _render(_plan(resolved, _repository_root(resolved.root)))


# -- what the spec asks for ------------------------------------------------------------------------------------


def _repository_root(project: Path) -> Path:
    for folder in (project, *project.parents):
        if (folder / ".git").exists():
            return folder
    return project


def _plan(resolved: ResolvedSpec, repository_root: Path) -> _Plan:
    from mcpship.pipeline.driver import default_targets

    spec = resolved.spec
    targets = set(default_targets(resolved))
    server_json = spec.targets.get("server-json", {}) if "server-json" in targets else {}
    mcpb_url = server_json.get("mcpb_url")
    channels: list[str] = []
    notes: list[str] = []
    if "pypi" in targets:
        channels.append("pypi")
        notes.append(
            "PyPI: add a trusted publisher for this repository, workflow release.yml and environment pypi "
            "(https://docs.pypi.org/trusted-publishers/)"
        )
    if "npm" in targets:
        channels.append("npm")
        notes.append(
            "npm: add the repository secret NPM_TOKEN (an automation token), or configure npm's trusted publishing "
            "for release.yml and leave it unset"
        )
    image = None
    if "oci" in targets:
        channels.append("oci")
        image = _image(resolved, server_json.get("oci_image"))
    if "mcpb" in targets and isinstance(mcpb_url, str) and mcpb_url.startswith("https://github.com/"):
        channels.append("github-release")
    elif "mcpb" in targets:
        notes.append("MCPB: mcpb_url does not point at a GitHub release, so the workflow does not upload the bundles")
    if "server-json" in targets:
        channels.append("registry")
        if not spec.name.startswith("io.github."):
            namespace = spec.name.split("/", 1)[0]
            notes.append(
                f"MCP registry: {namespace} is proved by DNS: add the repository secret MCP_REGISTRY_KEY (the key"
                f" whose public half is in the TXT record of {_domain(namespace)})"
            )
    project = resolved.root.relative_to(repository_root).as_posix()
    plan = _Plan(resolved, "" if project == "." else project, tuple(channels), image, tuple(notes))
    for value in (spec.name, plan.project, image or ""):
        _no_expression(value)
    return plan


def _no_expression(value: str) -> None:
    """GitHub evaluates ``${{ … }}`` anywhere in a workflow, quoted or not: a spec value may not carry one."""
    if "${{" in value:
        raise SpecError(
            f"{value!r} holds a GitHub Actions expression ('${{{{'), which a workflow would evaluate",
            hint="rename it without '${{'",
        )


def _image(resolved: ResolvedSpec, configured: object) -> str:
    """Where the image goes: ``oci_image`` without its tag (publish tags it with the version), else GHCR."""
    if isinstance(configured, str):
        _no_expression(configured)
        image = configured.replace(":{version}", "")
        if "{" in image or "@" in image:
            raise SpecError(
                f"oci_image {configured!r}: the workflow needs REGISTRY/NAME with the tag last (:{{version}})",
                hint='write it as "ghcr.io/OWNER/NAME:{version}" under [targets.server-json]',
            )
        return image
    from mcpship._forges import forge_of, repository_url

    repository = resolved.spec.repository
    if repository and forge_of(repository) == "github":
        return "ghcr.io/" + repository_url(repository).split("github.com/", 1)[1].lower()
    raise SpecError(
        "the oci target is enabled but the workflow cannot tell where to push the image",
        hint='set oci_image = "ghcr.io/OWNER/NAME:{version}" under [targets.server-json], or a GitHub repository',
    )


def _domain(namespace: str) -> str:
    return ".".join(reversed(namespace.split(".")))


# -- the workflow ----------------------------------------------------------------------------------------------


def _render(plan: _Plan) -> str:
    spec = plan.resolved.spec
    jobs = CommentedMap()
    jobs[VERIFY_JOB] = _verify_job(plan)
    for channel in plan.channels:
        needs = [VERIFY_JOB]
        if channel == "registry":  # the registry checks the packages server.json names: publish them first
            needs += [c for c in plan.channels if c != "registry"]
        jobs[channel] = _CHANNEL_JOBS[channel](plan, needs)
    workflow = CommentedMap()
    workflow["name"] = f"Release {spec.name}"
    workflow["on"] = {"push": {"tags": [TAG_PATTERN]}}
    workflow["permissions"] = {"contents": "read"}
    workflow["concurrency"] = {"group": "release-${{ github.ref }}", "cancel-in-progress": False}
    workflow["jobs"] = jobs
    workflow.yaml_set_start_comment(
        f"Written by `mcpship ci init --github` (mcpship {__version__}). Runs on a version tag:\n"
        "  git tag v1.2.0 && git push origin v1.2.0\n"
        "Builds and verifies every artifact once, then publishes it to each channel the spec enables.\n"
        "Actions are pinned to commit SHAs (the version is in the comment); regenerate with --force."
    )
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(_to_commented(workflow), out)
    return out.getvalue()


def _to_commented(value: Any) -> Any:
    """Plain dicts and lists as ruamel's commented types (block style, keys in order)."""
    if isinstance(value, CommentedMap):
        for key in value:
            value[key] = _to_commented(value[key])
        return value
    if isinstance(value, dict):
        return _to_commented(CommentedMap(value))
    if isinstance(value, list) and not isinstance(value, CommentedSeq):
        return CommentedSeq([_to_commented(item) for item in value])
    return value


def _uses(action: str, **inputs: Any) -> CommentedMap:
    pin = ACTIONS[action]
    step = CommentedMap()
    step["uses"] = pin.uses
    step.yaml_add_eol_comment(pin.version, "uses")
    if inputs:
        step["with"] = inputs
    return step


def _run(name: str, script: str, **env: str) -> CommentedMap:
    step = CommentedMap()
    step["name"] = name
    step["run"] = LiteralScalarString(script) if "\n" in script else script
    if env:
        step["env"] = env
    return step


def _install_mcpship() -> CommentedMap:
    return _run("Install mcpship", f"uv tool install 'mcpship=={__version__}'")


def _verify_job(plan: _Plan) -> CommentedMap:
    spec = plan.resolved.spec
    node = spec.run.runtime == "node" or "npm" in plan.channels
    job = CommentedMap()
    job["name"] = "Build and verify"
    job["runs-on"] = "ubuntu-latest"
    if plan.project:
        job["defaults"] = {"run": {"working-directory": plan.project}}
    steps = [
        _uses("checkout", **{"persist-credentials": False}),
        _uses("setup-python", **{"python-version": PYTHON_VERSION}),
        _uses("setup-uv"),
    ]
    if node:
        steps.append(_uses("setup-node", **{"node-version": NODE_VERSION}))
        lockfile = (plan.resolved.root / "package-lock.json").is_file()
        steps.append(_run("Install the server's dependencies", "npm ci" if lockfile else "npm install"))
    steps += [
        _install_mcpship(),
        _run(
            "Check the tag is the project's version",
            'version="$(mcpship spec --json | python3 -c \'import json, sys; print(json.load(sys.stdin)["result"]'
            '["version"])\')"\n'
            'if [ "v$version" != "$GITHUB_REF_NAME" ]; then\n'
            '  echo "::error::the tag $GITHUB_REF_NAME is not v$version, the version the project builds"\n'
            "  exit 1\n"
            "fi\n",
        ),
        _run("Check the interface lock, build every target, verify every artifact", "mcpship ship"),
        _uses(
            "upload-artifact",
            name=_ARTIFACT,
            path=str(PurePosixPath(plan.project or ".") / "dist"),
            **{"if-no-files-found": "error"},
        ),
    ]
    job["steps"] = steps
    return job


def _publish_job(name: str, needs: list[str], permissions: dict[str, str], steps: list[Any]) -> CommentedMap:
    job = CommentedMap()
    job["name"] = name
    job["needs"] = needs
    job["runs-on"] = "ubuntu-latest"
    job["permissions"] = permissions
    job["steps"] = [_uses("download-artifact", name=_ARTIFACT, path=_ARTIFACT), _uses("setup-uv"), *steps]
    return job


def _pypi_job(plan: _Plan, needs: list[str]) -> CommentedMap:
    job = _publish_job(
        "Publish to PyPI (trusted publishing)",
        needs,
        {"contents": "read", "id-token": "write"},
        [_install_mcpship(), _run("Upload the wheel and sdist", "mcpship publish dist --channel pypi")],
    )
    job.insert(3, "environment", "pypi")  # a PyPI trusted publisher can require this environment
    return job


def _npm_job(plan: _Plan, needs: list[str]) -> CommentedMap:
    publish = _run(
        "Publish the package with provenance",
        "mcpship publish dist --channel npm",
        NODE_AUTH_TOKEN="${{ secrets.NPM_TOKEN }}",
        NPM_CONFIG_PROVENANCE="true",
    )
    return _publish_job(
        "Publish to npm (with provenance)",
        needs,
        {"contents": "read", "id-token": "write"},
        [
            _uses("setup-node", **{"node-version": NODE_VERSION, "registry-url": "https://registry.npmjs.org"}),
            _install_mcpship(),
            publish,
        ],
    )


def _oci_job(plan: _Plan, needs: list[str]) -> CommentedMap:
    assert plan.image is not None
    ghcr = plan.image.startswith("ghcr.io/")
    credentials = (
        {"REGISTRY_USERNAME": "${{ github.actor }}", "REGISTRY_PASSWORD": "${{ github.token }}"}
        if ghcr
        else {
            "REGISTRY_USERNAME": "${{ secrets.REGISTRY_USERNAME }}",
            "REGISTRY_PASSWORD": "${{ secrets.REGISTRY_PASSWORD }}",
        }
    )
    push = _run(
        "Push the image (tagged with the version)",
        "printf '%s\\n' \"$REGISTRY_PASSWORD\" |\n"
        '  mcpship publish dist --channel oci --to "$IMAGE" --username "$REGISTRY_USERNAME" --password-stdin\n',
        IMAGE=plan.image,
        **credentials,
    )
    permissions = {"contents": "read", "packages": "write"} if ghcr else {"contents": "read"}
    return _publish_job("Push the image" + (" to GHCR" if ghcr else ""), needs, permissions, [_install_mcpship(), push])


def _github_release_job(plan: _Plan, needs: list[str]) -> CommentedMap:
    attach = _run(
        "Attach the MCPB bundles to the release server.json points at",
        "mcpship publish dist --channel github-release",
        GITHUB_TOKEN="${{ github.token }}",
    )
    return _publish_job(
        "Attach the MCPB bundles to the GitHub release",
        needs,
        {"contents": "write"},
        [
            _install_mcpship(),
            attach,
        ],
    )


def _registry_job(plan: _Plan, needs: list[str]) -> CommentedMap:
    name = plan.resolved.spec.name
    if name.startswith("io.github."):
        login = _run("Log in to the MCP registry (GitHub OIDC)", "mcpship login github-oidc")
    else:
        login = _run(
            "Log in to the MCP registry (DNS proof)",
            'umask 077\nprintf \'%s\\n\' "$MCP_REGISTRY_KEY" > "$RUNNER_TEMP/registry-key"\n'
            'mcpship login dns --domain "$DOMAIN" --private-key-file "$RUNNER_TEMP/registry-key"\n',
            DOMAIN=_domain(name.split("/", 1)[0]),
            MCP_REGISTRY_KEY="${{ secrets.MCP_REGISTRY_KEY }}",
        )
    return _publish_job(
        "Publish server.json to the MCP registry",
        needs,
        {"contents": "read", "id-token": "write"},
        [_install_mcpship(), login, _run("Publish server.json", "mcpship publish dist --channel registry")],
    )


_CHANNEL_JOBS = {
    "pypi": _pypi_job,
    "npm": _npm_job,
    "oci": _oci_job,
    "github-release": _github_release_job,
    "registry": _registry_job,
}

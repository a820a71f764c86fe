"""``mcpship release``: check → bump → lock → commit → build → verify → publish → tag, resumable.

Each step either completes or stops the release with its own error (its class and exit code) and the hint "fix
it, then `mcpship release --resume`". What is done is kept in ``.mcpship/release.json`` inside the project
(:data:`STATE_FILE`, written atomically; the folder carries its own ``.gitignore``, so git never sees it): the
target version, the steps done and what was published. ``--resume`` continues at the first unfinished step with
the same version; publishing again skips what each channel already holds (the channels compare checksums), so
nothing is uploaded twice or overwritten. A finished release removes the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from mcpship._exceptions import McpshipError, ReleaseError, UsageError, VersionError
from mcpship._reporter import NullReporter, Reporter
from mcpship.channels.publish import PublishOptions
from mcpship.pipeline.release_git import git, in_git_repo, refuse_dirty_tree
from mcpship.pipeline.release_state import (
    STATE_FILE,
    ReleaseState,
    load_state,
    merged_options,
    options_to_state,
    save_state,
    state_path,
)
from mcpship.versioning import BumpLevel, PreLabel

__all__ = [
    "STATE_FILE",
    "STEPS",
    "ReleaseOutcome",
    "ReleaseRequest",
    "StepResult",
    "implied_channels",
    "release_project",
]

STEPS = ("check", "bump", "lock", "commit", "build", "verify", "publish", "tag")

Level = BumpLevel | Literal["auto"]
StepStatus = Literal["done", "skipped", "failed", "not-run", "would-run"]


@dataclass(frozen=True)
class ReleaseRequest:
    """What ``mcpship release`` was asked for; ``level`` None only with ``resume``."""

    level: Level | None = None
    pre: PreLabel | None = None
    channels: Sequence[str] | None = None
    """Narrow the channels the spec's targets imply (None: all of them)."""
    options: PublishOptions = field(default_factory=PublishOptions)
    resume: bool = False
    dry_run: bool = False
    commit: bool = True
    tag: bool = True
    force: bool = False
    """Bump as asked even when the interface changes since the last release tag need more (``bump --force``)."""
    outdir: Path | None = None
    """The build folder (default: ``dist`` in the project)."""
    config: Mapping[str, str] | None = None
    timeout: float = 180.0


@dataclass(frozen=True)
class StepResult:
    step: str
    status: StepStatus
    detail: str = ""


@dataclass(frozen=True)
class PublishedRow:
    channel: str
    name: str
    status: str
    url: str


@dataclass(frozen=True)
class ReleaseOutcome:
    root: Path
    previous: str
    version: str
    tag: str
    steps: list[StepResult]
    published: list[PublishedRow] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    resumed: bool = False
    dry_run: bool = False
    error: McpshipError | None = None
    """The failure that stopped the release (its hint says to fix it and ``--resume``); None when it finished."""
    state_file: Path | None = None
    """Where the unfinished release is kept (None once it finished, or on a dry run)."""


# -- channels ----------------------------------------------------------------------------------------------------


def implied_channels(targets: Mapping[str, Mapping[str, object]], options: PublishOptions) -> list[str]:
    """The channels a project's targets imply: pypi and npm for their targets, oci when a destination is given,
    github-release for MCPB bundles whose server.json URL is a GitHub release, registry for server.json."""
    from mcpship.channels.publish import CHANNELS

    server_json = targets.get("server-json")
    mcpb_url = str((server_json or {}).get("mcpb_url") or "")
    wanted = {
        "pypi": "pypi" in targets,
        "npm": "npm" in targets,
        "oci": "oci" in targets and options.oci is not None,
        "github-release": "mcpb" in targets and mcpb_url.startswith("https://github.com/"),
        "registry": server_json is not None,
    }
    return [name for name in CHANNELS if wanted.get(name)]


def _choose_channels(
    targets: Mapping[str, Mapping[str, object]], options: PublishOptions, narrowed: Sequence[str] | None
) -> list[str]:
    implied = implied_channels(targets, options)
    if narrowed is None:
        return implied
    from mcpship.channels.publish import CHANNELS

    unknown = [name for name in narrowed if name not in CHANNELS]
    if unknown or not narrowed:
        raise UsageError(
            f"unknown channel(s) in --channel: {', '.join(unknown)}" if unknown else "--channel names no channel",
            hint=f"choose among {', '.join(CHANNELS)}, comma-separated (--channel pypi,registry)",
        )
    if "oci" in narrowed and options.oci is None:
        raise UsageError("--channel oci needs --to", hint="give the destination: --to REGISTRY/NAME[:TAG]")
    outside = [name for name in narrowed if name not in implied and name != "oci"]
    if outside:
        raise UsageError(
            f"--channel {', '.join(outside)}: the project's targets do not build for it"
            f" (they imply {', '.join(implied) or 'no channel'})",
            hint="add the target to [targets] in mcpship.toml, or leave that channel out",
        )
    return [name for name in CHANNELS if name in narrowed]


# -- the release -------------------------------------------------------------------------------------------------


def release_project(
    directory: Path | str = ".",
    request: ReleaseRequest = ReleaseRequest(),
    *,
    reporter: Reporter | None = None,
    environ: Mapping[str, str] | None = None,
) -> ReleaseOutcome:
    """Run the release steps in order, or continue an unfinished release (``request.resume``).

    Refusals before anything changes (an unfinished release without ``resume``, ``resume`` with none, an unknown
    channel) raise; a step that fails ends the run and is returned in :attr:`ReleaseOutcome.error` with the
    steps before it, the state kept for ``--resume``."""
    from mcpship.spec.load import load_spec
    from mcpship.spec.names import refuse_placeholder_name

    reporter = reporter or NullReporter()
    resolved = load_spec(directory)
    root = resolved.root
    refuse_placeholder_name(resolved.spec.name, root=root, source=resolved.source)
    state = load_state(root)
    if state is not None and not request.resume:
        raise ReleaseError(
            f"{root}: the release of {state.version} is unfinished (done: {', '.join(state.done) or 'nothing'};"
            f" kept in {state_path(root)})",
            hint=f"continue it with `mcpship release --resume`, or delete {state_path(root)} to start over",
        )
    if state is None and request.resume:
        raise ReleaseError(
            f"{root}: no unfinished release to resume ({state_path(root)} does not exist)",
            hint="start one: mcpship release major|minor|patch",
        )
    if state is not None:
        if request.level is not None:
            raise UsageError(
                "--resume continues the unfinished release with its version; it takes no bump level",
                hint="drop the level: mcpship release --resume",
            )
        options = merged_options(state.options, request.options)
        request = replace(request, options=options, commit=state.commit, tag=state.make_tag)
        if state.outdir is not None and request.outdir is None:
            request = replace(request, outdir=Path(state.outdir))
    elif request.level is None:
        raise UsageError("no bump level given", hint="name one: mcpship release major|minor|patch|auto")
    outdir = (request.outdir or root / "dist").resolve()
    channels = _choose_channels(resolved.spec.targets, request.options, request.channels)
    if state is not None and request.channels is None:
        channels = list(state.channels)
    run = _Run(root, request, outdir, channels, reporter, dict(os.environ if environ is None else environ))
    return run.go(state)


class _Run:
    def __init__(
        self,
        root: Path,
        request: ReleaseRequest,
        outdir: Path,
        channels: list[str],
        reporter: Reporter,
        environ: dict[str, str],
    ) -> None:
        self.root, self.request, self.outdir, self.channels = root, request, outdir, channels
        self.reporter, self.environ = reporter, environ
        self.git = in_git_repo(root)
        self.steps: list[StepResult] = []

    def go(self, state: ReleaseState | None) -> ReleaseOutcome:
        resumed = state is not None
        if state is None:
            state = self._plan()
            if self.request.dry_run:
                return self._dry_run(state)
        else:
            self._prepare_resume(state)
            if self.request.dry_run:
                return self._dry_run(state, resumed=True)
        actions: dict[str, Callable[[ReleaseState], str | None]] = {
            "check": lambda s: "spec valid, versions in sync, work tree clean",  # done by _plan, before the state
            "bump": self._bump,
            "lock": self._lock,
            "commit": self._commit,
            "build": self._build,
            "verify": self._verify,
            "publish": self._publish,
            "tag": self._tag,
        }
        error: McpshipError | None = None
        for name in STEPS:
            if error is not None:
                self.steps.append(StepResult(name, "not-run"))
                continue
            if name in state.done:
                earlier = "done before --resume" if resumed else "spec valid, versions in sync, work tree clean"
                self.steps.append(StepResult(name, "done", earlier))
                continue
            self.reporter.step(f"release {state.version}: {name}")
            try:
                detail = actions[name](state)
            except McpshipError as exc:
                self.steps.append(StepResult(name, "failed", (exc.message.splitlines() or [""])[0][:300]))
                error = _with_resume_hint(name, exc)
                save_state(self.root, state)
                continue
            state.done.append(name)
            save_state(self.root, state)
            self.steps.append(StepResult(name, "skipped" if detail is None else "done", detail or _skip_reason(name)))
        if error is None:
            state_path(self.root).unlink(missing_ok=True)
        return self._outcome(state, resumed=resumed, error=error)

    def _prepare_resume(self, state: ReleaseState) -> None:
        """Before continuing: a fix made since the stop must be committed (the tag marks what was built), and until
        something is published, build and verify run again so that they see the fix."""
        if state.commit and "commit" in state.done:
            refuse_dirty_tree(self.root, self.outdir, resuming=True)
        if "publish" not in state.done and not state.published:
            state.done = [name for name in state.done if name not in ("build", "verify")]

    def _outcome(self, state: ReleaseState, *, resumed: bool, error: McpshipError | None) -> ReleaseOutcome:
        rows = [PublishedRow(**row) for row in state.published]
        return ReleaseOutcome(
            root=self.root,
            previous=state.previous,
            version=state.version,
            tag=state.tag,
            steps=self.steps,
            published=rows,
            channels=list(state.channels),
            resumed=resumed,
            dry_run=self.request.dry_run,
            error=error,
            state_file=state_path(self.root) if error is not None else None,
        )

    # -- check and plan ------------------------------------------------------------------------------------------

    def _plan(self) -> ReleaseState:
        from mcpship.versioning import bump_project, check_versions_in_sync

        self.reporter.step("release: checking the spec, the versions and the git work tree")
        report = check_versions_in_sync(self.root)
        if not report.in_sync:
            raise report.error()
        if self.git:
            refuse_dirty_tree(self.root, self.outdir)
        level = self.request.level
        assert level is not None
        # As `mcpship bump`: auto takes the level the interface changes since the last release tag require, and an
        # explicit level too small for them is refused with the rule ids (unless forced).
        plan = bump_project(
            self.root, level, pre=self.request.pre, dry_run=True, check_interface=not self.request.force,
            env=self.request.config, timeout=self.request.timeout,
        )  # fmt: skip
        state = ReleaseState(
            previous=str(plan.current),
            version=str(plan.new),
            tag=plan.tag,
            channels=list(self.channels),
            options=options_to_state(self.request.options),
            commit=self.request.commit and self.git,
            make_tag=self.request.tag and self.request.commit and self.git,
            outdir=str(self.outdir) if self.request.outdir is not None else None,
            done=["check"],
            interface=plan.interface,
        )
        if not self.request.dry_run:
            save_state(self.root, state)  # from here on, a new `release` is refused and `--resume` continues
        return state

    def _dry_run(self, state: ReleaseState, *, resumed: bool = False) -> ReleaseOutcome:
        for name in STEPS:
            if name in state.done:
                self.steps.append(StepResult(name, "done", "checked" if name == "check" and not resumed else ""))
            elif (name == "commit" and not state.commit) or (name == "tag" and not state.make_tag):
                self.steps.append(StepResult(name, "skipped", _skip_reason(name)))
            else:
                self.steps.append(StepResult(name, "would-run", _would(name, state)))
        return self._outcome(state, resumed=resumed, error=None)

    # -- the steps: each returns a one-line detail, or None when it had nothing to do ------------------------------

    def _bump(self, state: ReleaseState) -> str | None:
        from mcpship.versioning import apply_bump, check_versions_in_sync, plan_bump

        report = check_versions_in_sync(self.root)
        if report.in_sync and report.reference is not None and report.reference.value is not None:
            current = report.reference.value
            if _same_version(current, state.version):
                return f"{state.previous} -> {state.version} (already written)"
        plan = plan_bump(self.root, "patch", from_version=state.previous)
        plan = replace(plan, new=_parse(state.version))
        plan = replace(
            plan,
            changes=[
                replace(change, new=None if change.new is None else plan.new.render(change.place.scheme))
                for change in plan.changes
            ],
        )
        apply_bump(plan)
        shown = f" ({state.interface})" if state.interface else ""
        return f"{state.previous} -> {state.version} in {len(plan.changes)} place(s){shown}"

    def _lock(self, state: ReleaseState) -> str | None:
        from mcpship.interface.project import lock_project

        outcome = lock_project(self.root, env=self.request.config, timeout=self.request.timeout, reporter=self.reporter)
        return f"{outcome.path.name} written ({outcome.lock.digest[:19]}…)"

    def _commit(self, state: ReleaseState) -> str | None:
        if not state.commit:
            return None
        from mcpship.interface.lock import LOCK_FILE

        git(self.root, "add", "--update", "--", ".", ":(exclude).mcpship")
        git(self.root, "add", "--", LOCK_FILE)
        staged = git(self.root, "diff", "--cached", "--quiet", check=False)
        if staged.returncode != 0:
            git(self.root, "commit", "--quiet", "-m", f"release {state.tag}")
        state.commit_sha = git(self.root, "rev-parse", "HEAD").stdout.strip()
        return f"release {state.tag} ({state.commit_sha[:12]})"

    def _build(self, state: ReleaseState) -> str | None:
        from mcpship.pipeline.driver import build_project

        if state.commit:
            state.commit_sha = git(self.root, "rev-parse", "HEAD").stdout.strip()  # what the tag will mark
        built = build_project(self.root, outdir=self.outdir, reporter=self.reporter)
        return f"{len(built.artifacts)} artifact(s) in {built.outdir}"

    def _verify(self, state: ReleaseState) -> str | None:
        from mcpship.verify import verify_dist

        results = verify_dist(
            self.outdir, project=self.root, config=self.request.config, timeout=self.request.timeout,
            reporter=self.reporter,
        )  # fmt: skip
        ok = sum(1 for result in results if result.status == "ok")
        return f"{ok} of {len(results)} artifact(s) ran and matched the lock"

    def _publish(self, state: ReleaseState) -> str | None:
        from mcpship.channels.publish import publish_channels

        if not state.channels:
            return None
        run = publish_channels(self.outdir, state.channels, self.request.options, environ=self.environ)
        rows = [
            {"channel": result.channel, "name": item.name, "status": item.status, "url": item.url}
            for result in run.results
            for item in result.items
        ]
        seen = {(row["channel"], row["name"]) for row in rows}
        state.published = [row for row in state.published if (row["channel"], row["name"]) not in seen] + rows
        failure = run.failure
        if failure is not None and failure.error is not None:
            error = failure.error
            error.message = f"{failure.channel}: {error.message}"
            error.args = (error.message,)
            raise error
        return ", ".join(f"{result.channel} {result.status}" for result in run.results)

    def _tag(self, state: ReleaseState) -> str | None:
        if not state.make_tag:
            return None
        commit = state.commit_sha or git(self.root, "rev-parse", "HEAD").stdout.strip()
        existing = git(self.root, "rev-parse", "--verify", "--quiet", f"refs/tags/{state.tag}^{{commit}}", check=False)
        if existing.returncode == 0:
            if existing.stdout.strip() == commit:
                return f"{state.tag} (already there)"
            raise ReleaseError(
                f"the tag {state.tag} exists on {existing.stdout.strip()[:12]}, not on the release commit"
                f" {commit[:12]}",
                hint=f"check which is right; to move it: git tag -d {state.tag}",
            )
        git(self.root, "tag", "-a", state.tag, "-m", f"release {state.tag}", commit)
        return f"{state.tag} on {commit[:12]} (push it: git push origin {state.tag})"


def _parse(text: str) -> Any:
    from mcpship.versioning import parse_any

    return parse_any(text, where="the release state")


def _same_version(place_value: str, version: str) -> bool:
    try:
        return bool(_parse(place_value) == _parse(version))
    except VersionError:
        return False


def _skip_reason(step: str) -> str:
    return {
        "commit": "not a git repository, or --no-commit",
        "tag": "not a git repository, --no-tag or --no-commit",
        "publish": "the project's targets imply no channel",
    }.get(step, "")


def _would(step: str, state: ReleaseState) -> str:
    return {
        "bump": f"{state.previous} -> {state.version}" + (f" ({state.interface})" if state.interface else ""),
        "commit": f'git commit -m "release {state.tag}"',
        "publish": ", ".join(state.channels) or "no channel",
        "tag": f"git tag -a {state.tag}",
    }.get(step, "")


def _with_resume_hint(step: str, error: McpshipError) -> McpshipError:
    """The step's own error (class, exit code), saying where the release stopped and how to continue."""
    error.message = f"release stopped at {step}: {error.message}"
    error.args = (error.message,)
    resume = "then `mcpship release --resume` (what is done is kept; publishing skips what is already there)"
    error.hint = f"{error.hint}; {resume}" if error.hint else f"fix the problem above, {resume}"
    return error

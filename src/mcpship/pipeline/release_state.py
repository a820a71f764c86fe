"""The state of an unfinished ``mcpship release``: ``.mcpship/release.json`` in the project, written atomically,
in a folder whose own ``.gitignore`` keeps it out of git. It holds the target version, the steps done, the commit
built, the channels and their destinations (never a credential) and what was published."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mcpship._atomic import write_text_atomic
from mcpship._exceptions import ReleaseError
from mcpship.channels.publish import OciDestination, PublishOptions, RegistryDestination

__all__ = ["STATE_FILE", "ReleaseState", "load_state", "merged_options", "options_to_state", "save_state", "state_path"]

STATE_FILE = Path(".mcpship") / "release.json"
_STATE_SCHEMA = 1
_MAX_STATE_BYTES = 1 << 20


@dataclass
class ReleaseState:
    previous: str
    version: str
    tag: str
    channels: list[str]
    options: dict[str, Any]
    commit: bool
    make_tag: bool
    outdir: str | None
    done: list[str] = field(default_factory=list)
    commit_sha: str | None = None
    published: list[dict[str, str]] = field(default_factory=list)
    interface: str | None = None
    """What the interface changes since the last release tag asked for (shown with the bump)."""
    started: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    def to_json(self) -> str:
        document = {"schema": _STATE_SCHEMA, **self.__dict__}
        return json.dumps(document, indent=2, sort_keys=True) + "\n"


def state_path(root: Path) -> Path:
    return root / STATE_FILE


def save_state(root: Path, state: ReleaseState) -> None:
    folder = state_path(root).parent
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        write_text_atomic(ignore, "# mcpship's own files (the state of an unfinished release): never committed\n*\n")
    write_text_atomic(state_path(root), state.to_json())


def load_state(root: Path) -> ReleaseState | None:
    path = state_path(root)
    if not path.exists():
        return None
    broken = ReleaseError(
        f"{path}: not a release state mcpship can read",
        hint=f"delete {path} to start over (what was published stays published; a new release skips it)",
    )
    try:
        if path.stat().st_size > _MAX_STATE_BYTES:
            raise broken
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise broken from exc
    if not isinstance(document, dict) or document.pop("schema", None) != _STATE_SCHEMA:
        raise broken
    try:
        state = ReleaseState(**document)
    except TypeError as exc:
        raise broken from exc
    if not all(isinstance(getattr(state, name), str) for name in ("previous", "version", "tag")):
        raise broken
    return state


# -- publish options kept for --resume (never a secret) ----------------------------------------------------------


def options_to_state(options: PublishOptions) -> dict[str, Any]:
    return {
        "pypi": {"repository_url": options.pypi.repository_url, "index_url": options.pypi.index_url},
        "npm": {"registry": options.npm.registry, "tag": options.npm.tag},
        "oci": None if options.oci is None else {"to": options.oci.to, "insecure": options.oci.insecure},
        "registry": {"registry": options.registry.registry},
    }


def merged_options(stored: Mapping[str, Any], given: PublishOptions) -> PublishOptions:
    """The destinations of the first run, each replaced by the one given again on ``--resume``."""
    default = PublishOptions()
    pypi, npm, registry = given.pypi, given.npm, given.registry
    saved_pypi, saved_npm = stored.get("pypi") or {}, stored.get("npm") or {}
    if pypi.repository_url == default.pypi.repository_url and pypi.index_url is None:
        pypi = replace(
            pypi,
            repository_url=str(saved_pypi.get("repository_url") or pypi.repository_url),
            index_url=saved_pypi.get("index_url"),
        )
    if npm.registry is None and npm.tag is None:
        npm = replace(npm, registry=saved_npm.get("registry"), tag=saved_npm.get("tag"))
    oci = given.oci
    saved_oci = stored.get("oci")
    if oci is None and isinstance(saved_oci, dict) and saved_oci.get("to"):
        oci = OciDestination(str(saved_oci["to"]), insecure=bool(saved_oci.get("insecure")))
    if registry.registry is None:
        registry = RegistryDestination((stored.get("registry") or {}).get("registry"))
    return replace(given, pypi=pypi, npm=npm, oci=oci, registry=registry)

"""Every place a project's version lives, found from the files' own rules.

Python: ``[project].version`` in pyproject.toml, or, when it is dynamic, the file the build backend reads (hatch's
``[tool.hatch.version] path``, setuptools' ``attr:``/``file:``, flit's module, pdm's ``path``), or the git tag
(setuptools-scm, hatch-vcs, pdm ``scm``: nothing to write); plus a literal ``__version__`` in the package's
``__init__.py`` / ``__about__.py`` / ``_version.py``. Node: package.json ``version``, package-lock.json ``version``
and ``packages[""].version``. mcpship: ``version`` in mcpship.toml or ``[tool.mcpship]`` when set. Channels: a
``server.json`` in the project (``version`` and the server's own ``packages[].version``), an MCPB ``manifest.json``,
and a Dockerfile's ``ARG VERSION=`` / ``LABEL org.opencontainers.image.version=``.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcpship._exceptions import VersionError
from mcpship._safe_load import MAX_LOCKFILE_BYTES, read_bytes
from mcpship.versioning.formats import Locator, read_value, regex_matches
from mcpship.versioning.next_version import Scheme

__all__ = ["GIT_TAG", "ProjectFile", "VersionPlace", "find_version_places"]

GIT_TAG = "from git tags: the release tag sets it"
_BOM = b"\xef\xbb\xbf"
_MODULE_FILES = ("__init__.py", "__about__.py", "_version.py", "version.py")
_MAX_PACKAGE_DIRS = 20
_VCS_BACKENDS = ("setuptools_scm", "setuptools-scm", "hatch-vcs", "hatch_vcs", "versioningit", "dunamai")


@dataclass(frozen=True)
class ProjectFile:
    """A file's bytes as read (to refuse writing over a later change) and its text."""

    path: Path
    data: bytes

    @property
    def text(self) -> str:
        return _decode(self.path, self.data)


@dataclass(frozen=True)
class VersionPlace:
    """One version value: the file, the field as a human names it, its scheme, and its value (None for a version
    the git tag sets)."""

    file: Path
    field: str
    scheme: Scheme
    value: str | None
    locator: Locator | None
    """How to find the value again; None when there is nothing to write (the git tag sets it)."""

    def relative(self, root: Path) -> str:
        try:
            return str(self.file.relative_to(root))
        except ValueError:
            return str(self.file)


def find_version_places(directory: Path | str) -> tuple[list[VersionPlace], dict[Path, ProjectFile]]:
    """Every version place of the project in ``directory`` (the package manifest first), and the files as read."""
    root = Path(directory).resolve()
    if not root.is_dir():
        raise VersionError(f"{directory}: not a directory", hint="pass the folder that holds your MCP server project")
    finder = _Finder(root)
    finder.python()
    finder.node()
    finder.mcpship_toml()
    finder.server_json()
    finder.mcpb_manifest()
    finder.dockerfiles()
    if not finder.places:
        raise VersionError(
            f"{root}: no version found (no pyproject.toml, package.json or mcpship.toml with a version)",
            hint='set [project].version in pyproject.toml or "version" in package.json',
        )
    return finder.places, finder.files


class _Finder:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.places: list[VersionPlace] = []
        self.files: dict[Path, ProjectFile] = {}

    def _read(self, path: Path, *, max_bytes: int | None = None) -> ProjectFile | None:
        if not path.is_file():
            return None
        if path.is_symlink():  # written through to its target, which must be the project's own file
            target = path.resolve()
            if not target.is_relative_to(self.root):
                raise VersionError(f"{path}: is a link to {target}, outside the project", hint=_OUTSIDE_HINT)
            path = target
        if path not in self.files:
            data = read_bytes(path, error=VersionError, **({"max_bytes": max_bytes} if max_bytes else {}))
            self.files[path] = ProjectFile(path, data)
        return self.files[path]

    def _add(self, path: Path, field: str, scheme: Scheme, locator: Locator, *, required: bool = False) -> None:
        file = self.files[path.resolve() if path.is_symlink() else path]
        path = file.path
        value = read_value(locator, file.text)
        if value is None:
            if required:
                raise VersionError(
                    f"{path}: {field} holds no version string", hint=f"set {field} to the version, e.g. 0.1.0"
                )
            return
        self.places.append(VersionPlace(path, field, scheme, value, locator))

    # -- Python ----------------------------------------------------------------------------------------------

    def python(self) -> None:
        pyproject = self.root / "pyproject.toml"
        file = self._read(pyproject)
        if file is None:
            return
        document = _toml(file)
        project = document.get("project")
        if isinstance(project, dict):
            dynamic = project.get("dynamic", [])
            if isinstance(dynamic, list) and "version" in dynamic:
                self._dynamic_version(document, pyproject)
            else:
                self._add(pyproject, "[project].version", "pep440", Locator("toml", ("project", "version")))
            self._module_versions(document, project)
        tool = document.get("tool")
        table = tool.get("mcpship") if isinstance(tool, dict) else None
        if isinstance(table, dict) and "version" in table:
            self._add(pyproject, "[tool.mcpship].version", "pep440", Locator("toml", ("tool", "mcpship", "version")))

    def _dynamic_version(self, document: dict[str, Any], pyproject: Path) -> None:
        tool = document.get("tool") if isinstance(document.get("tool"), dict) else {}
        assert isinstance(tool, dict)
        hatch = _get(tool, "hatch", "version")
        pdm = _get(tool, "pdm", "version")
        setuptools = _get(tool, "setuptools", "dynamic").get("version")
        system = _get(document, "build-system")
        requires_list = system.get("requires")
        requires = " ".join(str(item) for item in requires_list) if isinstance(requires_list, list) else ""
        if hatch.get("source") == "vcs" or pdm.get("source") == "scm" or "setuptools_scm" in tool:
            return self._git_tag(pyproject)
        if isinstance(hatch.get("path"), str):
            return self._module_file(pyproject, hatch["path"], "[tool.hatch.version].path", ("__version__", "VERSION"))
        if pdm.get("source") == "file" and isinstance(pdm.get("path"), str):
            return self._module_file(pyproject, pdm["path"], "[tool.pdm.version].path", ("__version__",))
        if isinstance(setuptools, dict) and isinstance(setuptools.get("attr"), str):
            module, _, name = setuptools["attr"].rpartition(".")
            return self._setuptools_attr(pyproject, module, name)
        if isinstance(setuptools, dict) and isinstance(setuptools.get("file"), str | list) and setuptools["file"]:
            files = setuptools["file"] if isinstance(setuptools["file"], list) else [setuptools["file"]]
            return self._text_file(pyproject, str(files[0]))
        if any(name in requires for name in _VCS_BACKENDS):
            return self._git_tag(pyproject)
        if "flit" in str(system.get("build-backend", "")):
            module = _get(tool, "flit", "module").get("name") or _get(document, "project").get("name", "")
            return self._setuptools_attr(pyproject, str(module).replace("-", "_"), "__version__")
        raise VersionError(
            f"{pyproject}: [project].version is dynamic and mcpship cannot tell which file sets it",
            hint="make [project].version static, or use [tool.hatch.version] path = ..., or setuptools' "
            "[tool.setuptools.dynamic] version = {attr = ...}",
        )

    def _git_tag(self, pyproject: Path) -> None:
        self.places.append(VersionPlace(pyproject, "[project].version (dynamic)", "pep440", None, None))

    def _module_file(self, pyproject: Path, relative: str, field: str, names: tuple[str, ...]) -> None:
        path = self._inside(relative, pyproject, field)
        file = self._read(path)
        if file is None:
            raise VersionError(f"{pyproject}: {field} names {relative}, which does not exist", hint=f"create {path}")
        for name in names:
            if regex_matches("python", file.text, name):
                self._add(path, name, "pep440", Locator("python", (name,)), required=True)
                return
        raise VersionError(
            f'{path}: no {" or ".join(names)} = "X.Y.Z" line ({pyproject.name} {field} names this file)',
            hint=f'add __version__ = "0.1.0" to {path}',
        )

    def _setuptools_attr(self, pyproject: Path, module: str, name: str) -> None:
        parts = [part for part in module.split(".") if part]
        candidates = (
            [
                candidate
                for base in (self.root / "src", self.root)
                for candidate in (base.joinpath(*parts, "__init__.py"), base.joinpath(*parts[:-1], f"{parts[-1]}.py"))
            ]
            if parts
            else []
        )
        for candidate in candidates:
            if candidate.is_file():
                return self._module_file(pyproject, str(candidate.relative_to(self.root)), "version attr", (name,))
        raise VersionError(
            f"{pyproject}: the dynamic version comes from {module}.{name}, and no {module} module was found under"
            f" {self.root} or {self.root / 'src'}",
            hint="make [project].version static, or point the backend at the module's file",
        )

    def _text_file(self, pyproject: Path, relative: str) -> None:
        path = self._inside(relative, pyproject, "[tool.setuptools.dynamic].version.file")
        if self._read(path) is None:
            raise VersionError(f"{pyproject}: the version file {relative} does not exist", hint=f"create {path}")
        self._add(path, "the file's text", "pep440", Locator("text"), required=True)

    def _inside(self, relative: str, pyproject: Path, field: str) -> Path:
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root):
            raise VersionError(f"{pyproject}: {field} = {relative!r} points outside the project", hint=_OUTSIDE_HINT)
        return path

    def _module_versions(self, document: dict[str, Any], project: dict[str, Any]) -> None:
        """A literal ``__version__`` in the shipped package (what servers report as serverInfo.version)."""
        folders: list[Path] = []
        wheel = _get(document, "tool", "hatch", "build", "targets", "wheel").get("packages", [])
        for entry in wheel if isinstance(wheel, list) else []:
            folders.append(self.root / str(entry))
        name = str(project.get("name", "")).lower().replace("-", "_").replace(".", "_")
        if name:
            folders += [self.root / "src" / name, self.root / name]
        src = self.root / "src"
        if src.is_dir():
            folders += sorted(child for child in src.iterdir() if (child / "__init__.py").is_file())
        seen: set[Path] = {place.file for place in self.places}
        for folder in list(dict.fromkeys(folders))[:_MAX_PACKAGE_DIRS]:
            folder = folder.resolve()
            if not folder.is_relative_to(self.root) or not folder.is_dir():
                continue
            for module in _MODULE_FILES:
                path = folder / module
                if path in seen or not path.is_file():
                    continue
                seen.add(path)
                file = self._read(path)
                if file is not None and len(regex_matches("python", file.text, "__version__")) == 1:
                    self._add(path, "__version__", "pep440", Locator("python", ("__version__",)))

    # -- Node --------------------------------------------------------------------------------------------------

    def node(self) -> None:
        package = self.root / "package.json"
        if self._read(package) is None:
            return
        self._add(package, "version", "semver", Locator("json", ("version",)))
        lock = self.root / "package-lock.json"
        if self._read(lock, max_bytes=MAX_LOCKFILE_BYTES) is not None:
            self._add(lock, "version", "semver", Locator("json", ("version",)))
            self._add(lock, 'packages[""].version', "semver", Locator("json", ("packages", "", "version")))

    # -- mcpship and the channels' manifests -------------------------------------------------------------------

    def mcpship_toml(self) -> None:
        path = self.root / "mcpship.toml"
        file = self._read(path)
        if file is not None and "version" in _toml(file):
            # The spec's version must equal the package's as written (the spec loader compares the strings).
            scheme: Scheme = self.places[0].scheme if self.places else "semver"
            self._add(path, "version", scheme, Locator("toml", ("version",)), required=True)

    def server_json(self) -> None:
        path = self.root / "server.json"
        file = self._read(path)
        if file is None:
            return
        document = _json(file)
        self._add(path, "version", "semver", Locator("json", ("version",)))
        own = self._own_package_names()
        for index, package in enumerate(document.get("packages") or []):
            if not isinstance(package, dict) or not isinstance(package.get("version"), str):
                continue
            kind, identifier = package.get("registryType"), str(package.get("identifier", ""))
            if kind in ("mcpb", "oci") or (kind in own and _same_package(identifier, own[kind])):
                self._add(path, f"packages[{index}].version", "semver", Locator("json", ("packages", index, "version")))

    def _own_package_names(self) -> dict[str, str]:
        """registryType -> this project's package name (pypi from pyproject.toml, npm from package.json)."""
        names: dict[str, str] = {}
        pyproject = self.files.get(self.root / "pyproject.toml")
        if pyproject is not None:
            names["pypi"] = str(_get(_toml(pyproject), "project").get("name", ""))
        package = self.files.get(self.root / "package.json")
        if package is not None:
            names["npm"] = str(_json(package).get("name", ""))
        return names

    def mcpb_manifest(self) -> None:
        path = self.root / "manifest.json"
        file = self._read(path)
        if file is not None and ({"manifest_version", "dxt_version"} & _json(file).keys()):
            self._add(path, "version", "semver", Locator("json", ("version",)))

    def dockerfiles(self) -> None:
        for name in ("Dockerfile", "Containerfile"):
            path = self.root / name
            file = self._read(path)
            if file is None:
                continue
            for index, match in enumerate(regex_matches("dockerfile-arg", file.text)):
                locator = Locator("dockerfile-arg", ("ARG VERSION", index))
                self._add(path, f"ARG VERSION (line {_line(file.text, match.start())})", "semver", locator)
            for index, match in enumerate(regex_matches("dockerfile-label", file.text)):
                locator = Locator("dockerfile-label", ("org.opencontainers.image.version", index))
                field = f"LABEL org.opencontainers.image.version (line {_line(file.text, match.start())})"
                self._add(path, field, "semver", locator)


_OUTSIDE_HINT = "keep the version file inside the project folder"


def _get(document: Any, *keys: str) -> dict[str, Any]:
    for key in keys:
        document = document.get(key) if isinstance(document, dict) else None
    return document if isinstance(document, dict) else {}


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _same_package(identifier: str, name: str) -> bool:
    normalise = (lambda text: re.sub(r"[-_.]+", "-", text).lower()) if name else None
    return normalise is not None and normalise(identifier) == normalise(name)


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.removeprefix(_BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise VersionError(f"{path}: is not UTF-8 ({exc.reason} at byte {exc.start})", hint="save it as UTF-8") from exc


def _toml(file: ProjectFile) -> dict[str, Any]:
    try:
        return tomllib.loads(file.text)
    except tomllib.TOMLDecodeError as exc:
        raise VersionError(f"{file.path}: invalid TOML: {exc}", hint="fix the file's syntax") from exc


def _json(file: ProjectFile) -> dict[str, Any]:
    try:
        document = json.loads(file.text)
    except (ValueError, RecursionError) as exc:
        raise VersionError(f"{file.path}: not valid JSON: {exc}", hint="fix the file's syntax") from exc
    if not isinstance(document, dict):
        raise VersionError(f"{file.path}: expected a JSON object at the top level", hint="fix the file")
    return document

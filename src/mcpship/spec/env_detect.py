"""The environment variables a server's source reads, for ``mcpship init`` to propose as ``[[env]]`` entries.

Python source is parsed with :mod:`ast`: ``os.environ["X"]``, ``os.environ.get("X"[, default])``,
``os.getenv("X"[, default])`` and ``os.environ.setdefault("X", default)`` (also after ``from os import environ,
getenv``). JavaScript and TypeScript are read with a regular expression (no JS parser is among mcpship's
dependencies), a heuristic: ``process.env.X`` and ``process.env["X"]``, with a literal default when ``?? "..."``
or ``|| "..."`` follows, on lines that do not start as a comment. Only names written literally are found.

A variable is proposed as required unless the code gives it a default, and the proposal says where it was seen
(file:line), so the author can judge. Reading is bounded: at most :data:`MAX_FILES` files of at most
:data:`MAX_FILE_BYTES` each; dependency, build, test and hidden folders are skipped.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MAX_FILES", "MAX_FILE_BYTES", "DetectedEnv", "detect_env"]

MAX_FILES = 2000
MAX_FILE_BYTES = 1 << 20
_SKIPPED_DIRS = frozenset(
    {
        "node_modules",
        "__pycache__",
        "site-packages",
        "venv",
        "env",
        "build",
        "dist",
        "coverage",
        "test",
        "tests",
        "__tests__",
        "testing",
        "examples",
        "docs",
    }
)
_PYTHON_SUFFIXES = (".py",)
_NODE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx")
# Set by the operating system or the runtime, never by the user of an MCP server.
_SYSTEM = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "USERNAME",
        "USERPROFILE",
        "LOGNAME",
        "PWD",
        "SHELL",
        "TERM",
        "LANG",
        "TMPDIR",
        "TEMP",
        "TMP",
        "APPDATA",
        "LOCALAPPDATA",
        "PROGRAMDATA",
        "SYSTEMROOT",
        "COMSPEC",
        "PATHEXT",
        "NODE_ENV",
        "NODE_OPTIONS",
        "PYTHONPATH",
        "PYTHONUNBUFFERED",
        "VIRTUAL_ENV",
        "CI",
    }
)
_SECRET_WORDS = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL|_KEY$|^KEY$|AUTH)")
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_LITERAL = r"""(?:"([^"\\\n]{0,200})"|'([^'\\\n]{0,200})'|`([^`\\$\n]{0,200})`)"""
_NODE_READ = re.compile(
    rf"""process\.env(?:\.({_NAME})\b|\[\s*["'`]({_NAME})["'`]\s*\])(\s*(?:\?\?|\|\|)\s*(?:{_LITERAL})?)?"""
)


@dataclass(frozen=True, kw_only=True)
class DetectedEnv:
    name: str
    file: str
    """Where it was first read, relative to the project root (``/``-separated)."""
    line: int
    how: str
    """The expression that reads it, as written in the source (``os.getenv("X")``)."""
    has_default: bool
    """The code gives a fallback (``os.getenv("X", ...)``, ``process.env.X ?? ...``), so it is not required."""
    default: str | None
    """That fallback when it is a literal (a string or a number), else None."""
    secret: bool
    """The name says it holds a credential (TOKEN, SECRET, PASSWORD, API_KEY, ...)."""

    @property
    def required(self) -> bool:
        return not self.has_default


def detect_env(root: Path, runtime: str) -> list[DetectedEnv]:
    """The variables the project's own source reads, in the order first met (files sorted by path)."""
    suffixes = _PYTHON_SUFFIXES if runtime == "python" else _NODE_SUFFIXES if runtime == "node" else ()
    found: dict[str, DetectedEnv] = {}
    for path in _source_files(root, suffixes):
        relative = path.relative_to(root).as_posix()
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            continue
        reads = _python_reads(text) if runtime == "python" else _node_reads(text)
        for read in reads:
            if read.name in _SYSTEM:
                continue
            previous = found.get(read.name)
            if previous is None:
                found[read.name] = _detected(read, relative)
            elif not previous.has_default and read.has_default:  # a fallback anywhere: it is optional
                found[read.name] = _detected(read, previous.file, line=previous.line, how=previous.how)
    return list(found.values())


@dataclass(frozen=True)
class _Read:
    name: str
    line: int
    how: str
    has_default: bool
    default: str | None


def _detected(read: _Read, file: str, *, line: int | None = None, how: str | None = None) -> DetectedEnv:
    return DetectedEnv(
        name=read.name,
        file=file,
        line=line or read.line,
        how=how or read.how,
        has_default=read.has_default,
        default=read.default,
        secret=bool(_SECRET_WORDS.search(read.name.upper())),
    )


def _source_files(root: Path, suffixes: tuple[str, ...]) -> Iterator[Path]:
    """The project's own source files, sorted, at most MAX_FILES of them, each at most MAX_FILE_BYTES."""
    if not suffixes:
        return
    count = 0
    pending = [root]
    while pending and count < MAX_FILES:
        folder = pending.pop(0)
        try:
            entries = sorted(folder.iterdir(), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith(".") or entry.is_symlink():
                continue
            if entry.is_dir():
                if name not in _SKIPPED_DIRS and not (entry / "pyvenv.cfg").exists():
                    pending.append(entry)
            elif name.endswith(suffixes) and not _is_test_file(name) and not name.endswith(".d.ts"):
                try:
                    if entry.stat().st_size > MAX_FILE_BYTES:
                        continue
                except OSError:
                    continue
                count += 1
                yield entry
                if count >= MAX_FILES:
                    return


def _is_test_file(name: str) -> bool:
    stem = name.split(".", 1)[0]
    return (
        stem.startswith("test_") or stem.endswith("_test") or stem == "conftest" or ".test." in name or ".spec." in name
    )


def _python_reads(text: str) -> Iterator[_Read]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    aliases = _os_aliases(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_environ(node.value, aliases):
            name = _literal(node.slice)
            if name is not None and isinstance(node.ctx, ast.Load):
                yield _Read(name, node.lineno, f'os.environ["{name}"]', has_default=False, default=None)
        elif isinstance(node, ast.Call) and node.args:
            name = _literal(node.args[0])
            if name is None:
                continue
            how = _python_call(node.func, aliases)
            if how is None:
                continue
            given = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg), None)
            has_default = given is not None and not (isinstance(given, ast.Constant) and given.value is None)
            yield _Read(name, node.lineno, f'{how}("{name}")', has_default=has_default, default=_default(given))


def _os_aliases(tree: ast.Module) -> dict[str, str]:
    """Local names bound to os, os.environ and os.getenv by imports (``import os as o``, ``from os import ...``)."""
    aliases = {"os": "os"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "os":
                    aliases[alias.asname or "os"] = "os"
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            for alias in node.names:
                if alias.name in ("environ", "getenv"):
                    aliases[alias.asname or alias.name] = alias.name
    return aliases


def _is_environ(node: ast.expr, aliases: dict[str, str]) -> bool:
    if isinstance(node, ast.Name):
        return aliases.get(node.id) == "environ"
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and aliases.get(node.value.id) == "os"
    )


def _python_call(func: ast.expr, aliases: dict[str, str]) -> str | None:
    """``os.getenv``, ``os.environ.get`` or ``os.environ.setdefault`` as written, or None for any other call."""
    if isinstance(func, ast.Name) and aliases.get(func.id) == "getenv":
        return "os.getenv"
    if not isinstance(func, ast.Attribute):
        return None
    if func.attr == "getenv" and isinstance(func.value, ast.Name) and aliases.get(func.value.id) == "os":
        return "os.getenv"
    if func.attr in ("get", "setdefault") and _is_environ(func.value, aliases):
        return f"os.environ.{func.attr}"
    return None


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(_NAME, node.value):
        return node.value
    return None


def _default(node: ast.expr | None) -> str | None:
    """A literal default as the text the variable would hold; None when there is none or it is computed."""
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (str, int, float))
        and not isinstance(node.value, bool)
    ):
        return str(node.value)[:200]
    return None


def _node_reads(text: str) -> Iterator[_Read]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith(("//", "*", "/*")) or "process.env" not in line:
            continue
        for match in _NODE_READ.finditer(line[:4000]):
            name = match.group(1) or match.group(2)
            literal = next((group for group in match.groups()[3:] if group is not None), None)
            how = f"process.env.{name}" if match.group(1) else f'process.env["{name}"]'
            yield _Read(name, number, how, has_default=match.group(3) is not None, default=literal)

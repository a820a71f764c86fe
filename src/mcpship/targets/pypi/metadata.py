"""The checks ``twine check`` makes on built distributions (core metadata parses, long description renders
on PyPI), done in-process with the same libraries (packaging, readme_renderer)."""

from __future__ import annotations

import io
import tarfile
import zipfile
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

from packaging.metadata import ExceptionGroup as MetadataErrors
from packaging.metadata import Metadata

from mcpship._problems import Problem

__all__ = ["check_distribution", "read_core_metadata", "warm_renderers"]


def read_core_metadata(path: Path) -> str:
    """The METADATA (wheel) or PKG-INFO (sdist) text of a built distribution."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
            return wheel.read(name).decode("utf-8")
    with tarfile.open(path, "r:gz") as sdist:
        member = next(m for m in sdist.getmembers() if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO"))
        handle = sdist.extractfile(member)
        assert handle is not None
        return handle.read().decode("utf-8")


def check_distribution(path: Path) -> list[Problem]:
    text = read_core_metadata(path)
    problems: list[Problem] = []
    try:
        Metadata.from_email(text, validate=True)
    except MetadataErrors as errors:
        for error in errors.exceptions:
            problems.append(Problem(file=str(path), path="METADATA", message=f"invalid core metadata: {error}"))
    message = HeaderParser().parsestr(text)
    description = _description(message)
    content_type = message.get("Description-Content-Type")
    if content_type is None:
        problems.append(
            Problem(
                file=str(path),
                path="Description-Content-Type",
                message="missing; PyPI will render the description as reStructuredText",
                hint='set readme = "README.md" in [project] so the content type is recorded',
                severity="warning",
            )
        )
        content_type = "text/x-rst"
    if not description or description.rstrip() == "UNKNOWN":
        problems.append(
            Problem(
                file=str(path),
                path="Description",
                message="the long description is missing",
                hint="declare a README in [project].readme",
                severity="warning",
            )
        )
        return problems
    warnings = io.StringIO()
    if _render(description, content_type, warnings) is None:
        detail = warnings.getvalue().strip()
        problems.append(
            Problem(
                file=str(path),
                path="Description",
                message="the long description has markup errors and would not be rendered on PyPI"
                + (f": {detail}" if detail else ""),
                hint="fix the README markup (the line numbers above are the README's)",
            )
        )
    return problems


def _description(message: Message) -> str:
    body = message.get_payload()
    if isinstance(body, str) and body.strip():
        return body
    header = message.get("Description")
    return str(header) if header else ""


def _render(description: str, content_type: str, warnings: io.StringIO) -> str | None:
    import readme_renderer.markdown
    import readme_renderer.rst
    import readme_renderer.txt

    kind, _, parameters = content_type.partition(";")
    kind = kind.strip().lower()
    if kind == "text/markdown":
        variant = "GFM"
        for parameter in parameters.split(";"):
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "variant" and value.strip():
                variant = value.strip()
        return readme_renderer.markdown.render(description, variant=variant)
    if kind == "text/plain":
        return readme_renderer.txt.render(description)
    return readme_renderer.rst.render(description, stream=warnings)


def warm_renderers() -> None:
    """Import the renderers (docutils is slow to load) ahead of use, e.g. while a build runs."""
    import readme_renderer.markdown
    import readme_renderer.rst
    import readme_renderer.txt  # noqa: F401

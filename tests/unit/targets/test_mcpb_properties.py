"""Properties of the MCPB readers over generated input: any manifest document, any manifest bytes, any small zip
of hostile names and links, any signature bytes give problems (or a model, or an unpacked folder inside its
root), never a traceback and never a file outside the destination."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcpship._exceptions import InvalidArtifactError
from mcpship.targets.mcpb._cms import verify_detached
from mcpship.targets.mcpb.archive import describe, open_bundle
from mcpship.targets.mcpb.manifest import Manifest
from mcpship.targets.mcpb.unpack import unpack_bundle
from mcpship.validate import validate_paths
from mcpship.validate.mcpb import validate_bundle, validate_manifest
from tests.unit.targets.mcpb_zips import FILE, LINK, MANIFEST, Raw, deflated, stored, write_zip

# Deterministic (CI reproduces any failure), no example database written into the work tree, modest counts.
PROPERTIES = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow],
)

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=25,
)
MANIFEST_KEYS = sorted({*MANIFEST, "server", "user_config", "tools", "prompts", "icons", "icon", "compatibility"})


@st.composite
def manifest_like(draw: st.DrawFn) -> object:
    """The valid manifest with some keys replaced, removed or added: near misses reach every validator."""
    document: dict[str, Any] = json.loads(json.dumps(MANIFEST))
    for key in draw(st.lists(st.sampled_from([*MANIFEST_KEYS, "manifest_version", "dxt_version"]), max_size=4)):
        action = draw(st.sampled_from(["replace", "drop", "nest"]))
        if action == "drop":
            document.pop(key, None)
        elif action == "nest" and isinstance(document.get(key), dict):
            document[key][draw(st.text(max_size=8))] = draw(JSON_VALUES)
        else:
            document[key] = draw(JSON_VALUES)
    return document


@PROPERTIES
@given(st.one_of(JSON_VALUES, manifest_like()))
def test_any_manifest_document_gives_problems_or_a_model(document: object) -> None:
    problems = validate_manifest(document, source="manifest.json")
    if not any(problem.severity == "error" for problem in problems):
        Manifest.model_validate(document)  # no error means the model accepts it


@PROPERTIES
@given(st.binary(max_size=300) | st.text(max_size=200).map(str.encode))
def test_any_bytes_as_manifest_json_give_problems_not_a_traceback(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        bundle = write_zip(root / "b.mcpb", [deflated("manifest.json", raw), stored("server/index.js", b"")])
        assert isinstance(validate_bundle(bundle), list)
        loose = root / "manifest.json"
        loose.write_bytes(raw)
        assert isinstance(validate_paths([loose]), list)


NAME_PARTS = st.sampled_from(["a", "A", "b", "..", ".", "", "c\\..", "C:", "d1", "x", "\u00e9", "e\u0301"])
NAMES = st.lists(NAME_PARTS, min_size=1, max_size=4).map("/".join)
TARGETS = st.lists(st.sampled_from(["..", ".", "a", "A", "b", "d1", "x", ""]), min_size=1, max_size=5).map("/".join)
ENTRIES = st.lists(
    st.one_of(
        st.builds(lambda name: stored(name, b"data", FILE), NAMES),
        st.builds(lambda name, target: stored(name, target.encode(), LINK), NAMES, TARGETS | st.just("/etc")),
    ),
    max_size=6,
)


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


@settings(PROPERTIES, max_examples=300)
@given(ENTRIES)
def test_unpacking_a_random_zip_never_writes_outside_and_agrees_with_validate(entries: list[Raw]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        # A bundle three folders deep, so '..' chains have somewhere real to land if anything let them through.
        base = Path(scratch)
        home = base / "p" / "q"
        home.mkdir(parents=True)
        bundle = write_zip(home / "b.mcpb", entries)
        out = home / "out"
        with open_bundle(bundle) as archive:
            findings = [describe(finding.entry, finding.reason) for finding in archive.findings]
        try:
            unpack_bundle(bundle, out)
        except InvalidArtifactError as error:
            refused: str | None = error.message
        else:
            refused = None
        # One rule: unpacking refuses exactly what validate reports, in the same words.
        assert (refused is None) == (not findings)
        if refused is not None:
            assert findings[0] in refused
            assert set(findings) <= {p.message for p in validate_bundle(bundle)}
        outside = sorted(str(p.relative_to(base)) for p in base.rglob("*") if not _under(p, out))
        assert outside == ["p", "p/q", "p/q/b.mcpb"]
        if refused is None:
            for dirpath, dirnames, filenames in os.walk(out):
                for name in [*dirnames, *filenames]:
                    path = Path(dirpath) / name
                    assert _inside(path, out), f"{path} -> {path.readlink() if path.is_symlink() else ''}"
        shutil.rmtree(out, ignore_errors=True)


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


@PROPERTIES
@given(st.binary(max_size=400))
def test_any_bytes_as_a_signature_are_reported_invalid_not_raised(der: bytes) -> None:
    report = verify_detached(lambda name: b"\x00" * 32, der)
    assert report.status == "invalid"
    assert report.errors

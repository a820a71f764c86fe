"""A CycloneDX 1.6 JSON SBOM for each artifact, made and validated with cyclonedx-python-lib.

The artifact is the SBOM's ``metadata.component`` (name, version, purl, its SHA-256); its components are what it
depends on or carries: a wheel or sdist the project's uv.lock / pylock.toml closure, else its ``Requires-Dist``
(ranges recorded as ranges, with no version); an npm tarball its package-lock.json production packages; an MCPB
bundle and an OCI image the packages found inside them (``node_modules``, ``*.dist-info``) with the lock's
digests, and an image its base image by digest. The output is reproducible: the timestamp is the build's
``SOURCE_DATE_EPOCH`` and the serial number is derived from the content.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packageurl import PackageURL
from packaging.utils import canonicalize_name

from mcpship.__about__ import __version__
from mcpship._exceptions import BuildError
from mcpship._problems import Problem
from mcpship.security._contents import ArtifactFacts, read_artifact_facts
from mcpship.security._packages import Package
from mcpship.security._project_deps import dependencies_of
from mcpship.targets._base import Artifact

if TYPE_CHECKING:
    from cyclonedx.model import ExternalReference, HashType, Property
    from cyclonedx.model.component import Component

__all__ = [
    "SBOM_KINDS",
    "SBOM_MEDIA_TYPE",
    "SBOM_SUFFIX",
    "build_sbom",
    "sbom_name",
    "sbom_problems",
    "validate_sbom",
]

SBOM_KINDS = frozenset({"wheel", "sdist", "npm", "mcpb", "oci"})
"""Artifacts that carry software (descriptors such as server.json or a Dockerfile get none)."""
SBOM_SUFFIX = ".cdx.json"
SBOM_MEDIA_TYPE = "application/vnd.cyclonedx+json"
_SERIAL_NAMESPACE = uuid.UUID("6f0e5c0e-7a43-5d1b-9b36-6d6370736869")
_PLACEHOLDER_SERIAL = uuid.UUID(int=0)


@dataclass(frozen=True, kw_only=True)
class SbomInputs:
    root: Path
    """The project: its lock files are read."""
    fallback_name: str
    """The name when the artifact carries none (an OCI image is named after the server)."""
    source_date_epoch: int


def sbom_name(artifact: Artifact) -> str:
    """``notes_py-0.1.0-py3-none-any.whl.cdx.json``: the artifact's file name plus ``.cdx.json``."""
    return artifact.path.name + SBOM_SUFFIX


def build_sbom(artifact: Artifact, inputs: SbomInputs) -> str:
    """The artifact's SBOM as CycloneDX 1.6 JSON, validated; :class:`BuildError` when it cannot be made."""
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.tool import ToolRepository
    from cyclonedx.output.json import JsonV1Dot6

    facts = read_artifact_facts(artifact, fallback_name=inputs.fallback_name)
    root = _artifact_component(artifact, facts)
    components = _components(dependencies_of(artifact.kind, facts, inputs.root))
    if facts.base_image is not None:
        components.append(_base_image_component(*facts.base_image))
    timestamp = datetime.datetime.fromtimestamp(inputs.source_date_epoch, datetime.UTC)
    tool = _component(name="mcpship", version=__version__, kind="application", ref="tool:mcpship")

    def render(serial: uuid.UUID) -> str:
        bom = Bom(
            serial_number=serial,
            metadata=BomMetaData(timestamp=timestamp, component=root, tools=ToolRepository(components=[tool])),
            components=components,
        )
        bom.register_dependency(root, components)
        for component in components:
            bom.register_dependency(component)
        return str(JsonV1Dot6(bom).output_as_string(indent=2)) + "\n"

    draft = render(_PLACEHOLDER_SERIAL)
    text = render(uuid.uuid5(_SERIAL_NAMESPACE, hashlib.sha256(draft.encode()).hexdigest()))
    validate_sbom(text, what=f"the SBOM of {artifact.path.name}")
    return text


def validate_sbom(text: str, *, what: str = "the SBOM") -> None:
    """Validate CycloneDX 1.6 JSON with the library's strict schema validator; :class:`BuildError` if invalid."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise BuildError(
            f"{what} does not validate against the CycloneDX 1.6 schema: {error}",
            hint="this is a bug in mcpship: report it with the artifact; `--no-sbom` builds without SBOMs meanwhile",
        )


_MAX_PROBLEMS = 50
_MAX_FIELD = 1024


def sbom_problems(document: dict[str, Any], *, source: str) -> list[Problem]:
    """Every way a parsed CycloneDX JSON document breaks its ``specVersion``'s strict schema (``mcpship validate``)."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    version = document.get("specVersion")
    try:
        schema = SchemaVersion.from_version(str(version))
    except ValueError:
        known = ", ".join(v.to_version() for v in SchemaVersion)
        return [
            Problem(
                file=source,
                path="$.specVersion",
                message=f"unknown CycloneDX version {str(version)[:40]!r}",
                hint=f"use one of {known}",
            )
        ]
    errors = JsonStrictValidator(schema).validate_str(json.dumps(document), all_errors=True) or []
    problems = []
    for error in itertools.islice(errors, _MAX_PROBLEMS):
        detail = error.data
        path = str(getattr(detail, "json_path", "$"))
        message = str(getattr(detail, "message", detail))[:300]
        problems.append(Problem(file=source, path=path, message=message, hint=f"see the CycloneDX {version} schema"))
    return problems


def _artifact_component(artifact: Artifact, facts: ArtifactFacts) -> Component:
    purl: PackageURL | None
    if artifact.kind in ("wheel", "sdist"):
        qualifiers = {"file_name": artifact.path.name}
        purl = _purl(type="pypi", name=canonicalize_name(facts.name), version=facts.version, qualifiers=qualifiers)
    elif artifact.kind == "npm":
        purl = _npm_purl(facts.name, facts.version)
    elif artifact.kind == "oci" and facts.image_digest:
        qualifiers = {"tag": facts.version}
        purl = _purl(type="oci", name=facts.name.lower(), version=facts.image_digest, qualifiers=qualifiers)
    else:
        qualifiers = {"checksum": f"sha256:{artifact.sha256}"}
        purl = _purl(type="generic", name=facts.name, version=facts.version, qualifiers=qualifiers)
    properties = {"mcpship:artifact-kind": artifact.kind, "mcpship:file": artifact.path.name}
    if artifact.platform:
        properties["mcpship:platform"] = artifact.platform
    return _component(
        name=facts.name,
        version=facts.version,
        kind="container" if artifact.kind == "oci" else "application",
        ref=f"artifact:{artifact.path.name}",
        purl=purl,
        hashes=[("SHA-256", artifact.sha256)],
        properties=properties,
    )


def _components(packages: Iterable[Package]) -> list[Component]:
    components: dict[str, Component] = {}
    for package in packages:
        if len(package.name) > _MAX_FIELD or len(package.version or "") > _MAX_FIELD:
            continue  # no real package is named or versioned so (the schema caps versions at 1024)
        if package.ecosystem == "npm":
            purl = _npm_purl(package.name, package.version)
        else:
            purl = _purl(type="pypi", name=canonicalize_name(package.name), version=package.version)
        properties = {"mcpship:source": package.source}
        if package.requirement is not None:
            properties["mcpship:requirement"] = package.requirement
        ref = purl.to_string() if purl is not None else f"{package.ecosystem}:{package.name}@{package.version}"
        if package.version is None:
            ref += "#" + (package.requirement or "")  # two unresolved ranges of one name are two entries
        components.setdefault(
            ref,
            _component(
                name=package.name,
                version=package.version,
                kind="library",
                ref=ref,
                purl=purl,
                hashes=package.hashes,
                distributions=[(d.url, d.hashes) for d in package.distributions],
                properties=properties,
                optional=package.optional,
            ),
        )
    return [components[ref] for ref in sorted(components)]


def _base_image_component(reference: str, digest: str) -> Component:
    repository = reference.rsplit("@", 1)[0]
    last = repository.rsplit("/", 1)[-1]
    name = last.split(":", 1)[0] if ":" in last else last
    purl = PackageURL(type="oci", name=name.lower(), version=digest, qualifiers={"repository_url": repository})
    return _component(
        name=reference,
        version=digest,
        kind="container",
        ref=f"base-image:{digest}",
        purl=purl,
        properties={"mcpship:role": "base image"},
    )


def _npm_purl(name: str, version: str | None) -> PackageURL | None:
    scope, _, bare = name.rpartition("/")
    return _purl(type="npm", namespace=scope or None, name=bare, version=version)


def _purl(**parts: Any) -> PackageURL | None:
    """A purl, or None for a name no purl can hold (a bundled package.json names ``"foo/"``)."""
    try:
        return PackageURL(**parts)
    except ValueError:
        return None


def _component(
    *,
    name: str,
    version: str | None,
    kind: str,
    ref: str,
    purl: PackageURL | None = None,
    hashes: Iterable[tuple[str, str]] = (),
    distributions: Iterable[tuple[str, Iterable[tuple[str, str]]]] = (),
    properties: dict[str, str] | None = None,
    optional: bool = False,
) -> Component:
    from cyclonedx.model.component import Component, ComponentScope, ComponentType

    return Component(
        name=name,
        version=version,
        type=ComponentType(kind),
        bom_ref=ref,
        purl=purl,
        hashes=_hashes(hashes),
        external_references=[link for url, pairs in distributions if (link := _distribution(url, pairs)) is not None],
        properties=_properties(properties or {}),
        scope=ComponentScope.OPTIONAL if optional else None,
    )


def _hashes(pairs: Iterable[tuple[str, str]]) -> list[HashType]:
    from cyclonedx.model import HashAlgorithm, HashType

    return [HashType(alg=HashAlgorithm(algorithm), content=digest) for algorithm, digest in pairs]


def _distribution(url: str, hashes: Iterable[tuple[str, str]]) -> ExternalReference | None:
    from cyclonedx.exception.model import InvalidUriException
    from cyclonedx.model import ExternalReference, ExternalReferenceType, XsUri

    if not url.startswith(("https://", "http://", "file:")):
        return None  # a lock's relative path or git+ssh URL is not a download location a reader can use
    try:
        uri = XsUri(url)
    except InvalidUriException:  # text that is no URI: then no reference
        return None
    return ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=uri, hashes=_hashes(hashes))


def _properties(values: dict[str, str]) -> list[Property]:
    from cyclonedx.model import Property

    return [Property(name=name, value=value) for name, value in sorted(values.items())]

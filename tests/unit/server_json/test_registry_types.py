"""Per-``registryType`` rules: named packages (npm, pypi, nuget), OCI image references, and MCPB download URLs,
under the official registries or a deployment's own policy."""

from __future__ import annotations

import pytest

from mcpship.server_json import PackagePolicy, validate_server_json
from mcpship.server_json._registry_types import mcpb_url_problem, oci_registry

from .test_rules import DELETE, changed

Found = tuple[str, str, str, str | None]
OCI_EXAMPLE = "docker.io/owner/image:1.0.0"
RELEASE_HINT = (
    "attach the bundle to a GitHub release (https://github.com/OWNER/REPO/releases/download/TAG/FILE.mcpb)"
    " or a GitLab release, and use that URL"
)
OFFICIAL_OCI = (
    "docker.io, registry-1.docker.io, index.docker.io, ghcr.io, quay.io, mcr.microsoft.com, *.pkg.dev, *.azurecr.io"
)
P0, P1, P2, P3 = "$.packages[0]", "$.packages[1]", "$.packages[2]", "$.packages[3]"  # pypi, mcpb, npm, oci


def found(change: str, value: object, policy: PackagePolicy | None = None) -> list[Found]:
    problems = validate_server_json(changed(change, value), source="server.json", policy=policy)
    return [(problem.path, problem.severity, problem.message, problem.hint) for problem in problems]


def error(path: str, message: str, hint: str) -> Found:
    return (path, "error", message, hint)


def test_an_unsupported_registry_type_is_refused_with_the_supported_ones() -> None:
    assert found(f"{P0}.registryType", "cargo") == [
        error(
            f"{P0}.registryType",
            'registry type "cargo" is not supported by the MCP Registry',
            "use one of: mcpb, npm, nuget, oci, pypi",
        )
    ]


@pytest.mark.parametrize(("index", "kind"), [(0, "pypi"), (2, "npm")])
def test_a_named_package_needs_a_version(index: int, kind: str) -> None:
    assert found(f"$.packages[{index}].version", DELETE) == [
        error(
            f"$.packages[{index}].version",
            f"{kind} packages need a version: the registry looks the package up by name and version",
            'add "version": the exact version published, e.g. "1.0.0"',
        )
    ]


def test_a_named_package_has_no_file_hash() -> None:
    assert found(f"{P2}.fileSha256", "a" * 64) == [
        error(
            f"{P2}.fileSha256",
            "npm packages must not have fileSha256 (it is only for mcpb packages)",
            "remove fileSha256",
        )
    ]


@pytest.mark.parametrize(
    ("kind", "base_url"),
    [
        ("pypi", "https://pypi.org"),
        ("npm", "https://registry.npmjs.org"),
        ("nuget", "https://api.nuget.org/v3/index.json"),
    ],
)
def test_a_named_package_may_name_its_official_index(kind: str, base_url: str) -> None:
    document = changed(f"{P0}.registryType", kind)
    document["packages"][0]["registryBaseUrl"] = base_url
    assert validate_server_json(document, source="server.json") == []


def test_a_named_package_on_another_index_is_refused_with_the_one_allowed() -> None:
    assert found(f"{P0}.registryBaseUrl", "https://test.pypi.org") == [
        error(
            f"{P0}.registryBaseUrl",
            'registryBaseUrl "https://test.pypi.org" is not valid for registry type "pypi"',
            'remove registryBaseUrl, or set it to exactly "https://pypi.org"',
        )
    ]


def test_a_policy_replaces_the_index_of_the_types_it_names_only() -> None:
    policy = PackagePolicy(base_urls={"pypi": "http://127.0.0.1:8081"})
    assert found(f"{P0}.registryBaseUrl", "http://127.0.0.1:8081", policy) == []
    assert found(f"{P0}.registryBaseUrl", "https://pypi.org", policy) == [
        error(
            f"{P0}.registryBaseUrl",
            'registryBaseUrl "https://pypi.org" is not valid for registry type "pypi"',
            'remove registryBaseUrl, or set it to exactly "http://127.0.0.1:8081"',
        )
    ]
    assert found(f"{P2}.registryBaseUrl", "https://registry.npmjs.org", policy) == []


@pytest.mark.parametrize(
    ("key", "value", "message", "hint"),
    [
        (
            "registryBaseUrl",
            "https://ghcr.io",
            "oci packages must not have registryBaseUrl: the registry is part of the image reference",
            f'remove registryBaseUrl and use the full reference as identifier, e.g. "{OCI_EXAMPLE}"',
        ),
        (
            "version",
            "1.2.0",
            "oci packages must not have version: the tag in the identifier is the version",
            f'remove version and put the tag in identifier, e.g. "{OCI_EXAMPLE}"',
        ),
        ("fileSha256", "a" * 64, "oci packages must not have fileSha256", "remove fileSha256"),
    ],
)
def test_an_oci_package_carries_everything_in_its_reference(key: str, value: str, message: str, hint: str) -> None:
    assert found(f"{P3}.{key}", value) == [error(f"{P3}.{key}", message, hint)]


@pytest.mark.parametrize(
    ("reference", "why"),
    [
        ("acme/weather@sha256:abc", 'digest "sha256:abc" is not sha256:<64 hex characters>'),
        ("acme/weather:1+0", 'tag "1+0" has characters a tag cannot have'),
        ("ghcr.io/Acme/weather:1", 'repository "Acme/weather" must be lowercase letters, digits and ._-/'),
    ],
)
def test_a_malformed_image_reference_says_what_is_wrong(reference: str, why: str) -> None:
    assert found(f"{P3}.identifier", reference) == [
        error(f"{P3}.identifier", f'"{reference}" is not a valid OCI image reference: {why}', OCI_EXAMPLE)
    ]


def test_an_image_in_another_registry_is_refused_with_the_accepted_ones() -> None:
    assert found(f"{P3}.identifier", "registry.acme.dev/weather:1") == [
        error(
            f"{P3}.identifier",
            'OCI registry "registry.acme.dev" is not one the MCP Registry accepts',
            f"push the image to one of: {OFFICIAL_OCI}",
        )
    ]


def test_a_policy_names_its_own_oci_registries_in_the_refusal() -> None:
    policy = PackagePolicy(oci_registries=("*.corp.example", "ghcr.io"))
    assert found(f"{P3}.identifier", "images.corp.example/weather:1", policy) == []
    assert found(f"{P3}.identifier", "registry.acme.dev/weather:1", policy) == [
        error(
            f"{P3}.identifier",
            'OCI registry "registry.acme.dev" is not one this registry accepts (*.corp.example, ghcr.io)',
            "push the image to one of: *.corp.example, ghcr.io",
        )
    ]


@pytest.mark.parametrize(
    ("reference", "registry"),
    [
        ("ghcr.io/acme/weather:1.0", "ghcr.io"),
        ("acme/weather", "docker.io"),
        ("weather", "docker.io"),
        ("weather:1", "docker.io"),
        ("localhost/weather", "localhost"),
        ("localhost:5000/weather:1", "localhost:5000"),
        ("registry:5000/weather", "registry:5000"),
        ("docker.io/library/weather@sha256:" + "a" * 64, "docker.io"),
        ("ghcr.io/acme/weather:1@sha256:" + "b" * 64, "ghcr.io"),
        ("weather:_1", "docker.io"),
        ("weather:" + "t" * 128, "docker.io"),
        ("acme.dev/weather", "acme.dev"),
    ],
)
def test_the_registry_of_an_image_reference_is_its_first_part_when_that_names_a_host(
    reference: str, registry: str
) -> None:
    assert oci_registry(reference) == registry


@pytest.mark.parametrize(
    ("reference", "why"),
    [
        (":1", 'repository "" must be lowercase letters, digits and ._-/'),  # a tag, but no repository
        ("acme.dev/a:b/c", 'repository "a:b/c" must be lowercase letters, digits and ._-/'),  # a tag is last
    ],
)
def test_a_tag_is_read_only_after_the_last_slash(reference: str, why: str) -> None:
    with pytest.raises(ValueError) as raised:
        oci_registry(reference)
    assert str(raised.value) == why


@pytest.mark.parametrize(
    ("reference", "why"),
    [
        ("weather@sha256:" + "A" * 64, "digest"),
        ("weather@sha256:" + "a" * 63, "digest"),
        ("weather@md5:" + "a" * 64, "digest"),
        ("weather:-1", "tag"),
        ("weather:" + "t" * 129, "tag"),
        ("Weather", "repository"),
        ("", "repository"),
        ("ghcr.io/acme/wéather", "repository"),
    ],
)
def test_a_malformed_image_reference_is_a_value_error(reference: str, why: str) -> None:
    with pytest.raises(ValueError, match=f"^{why} "):
        oci_registry(reference)


def test_an_mcpb_package_needs_its_file_hash() -> None:
    assert found(f"{P1}.fileSha256", DELETE) == [
        error(
            f"{P1}.fileSha256",
            "mcpb packages need fileSha256 so clients can verify the download",
            'add "fileSha256": the SHA-256 of the .mcpb file in lowercase hex (sha256sum FILE.mcpb)',
        )
    ]


def test_an_mcpb_package_has_no_index() -> None:
    assert found(f"{P1}.registryBaseUrl", "https://github.com") == [
        error(
            f"{P1}.registryBaseUrl",
            "mcpb packages must not have registryBaseUrl: the identifier is the full download URL",
            "remove registryBaseUrl",
        )
    ]


def test_an_mcpb_download_elsewhere_is_refused_at_its_identifier() -> None:
    assert found(f"{P1}.identifier", "https://cdn.acme.dev/weather-mcp.mcpb") == [
        error(f"{P1}.identifier", 'mcpb downloads must be hosted on GitHub or GitLab, not "cdn.acme.dev"', RELEASE_HINT)
    ]


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/acme/weather/releases/download/v1/weather-mcp.mcpb",
        "https://www.github.com/acme/weather-mcp/releases/download/v1/w.mcpb",
        "https://GitHub.com/acme/Weather-MCP/releases/download/v1/w.mcpb",
        "https://gitlab.com/acme/sub/weather-mcp/-/releases/v1/downloads/w.mcpb",
        "https://www.gitlab.com/acme/weather-mcp/-/releases/v1/downloads/w.mcpb",
        "https://gitlab.com/acme/weather-mcp/-/package_files/12/download",
    ],
)
def test_a_forge_release_asset_is_an_mcpb_download(url: str) -> None:
    assert mcpb_url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://github.com/acme/weather-mcp", 'mcpb identifier "{url}" must be an https download URL'),
        (
            "http://github.com/acme/weather-mcp/releases/download/v1/w.mcpb",
            'mcpb identifier "{url}" must be an https download URL',
        ),
        ("https://[github.com/w-mcp.mcpb", 'mcpb identifier "{url}" must be an https download URL'),
        (
            "https://cdn.acme.dev/weather-mcp.mcpb",
            'mcpb downloads must be hosted on GitHub or GitLab, not "cdn.acme.dev"',
        ),
        ("https://github.com/acme/weather-mcp/raw/v1/w.mcpb", 'mcpb identifier "{url}" is not a release asset URL'),
        (
            "https://github.com/-acme/weather-mcp/releases/download/v1/w.mcpb",
            'mcpb identifier "{url}" is not a release asset URL',
        ),
        ("https://gitlab.com/acme/weather-mcp/-/raw/main/w.mcpb", 'mcpb identifier "{url}" is not a release asset URL'),
        (
            "https://www.gitlab.com/acme/weather-mcp/-/package_files/x/download",
            'mcpb identifier "{url}" is not a release asset URL',
        ),
    ],
)
def test_an_mcpb_url_the_registry_refuses_says_why_and_points_at_releases(url: str, message: str) -> None:
    assert mcpb_url_problem(url) == (message.format(url=url), RELEASE_HINT)


def test_an_mcpb_url_must_name_mcp() -> None:
    url = "https://github.com/acme/weather/releases/download/v1/w.zip"
    assert mcpb_url_problem(url) == (
        f'mcpb identifier "{url}" must contain "mcp"',
        'name the release asset or repository with "mcp" in it, e.g. notes-mcp-1.0.0.mcpb',
    )


def test_a_policy_host_takes_any_path_and_plain_http_only_where_listed() -> None:
    policy = PackagePolicy(mcpb_hosts=("downloads.corp.example", "http://127.0.0.1:9000"))
    assert mcpb_url_problem("https://downloads.corp.example/any/weather-mcp.zip", policy) is None
    assert mcpb_url_problem("http://127.0.0.1:9000/weather-mcp.mcpb", policy) is None
    assert mcpb_url_problem("http://downloads.corp.example/weather-mcp.mcpb", policy) == (
        'mcpb identifier "http://downloads.corp.example/weather-mcp.mcpb" must be an https download URL',
        RELEASE_HINT,
    )
    assert mcpb_url_problem("https://cdn.acme.dev/weather-mcp.mcpb", policy) == (
        'mcpb downloads must be hosted on downloads.corp.example, http://127.0.0.1:9000, not "cdn.acme.dev"',
        RELEASE_HINT,
    )
    assert mcpb_url_problem("https://downloads.corp.example/weather.zip", policy) is not None

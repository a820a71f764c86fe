"""URL rules of the registry (``internal/validators/utils.go``): repository URLs, subfolders, templated
transport URLs and public remote URLs; registry.md §2.3 and §2.7."""

from __future__ import annotations

import re
from collections.abc import Collection
from urllib.parse import SplitResult, urlsplit

__all__ = [
    "REPOSITORY_SOURCES",
    "is_valid_remote_url",
    "is_valid_repository_url",
    "is_valid_subfolder",
    "is_valid_templated_url",
    "parse_url",
    "template_variables",
]

REPOSITORY_SOURCES = {
    "github": re.compile(r"^https?://(www\.)?github\.com/[\w.-]+/[\w.-]+/?$", re.ASCII),
    "gitlab": re.compile(r"^https?://(www\.)?gitlab\.com/[\w.-]+/[\w.-]+/?$", re.ASCII),
}
_SUBFOLDER_CHARS = re.compile(r"^[a-zA-Z0-9\-_./]+$")
_TEMPLATE_VARIABLE = re.compile(r"\{([^}]+)\}")
# Upstream swaps placeholders for sample values before parsing, so "{scheme}://{host}:{port}/mcp" parses. Only
# the scheme's sample matters here: any other placeholder (a host, a port, a path) may read as any word, since
# only the scheme and the host's name are checked, and urlsplit reads a port only when asked for it.
_SCHEME_SAMPLES = {"{protocol}": "http", "{scheme}": "http"}
_LOCAL_HOSTS = ("localhost", "127.0.0.1")


def parse_url(url: str) -> SplitResult | None:
    try:
        return urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return None


def is_valid_repository_url(source: str, url: str) -> bool:
    pattern = REPOSITORY_SOURCES.get(source)
    return pattern is not None and pattern.match(url) is not None


def is_valid_subfolder(path: str) -> bool:
    """A clean relative path: no leading or trailing ``/``, no empty, ``.`` or ``..`` segments."""
    if not _SUBFOLDER_CHARS.match(path):
        return False
    return all(  # a leading or trailing "/" makes an empty first or last segment
        segment not in ("", ".", "..") for segment in path.split("/")
    )


def template_variables(url: str) -> list[str]:
    return _TEMPLATE_VARIABLE.findall(url)


def _with_sample_values(url: str) -> str:
    for placeholder, sample in _SCHEME_SAMPLES.items():
        url = url.replace(placeholder, sample)
    return _TEMPLATE_VARIABLE.sub("placeholder", url)


def _is_http_url(url: str) -> bool:
    parsed = parse_url(_with_sample_values(url))
    return parsed is not None and parsed.scheme in ("http", "https") and bool(parsed.netloc)


def is_valid_templated_url(url: str, available: Collection[str]) -> bool:
    """An http(s) URL whose ``{variables}`` are all among ``available``."""
    return _is_http_url(url) and all(name in available for name in template_variables(url))


def is_valid_remote_url(url: str) -> bool:
    """Remotes are public endpoints: https only, with a host, never localhost."""
    parsed = parse_url(_with_sample_values(url))
    if parsed is None or parsed.scheme != "https":
        return False
    host = parsed.hostname or ""
    return bool(host) and host not in _LOCAL_HOSTS and not host.endswith(".localhost")

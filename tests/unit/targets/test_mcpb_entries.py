"""The one symlink rule of every bundle reader: a link's target resolved lexically against the bundle's own links,
as the kernel resolves it once the bundle is unpacked, within Linux's 40 hops, each link walked once."""

from __future__ import annotations

from typing import Any

import pytest

from mcpship.targets.mcpb._entries import MAX_LINK_HOPS, LinkError, LinkResolver, link_target_problem, name_problem


def chain(length: int, end: str) -> dict[str, str]:
    """``c1 -> c2 -> ... -> c{length} -> end``: following c1 takes ``length`` hops."""
    return {f"c{i}": f"c{i + 1}" for i in range(1, length)} | {f"c{length}": end}


def test_a_link_leads_to_the_folded_key_of_where_it_points() -> None:
    resolver = LinkResolver({"a/up": "..", "a/b/link": "../../Server/./Index.js", "a/b/top": "../up/x"})
    assert resolver.resolve_link("a/b/link") == "server/index.js"
    assert resolver.resolve_link("a/up") == ""
    assert resolver.resolve_link("a/b/top") == "x"  # a/up is the root: its ".." climbs from where it leads
    assert resolver.resolve("a/b/top/y") == "x/y"


def test_a_path_that_climbs_above_the_root_leads_outside() -> None:
    with pytest.raises(LinkError) as raised:
        LinkResolver({}).resolve("server/../../x")
    assert (str(raised.value), raised.value.reason, raised.value.chain) == (
        "leads outside the bundle",
        "leads outside the bundle",
        (),
    )


def test_a_chain_of_40_links_is_followed_and_one_of_41_is_refused() -> None:
    assert MAX_LINK_HOPS == 40
    assert LinkResolver(chain(40, "server")).resolve_link("c1") == "server"
    with pytest.raises(LinkError) as raised:
        LinkResolver(chain(41, "server")).resolve_link("c1")
    assert raised.value.reason == "is in a loop of symlinks or a chain of more than 40"
    assert raised.value.chain == tuple(f"c{i}" for i in range(1, 42))


def test_a_loop_is_refused_at_the_first_link_seen_twice() -> None:
    with pytest.raises(LinkError) as raised:
        LinkResolver({"a": "b", "b": "a"}).resolve_link("a")
    assert (raised.value.reason, raised.value.chain) == (
        "is in a loop of symlinks or a chain of more than 40",
        ("a", "b", "a"),
    )


def test_a_link_that_reaches_a_refused_link_is_refused_for_that_links_reason() -> None:
    # f is refused first; c1 reaches it after 40 hops, where only f's own reason applies, not the hop limit.
    resolver = LinkResolver({"f": "..", **chain(40, "f")})
    with pytest.raises(LinkError):
        resolver.resolve_link("f")
    with pytest.raises(LinkError) as raised:
        resolver.resolve_link("c1")
    assert raised.value.reason == "leads outside the bundle"
    assert raised.value.chain == (*(f"c{i}" for i in range(1, 41)), "f")


def test_each_link_is_walked_once_however_often_paths_pass_through_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # l{k} passes through l{k-1} twice: walking every path afresh would take 2**12 walks, not 12.
    links = {"l1": "d"} | {f"l{k}": f"l{k - 1}/../l{k - 1}" for k in range(2, 13)}
    walks: list[str] = []
    walk = LinkResolver._walk

    def counted(self: LinkResolver, start: tuple[str, ...], target: str, chain: tuple[str, ...]) -> Any:
        walks.append(target)
        return walk(self, start, target, chain)

    monkeypatch.setattr(LinkResolver, "_walk", counted)
    resolver = LinkResolver(links)
    assert resolver.resolve_link("l12") == "d"
    assert resolver.resolve("l12/l1/x") == "d/l1/x"  # d/l1 is no link: a plain name from there on
    assert len(walks) == 13


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "has an empty name or a NUL byte"),
        ("a\x00b", "has an empty name or a NUL byte"),
        ("./", "has an empty name or a NUL byte"),  # the root, named by a file
        ("server\\index.js", "uses backslashes, which are folder separators on Windows"),
        ("/etc/passwd", "is an absolute path"),
        ("C:/Windows", "is an absolute path"),
        ("../evil.js", "climbs out with '..' (zip slip)"),
        ("server/../../evil.js", "climbs out with '..' (zip slip)"),
        ("a" * 1025, "has a name longer than 1024 bytes, more than hosts can create"),
        ("\u00e9" * 513, "has a name longer than 1024 bytes, more than hosts can create"),  # 1026 bytes in UTF-8
        ("a" * 1024, None),
        ("server/..x/index.js", None),
        ("./server/index.js", None),
    ],
)
def test_an_entry_name_must_stay_inside_and_be_creatable(name: str, reason: str | None) -> None:
    assert name_problem(name, folder=False) == reason


def test_only_a_folder_may_name_the_root() -> None:
    assert name_problem("./", folder=True) is None
    assert name_problem(".", folder=True) is None
    assert name_problem("", folder=True) == "has an empty name or a NUL byte"


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("", "is a symlink with an empty target or a NUL byte"),
        ("a\x00b", "is a symlink with an empty target or a NUL byte"),
        ("/etc/passwd", "is a symlink to the absolute path '/etc/passwd'"),
        ("c:evil", "is a symlink to the absolute path 'c:evil'"),
        ("..\\evil", "is a symlink to the absolute path '..\\\\evil'"),
        ("../x", None),  # where it leads is the resolver's question
        ("ab:c/d", None),  # a colon after more than one letter is no drive
    ],
)
def test_a_link_target_must_be_relative_and_plain(target: str, reason: str | None) -> None:
    assert link_target_problem(target) == reason

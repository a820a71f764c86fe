"""``publish_channels``: channels run in the table's order (packages, image, MCP registry) whatever order they are
given in, the first failure stops the run and names the channels not run, and each channel's status sums up its
items. The command line refuses an option meant for a channel that is not run."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from mcpship import PublishedItem, PublishError, UsageError, publish_channels
from mcpship.channels import publish as publish_module
from mcpship.cli import main


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every channel replaced by one that records its name; ``npm`` fails, ``oci`` holds everything already."""
    ran: list[str] = []

    def fake(name: str) -> object:
        def channel(context: object) -> list[PublishedItem]:
            ran.append(name)
            if name == "npm":
                raise PublishError("npm refused", hint="log in")
            status = "skipped" if name == "oci" else "published"
            return [PublishedItem(f"{name}-a", status, f"https://{name}.test/a")]  # type: ignore[arg-type]

        return channel

    for name in list(publish_module.CHANNELS):
        monkeypatch.setitem(publish_module.CHANNELS, name, fake(name))
    return ran


def test_channels_run_packages_first_and_the_mcp_registry_last(recorded: list[str], tmp_path: Path) -> None:
    run = publish_channels(tmp_path, ["registry", "oci", "pypi"])
    assert recorded == ["pypi", "oci", "registry"]
    assert [(r.channel, r.status) for r in run.results] == [
        ("pypi", "published"),
        ("oci", "skipped"),
        ("registry", "published"),
    ]
    assert run.failure is None


def test_the_first_failure_stops_the_run_and_later_channels_are_not_run(recorded: list[str], tmp_path: Path) -> None:
    run = publish_channels(tmp_path, ["registry", "npm", "pypi", "oci"])
    assert recorded == ["pypi", "npm"]
    assert [(r.channel, r.status) for r in run.results] == [
        ("pypi", "published"),
        ("npm", "failed"),
        ("oci", "not-run"),
        ("registry", "not-run"),
    ]
    assert run.failure is not None
    assert run.failure.error is not None
    assert run.failure.error.message == "npm refused"


def test_an_unknown_channel_is_refused_before_any_channel_runs(recorded: list[str], tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown channel"):
        publish_channels(tmp_path, ["pypi", "pypy"])
    assert recorded == []


def test_a_build_without_python_distributions_names_the_build_command(tmp_path: Path) -> None:
    run = publish_channels(tmp_path, ["pypi"], dry_run=True)
    assert run.failure is not None
    assert run.failure.error is not None
    assert "mcpship build --target pypi" in (run.failure.error.hint or "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--channel", "pypi", "--npm-tag", "next"], "--npm-tag is for --channel npm"),
        (["--channel", "npm", "--repository-url", "http://127.0.0.1:1/"], "--repository-url is for --channel pypi"),
        (["--channel", "pypi,oci", "--to", "r.test/a", "-u", "me"], "ambiguous"),
        (["--channel", "pypi,pip"], "unknown channel(s) in --channel: pip"),
        (["--channel", "npm,oci"], "--channel oci needs --to"),
        (["--channel", "pypi", "-u", "alice"], "needs --password-stdin"),
    ],
)
def test_the_command_line_refuses_options_for_channels_not_run(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["publish", str(tmp_path), *args]) == 2
    assert message in capsys.readouterr().err


def test_an_empty_password_on_stdin_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert main(["publish", str(tmp_path), "--channel", "pypi", "--password-stdin"]) == 2
    assert "empty line" in capsys.readouterr().err

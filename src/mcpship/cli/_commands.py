"""The command table and the group that imports a command's module only when that command runs.

``mcpship inspect`` should not pay for httpx, the OCI channel or the registry's models: each command module is
imported on first use. The top-level ``--help`` lists every command from :data:`COMMANDS` (module + one-line
help), without importing any of them; a test keeps each line equal to the command's own docstring.

Every command built here gets the same finishing (:func:`finish`): ``-v``/``-q`` accepted after the command as
well as before it, help text shown literally (Rich markup escaped, so ``[targets]`` stays), and option values
named as users read them (``URL``, ``PATH``, ``INTEGER``) instead of Python types.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Annotated, Any, get_args

import typer
import typer.main
from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.models import CommandInfo

__all__ = ["COMMANDS", "METAVARS", "Entry", "LazyGroup", "finish", "finish_text"]


@dataclass(frozen=True)
class Entry:
    modules: tuple[str, ...]
    """The modules whose ``@app.command`` (or ``app.add_typer``) registrations make this command."""
    summary: str
    """The one-line help ``mcpship --help`` lists: the first paragraph of the command's docstring."""


def _entry(module: str, summary: str, *more: str) -> Entry:
    return Entry((f"mcpship.cli.{module}", *(f"mcpship.cli.{name}" for name in more)), summary)


# The order `mcpship --help` lists them in: describe, look, make, prove; then distribute and discover.
COMMANDS: dict[str, Entry] = {
    "init": _entry("init_cmd", "Describe a server: write mcpship.toml (never overwrites without --force)."),
    "spec": _entry("spec_cmd", "Validate and show the server's description, as every build target will read it."),
    "inspect": _entry(
        "inspect_cmd",
        "Show a server's info, capabilities, tools, prompts, resources and resource templates, live over MCP.",
    ),
    "lock": _entry(
        "lock_cmd", "Probe the project's server and write its interface lock (canonical JSON, SHA-256 per item)."
    ),
    "diff": _entry(
        "diff_cmd",
        "Classify the interface changes between two versions (lock, git ref, folder or package) by semver bump.",
    ),
    "build": _entry(
        "build_cmd",
        "Build every distribution format of the server, reproducibly, with dist/SHA256SUMS and "
        "dist/mcpship-build.json.",
    ),
    "verify": _entry(
        "verify_cmd",
        "Run every built artifact as its users would, in isolation, and compare its interface with the lock.",
    ),
    "ship": _entry("verify_cmd", "The main job: check the interface lock, build every target, verify every artifact."),
    "validate": _entry(
        "verify_cmd",
        "Check files by their own rules: the official registry's for server.json, the MCPB schema for bundles.",
    ),
    "publish": _entry(
        "publish_cmd",
        "Publish a build to one or more channels: wheel and sdist to a PyPI index, the tarball to an npm registry, "
        "the OCI image (tag default: the artifact's version), the MCPB bundles to the GitHub release server.json "
        "points at, server.json to an MCP registry (`mcpship login` first). What a channel already holds is "
        "skipped (a different file under the same version is an error), so a rerun after a failure continues where "
        "it stopped.",
    ),
    "login": _entry(
        "login_cmd",
        "Log in to an MCP registry: the token is kept (mode 0600) for `mcpship publish --channel registry`.",
    ),
    "logout": _entry("login_cmd", "Forget the stored token of a registry."),
    "search": _entry(
        "search_cmd",
        "Search an MCP registry: ranked by relevance on mcpship registries, else the official name search.",
    ),
    "bump": _entry(
        "bump_cmd", "Write the next version everywhere the project's version lives, keeping each file's formatting."
    ),
    "check": _entry(
        "check_cmd",
        "Run every release gate: spec valid, interface lock current, version the same everywhere (exit 14 if not).",
    ),
    "release": _entry(
        "release_cmd",
        "Release the project: check, bump, lock, commit, build, verify, publish, tag; stops at the first failure and "
        "continues with --resume.",
    ),
    "ci": _entry(
        "ci_cmd", "Set up continuous integration: a release workflow that verifies, then publishes on a version tag."
    ),
    "registry": _entry(
        "registry_cmd",
        "Run a self-hosted MCP Registry compatible with the official API (needs `pip install 'mcpship[registry]'`).",
        "registry_mirror_cmd",
    ),
}


class _Commands(MutableMapping[str, Any]):
    """A group's commands by name: every name of :data:`COMMANDS`, each built on first access."""

    def __init__(self, loaded: dict[str, Any], table: dict[str, Entry]) -> None:
        self.loaded = {name: finish(command) for name, command in loaded.items()}
        self.table = table

    def __getitem__(self, name: str) -> Any:
        if name not in self.loaded:
            if name not in self.table:
                raise KeyError(name)
            self.loaded[name] = finish(_build(name, self.table[name]))
        return self.loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self.loaded[name] = finish(command)

    def __delitem__(self, name: str) -> None:
        del self.loaded[name]

    def __iter__(self) -> Iterator[str]:
        yield from self.table
        yield from (name for name in self.loaded if name not in self.table)

    def __len__(self) -> int:
        return len(self.table.keys() | self.loaded.keys())


def _build(name: str, entry: Entry) -> Any:
    """Import the modules of ``name`` and turn its registration into a Click command, as Typer would."""
    from mcpship.cli._app import app

    for module in entry.modules:
        importlib.import_module(module)
    for info in app.registered_commands:
        assert info.callback is not None
        if (info.name or typer.main.get_command_name(info.callback.__name__)) == name:
            return typer.main.get_command_from_info(
                info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode
            )
    for group in app.registered_groups:
        if group.name == name:
            return typer.main.get_group_from_info(
                group,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
                suggest_commands=app.suggest_commands,
            )
    raise LookupError(f"{', '.join(entry.modules)} registered no command {name!r}")  # a bug in the table


class LazyGroup(TyperGroup):
    """The ``mcpship`` group: commands from :data:`COMMANDS`, each module imported when its command is used."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        finish_text(self)
        self._lazy = _Commands(dict(self.commands), COMMANDS)
        self.commands = self._lazy
        self._listing = False

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if self._listing and cmd_name in COMMANDS and cmd_name not in self._lazy.loaded:
            return _Summary(name=cmd_name, help=_escape(COMMANDS[cmd_name].summary))
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # the names only: Typer's own reads every command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True  # the command list needs each one-line help, not the commands themselves
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


class _Summary(typer.core.TyperCommand):
    """A command's name and one-line help, for the list ``mcpship --help`` prints."""


# -- the finishing every command gets -------------------------------------------------------------------------

_MARKUP = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")  # what Rich reads as a tag: rich.markup.escape's own pattern


def _escape(text: str | None) -> str | None:
    """``text`` shown literally by Rich: ``[targets]`` and ``mcpship[registry]`` are text, not tags."""
    if not text:
        return text
    return _MARKUP.sub(lambda match: f"{match[1]}{match[1]}\\{match[2]}", text)


# What a value means, by option name; a test requires one for every option that takes a value.
METAVARS = {
    "--admin-token-file": "FILE",
    "--cache-mb": "MIB",
    "--channel": "NAME[,NAME]",
    "--config": "KEY=VALUE",
    "--db": "URL",
    "--domain": "DOMAIN",
    "--env": "KEY=VALUE",
    "--from": "URL",
    "--github-api-url": "URL",
    "--github-oidc-audience": "AUDIENCE",
    "--github-oidc-issuer": "URL",
    "--host": "ADDRESS",
    "--index-url": "URL",
    "--jwt-key-file": "FILE",
    "--max-page-mb": "MIB",
    "--mcpb-host": "HOST",
    "--npm-registry": "URL",
    "--npm-tag": "TAG",
    "--npm-url": "URL",
    "--oci-insecure": "HOST",
    "--oci-registry": "HOST",
    "--ownership-fetch-host": "HOST",
    "--ownership-max-document-mb": "MIB",
    "--ownership-max-file-mb": "MIB",
    "--ownership-max-publish-mb": "MIB",
    "--platform": "PLATFORM",
    "--private-key-file": "FILE",
    "--project": "DIR",
    "--out": "DIR",
    "--public-url": "URL",
    "--pypi-url": "URL",
    "--registry": "URL",
    "--repository-url": "URL",
    "--script": "NAME",
    "--sign-cert": "FILE",
    "--sign-chain": "FILE",
    "--sign-key": "FILE",
    "--state": "FILE",
    "--target": "NAME[,NAME]",
    "--to": "REGISTRY/NAME[:TAG]",
    "--token": "TOKEN",
    "--username": "NAME",
}
_BY_TYPE = {"int": "INTEGER", "float": "NUMBER", "Path": "PATH", "str": "TEXT"}


def _metavar(option: TyperOption) -> str | None:
    """How help names ``option``'s value: nothing for a flag, the table's word, else the type as users read it."""
    if option.is_flag or option.count:
        return ""
    if option.type_descriptor.is_choice:
        return None  # Typer lists the choices: oci|registry
    long_names = [name for name in option.opts if name.startswith("--")]
    for name in long_names:
        if name in METAVARS:
            return METAVARS[name]
    annotation = option.type_descriptor.annotation
    element = get_args(annotation)[0] if option.type_descriptor.is_list else annotation
    return _BY_TYPE.get(getattr(element, "__name__", ""), "TEXT")


def _type_word(argument: TyperArgument) -> Any:
    descriptor = argument.type_descriptor
    element = get_args(descriptor.annotation)[0] if descriptor.is_list else descriptor.annotation
    word = _BY_TYPE.get(getattr(element, "__name__", ""), "TEXT") + ("..." if descriptor.is_list else "")
    return lambda ctx: word


def _verbose(ctx: typer.Context, value: int) -> None:
    if value:
        from mcpship.cli._app import State

        ctx.ensure_object(State).verbosity += value


def _quiet(ctx: typer.Context, value: bool) -> None:
    if value:
        from mcpship.cli._app import State

        ctx.ensure_object(State).quiet = True


def _shared_options(
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            expose_value=False,
            callback=_verbose,
            show_default=False,
            help="More detail; tracebacks on errors.",
        ),
    ] = 0,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", expose_value=False, callback=_quiet, help="Only errors: no progress, tables or warnings."
        ),
    ] = False,
) -> None:
    """The options every command takes, before or after its name (the group's own are in ``_app``)."""


_SHARED: list[Any] = []


def _shared_params() -> list[Any]:
    if not _SHARED:
        command = typer.main.get_command_from_info(
            CommandInfo(callback=_shared_options), pretty_exceptions_short=False, rich_markup_mode="rich"
        )
        for param in command.params:
            assert isinstance(param, TyperOption)
            param.metavar = _metavar(param)
        _SHARED.extend(command.params)
    return _SHARED


def finish_text(command: Any) -> None:
    """Help text shown literally and option values named as users read them."""
    command.help = _escape(command.help)
    command.short_help = _escape(command.short_help)
    command.epilog = _escape(command.epilog)
    for param in command.params:
        if getattr(param, "help", None):
            param.help = _escape(param.help)
        if isinstance(param, TyperOption) and param.metavar is None:
            param.metavar = _metavar(param)
        elif isinstance(param, TyperArgument):  # Typer shows <str>, <path>; the usage line has the argument's name
            setattr(param, "display_type_rich", _type_word(param))  # noqa: B010 (an instance's own display)
    make_help_option = command.get_help_option

    def get_help_option(ctx: typer.Context) -> Any:
        option = make_help_option(ctx)  # made on demand (and cached) by Click: a flag, no <bool> beside it
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = get_help_option


def finish(command: Any) -> Any:
    """``command`` with the shared options, literal help text and readable metavars (its subcommands too)."""
    if getattr(command, "_mcpship_finished", False):
        return command
    command._mcpship_finished = True
    finish_text(command)
    if isinstance(command, TyperGroup):
        for name in list(command.commands):
            command.commands[name] = finish(command.commands[name])
    else:
        command.params.extend(_shared_params())
    return command

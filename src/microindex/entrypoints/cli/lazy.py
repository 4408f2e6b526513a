"""Commands imported when they run: `microindex --help` loads no command module.

The root group knows each command by name, the module that holds it and a one-line help;
it imports the module only when the command is resolved (to run it, show its own help or
write the docs). A test keeps each line true to the command's own help (they begin alike).
A new command goes in its group's `LAZY`; one registered the usual way works too, imported
with the CLI (so it must not import the web, PDF or media stacks at module level).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
import typer.main
from typer import _click as click  # typer's own click, which its commands are made of
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandInfo

from microindex.entrypoints.cli.output import give_json


@dataclass(frozen=True)
class Lazy:
    """`target` is `module:attribute`, a `typer.Typer` (a group) or a function (a command)."""

    target: str
    help: str

    def load(self, name: str) -> click.Command:
        module, _, attribute = self.target.partition(":")
        found = getattr(importlib.import_module(module), attribute)
        if isinstance(found, typer.Typer):
            group = typer.main.get_group(found)
            group.name = name
            return group
        return typer.main.get_command_from_info(
            CommandInfo(name=name, callback=found),
            pretty_exceptions_short=False,
            rich_markup_mode="rich",
        )


class Commands(MutableMapping[str, click.Command]):
    """A group's commands by name: those given, then the lazy ones, each imported on first
    access. Names alone (listing them, suggesting one for a typo) import nothing."""

    def __init__(self, given: Mapping[str, click.Command], lazy: Mapping[str, Lazy]) -> None:
        self._loaded = dict(given)
        self._lazy = lazy

    def loaded(self, name: str) -> bool:
        return name in self._loaded

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            if name not in self._lazy:
                raise KeyError(name)
            self._loaded[name] = loaded = self._lazy[name].load(name)
            give_json(loaded)
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._loaded
        yield from (name for name in self._lazy if name not in self._loaded)

    def __len__(self) -> int:
        return len(set(self._loaded) | set(self._lazy))


class LazyGroup(TyperGroup):
    """A TyperGroup whose `LAZY` commands are imported on first use. Commands registered the
    usual way (`app.command`, `app.add_typer`) work beside them."""

    LAZY: ClassVar[dict[str, Lazy]] = {}
    gives_json = True  # to each of its commands, as it loads them

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for command in self.commands.values():
            give_json(command)
        self.commands = self._commands = Commands(self.commands, self.LAZY)
        self._for_help = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self._commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if self._for_help and not self._commands.loaded(cmd_name) and cmd_name in self.LAZY:
            return TyperCommand(cmd_name, help=self.LAZY[cmd_name].help)  # its line is enough
        return self._commands.get(cmd_name)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._for_help = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._for_help = False

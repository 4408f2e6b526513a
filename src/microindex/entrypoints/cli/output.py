"""What commands print, one way for all of them: tables that never cut an id, and `--json`.

Every command prints through `console`. A command that has no `--json` of its own is given
one (`give_json`): under it, what the command prints is collected instead of shown and
written as one JSON object, `{"said": [lines], "tables": [{"title", "rows"}]}`, each row
keyed by its table's headers with the cells as shown. Commands with their own `--json`
(typed fields) keep it.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import typer
import typer.main
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

NO_JSON = {"serve", "demo", "run", "schedule"}  # run until Ctrl-C: nothing to collect


# What a terminal would read as a command rather than show: C0 controls but tab and newline,
# DEL and C1. A product's title, a note or a CSV's cell may hold them (ESC starts a sequence
# that recolours, moves the cursor or retitles the window); shown as U+FFFD, never sent.
_UNPRINTABLE = {c: "\ufffd" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if c not in (9, 10)}


def printable(text: str) -> str:
    return text.translate(_UNPRINTABLE)


def _printable(shown: Any) -> Any:
    """`shown` with its text made `printable`, a character for a character (a `Text`'s
    styles keep their places); a table's cells and title in place."""
    if isinstance(shown, str):
        return printable(shown)
    if isinstance(shown, Text):
        text = shown.copy()
        text.plain = printable(shown.plain)
        return text
    if isinstance(shown, Table):
        if shown.title is not None:
            shown.title = _printable(shown.title)
        for column in shown.columns:
            column._cells[:] = map(_printable, column._cells)  # rich keeps the cells there
    return shown


class ShownConsole(Console):
    """A console that sends the terminal no control character of the text it shows."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*map(_printable, objects), **kwargs)


class CliConsole(ShownConsole):
    """Standard output. Tables print with every token (an id, a SKU, a code: a cell with no
    space) whole on one line where the terminal allows, folded where not: never cut. A table
    with more columns than the terminal has room for, each word whole, is shown one record
    at a time (`records`) rather than cut at the terminal's edge. Under `--json` the text is
    collected as it is (JSON escapes control characters)."""

    collected: list[Any] | None = None

    def print(self, *objects: Any, **kwargs: Any) -> None:
        if self.collected is not None:
            self.collected.extend(objects)
            return
        shown: list[Any] = []
        for table in objects:
            if isinstance(table, Table) and not fits(table, self.width):
                shown += records(table)
            else:
                shown.append(table)
        for table in shown:
            if isinstance(table, Table):
                keep_tokens(table, self.width)
        super().print(*shown, **kwargs)

    @contextlib.contextmanager
    def collecting(self) -> Iterator[list[Any]]:
        self.collected = found = list[Any]()
        try:
            yield found
        finally:
            self.collected = None


console = CliConsole()


def plain(cell: Any) -> str:
    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, str):
        return Text.from_markup(cell).plain
    return str(cell)


def fits(table: Table, width: int) -> bool:
    """Whether each column of `table` has room for its longest word (of its header and cells)
    on a terminal `width` wide, its padding and rules counted."""
    if not table.show_header or len(table.columns) < 2 or table.box is None:
        return True
    needed = 1  # the left rule
    for column in table.columns:
        texts = [plain(column.header), *map(plain, column.cells)]
        needed += max((len(word) for text in texts for word in text.split()), default=1) + 3
    return needed <= width


def records(table: Table) -> list[Any]:
    """`table` shown a record at a time: each row a table of the columns' names and its
    values, under the table's title."""
    shown: list[Any] = [Text(plain(table.title))] if table.title else []
    names = [plain(column.header) for column in table.columns]
    for row in zip(*(column.cells for column in table.columns), strict=True):
        record = Table(show_header=False)
        record.add_column(style="bold")
        record.add_column()
        for name, cell in zip(names, row, strict=True):
            record.add_row(name, cell)
        shown.append(record)
    return shown


def keep_tokens(table: Table, width: int) -> None:
    """Fold what does not fit, never cut it; and keep the ids of the first column (a table's
    key: a transfer, a token, a return) whole on one line, as far as the width allows."""
    for column in table.columns:
        if column.overflow == "ellipsis":
            column.overflow = "fold"
    if table.columns:
        key = table.columns[0]
        tokens = [len(text) for text in map(plain, key.cells) if " " not in text.strip()]
        room = width // 2 - 4  # the other columns keep the rest
        key.min_width = max(key.min_width or 0, min(max(tokens, default=0), room))


def as_data(printed: list[Any], echoed: str) -> dict[str, Any]:
    said = [plain(o) for o in printed if not isinstance(o, Table)]
    said += echoed.splitlines()
    tables = [
        {
            "title": plain(t.title) if t.title else None,
            "rows": [
                dict(zip([plain(c.header) for c in t.columns], row, strict=True))
                for row in zip(*([plain(cell) for cell in c.cells] for c in t.columns), strict=True)
            ],
        }
        for t in printed
        if isinstance(t, Table)
    ]
    return {"said": [line for text in said for line in text.splitlines()], "tables": tables}


HELP = 'Print what it says as JSON: "said" (its lines) and "tables" (each title and rows).'


@functools.cache
def _json_option() -> Any:
    """The `--json` option as typer makes it from a parameter, for commands to share."""
    probe = typer.Typer()

    @probe.command()
    def said(microindex_json: bool = typer.Option(False, "--json", help=HELP)) -> None:
        """A probe."""

    return typer.main.get_command(probe).params[0]


def _collected(callback: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, microindex_json: bool = False, **kwargs: Any) -> Any:
        if not microindex_json:
            return callback(*args, **kwargs)
        echoed = io.StringIO()
        try:
            with console.collecting() as printed, contextlib.redirect_stdout(echoed):
                result = callback(*args, **kwargs)
        except typer.Exit as done:
            if done.exit_code == 0:
                typer.echo(_dumped(printed, echoed))
            raise
        typer.echo(_dumped(printed, echoed))
        return result

    return run


def _dumped(printed: list[Any], echoed: io.StringIO) -> str:
    return json.dumps(as_data(printed, echoed.getvalue()), indent=2, ensure_ascii=False)


def give_json(command: Any) -> None:
    """Give `command` (each command of a group, but those of a group that gives its own)
    a `--json` unless it has one."""
    if isinstance(command, TyperGroup):
        if not getattr(command, "gives_json", False):
            for sub in command.commands.values():
                give_json(sub)
        return
    if command.name in NO_JSON or any("--json" in p.opts for p in command.params):
        return
    if command.callback is None:
        return
    command.params.append(_json_option())
    command.callback = _collected(command.callback)

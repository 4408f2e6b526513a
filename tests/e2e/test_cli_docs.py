"""Every command says what it does with an example, and docs/cli.md is the CLI as it is."""

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperGroup

from microindex.entrypoints.cli.app import app

ROOT = Path(__file__).resolve().parents[2]


def leaf_commands() -> list[tuple[str, Any]]:
    root = typer.main.get_command(app)
    found: list[tuple[str, Any]] = []

    def walk(prefix: str, command: Any) -> None:
        if isinstance(command, TyperGroup):
            for name, sub in command.commands.items():
                walk(f"{prefix} {name}", sub)
        else:
            found.append((prefix.strip(), command))

    walk("", root)
    return found


@pytest.mark.parametrize(("name", "command"), leaf_commands(), ids=lambda v: str(v))
def test_every_command_has_help_with_an_example(name: str, command: Any) -> None:
    assert command.help, f"`microindex {name}` has no help"
    assert "Example" in command.help, f"`microindex {name}` has no example in its help"


def test_the_cli_reference_is_up_to_date(tmp_path: Path) -> None:
    made = tmp_path / "cli.md"
    subprocess.run(
        [sys.executable, "dev.py", "docs", str(made)], cwd=ROOT, check=True, capture_output=True
    )
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == made.read_text(
        encoding="utf-8"
    ), "docs/cli.md is stale: run `python3 dev.py docs`"


def test_dev_py_says_what_it_runs_when_asked_and_refuses_what_it_does_not_know() -> None:
    helped = subprocess.run(
        [sys.executable, "dev.py", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert helped.returncode == 0 and "python3 dev.py test" in helped.stdout
    unknown = subprocess.run(
        [sys.executable, "dev.py", "tset"], cwd=ROOT, capture_output=True, text=True
    )
    assert unknown.returncode == 2 and "python3 dev.py test" in unknown.stderr


def test_every_example_in_the_reference_is_one_line_to_copy() -> None:
    reference = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    blocks = reference.split("Example:\n\n```sh\n")[1:]
    assert len(blocks) >= 90
    for block in blocks:
        line, _, _rest = block.partition("\n```")
        assert "\n" not in line and "microindex " in line, line

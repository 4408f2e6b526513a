"""The README's quickstart is exactly two commands, and they work as written."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quickstart_commands() -> list[str]:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the quickstart has a sh code block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_quickstart_is_exactly_two_commands() -> None:
    assert quickstart_commands() == ["python3 dev.py demo", "python3 dev.py test"]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert quickstart_commands()[1] in ci


@pytest.mark.slow
def test_the_demo_command_works_as_written(tmp_path: Path) -> None:
    command = quickstart_commands()[0].split()
    assert command[0] == "python3"
    result = subprocess.run(
        [
            sys.executable if sys.version_info[:2] == (3, 11) else "python3",
            *command[1:],
            "--dir",
            str(tmp_path / "demo"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "COLUMNS": "120"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "205 products" in result.stdout
    assert (tmp_path / "demo" / "nodes" / "van.sqlite").exists()

"""The governance cadence says its clock: the jobs run on UTC, which a London shop's summer
clock is not."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from microindex.entrypoints.cli.app import app
from tests.clock import on_demo_day

runner = CliRunner()


def test_the_job_table_says_its_times_are_utc(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    assert runner.invoke(app, ["-w", ws, "init"], obj=on_demo_day()).exit_code == 0
    listed = runner.invoke(
        app, ["-w", ws, "governance", "jobs", "list", "--json"], obj=on_demo_day()
    )
    assert listed.exit_code == 0, listed.output
    said = json.loads(listed.output)["said"]
    assert len(said) == 4
    assert all(line.endswith(" UTC") for line in said), said
    assert "nightly-reconciliation: every night at 02:00 UTC" in said

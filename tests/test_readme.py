"""The README's quickstart is exactly two commands, and they work as written."""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from datetime import datetime
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_the_demo_command_builds_the_shop_serves_the_dashboard_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    command = quickstart_commands()[0].split()
    assert command[:2] == ["python3", "dev.py"]
    port = _free_port()
    python = sys.executable if sys.version_info[:2] == (3, 11) else "python3"
    demo = subprocess.Popen(
        [python, *command[1:], "--dir", str(tmp_path / "demo"), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        seen, login = _read_until_login(demo)
        assert "205 products" in seen
        assert (tmp_path / "demo" / "nodes" / "van.sqlite").exists()
        page = _get_when_up(login)
        assert "Units sold per node" in page and "shopfront" in page
        _wait_for_live_sync(tmp_path / "demo" / "hub.sqlite")
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=30) == 0
        assert demo.stdout is not None
        assert ' HTTP/1.1" ' not in demo.stdout.read()  # no access log burying the link
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        if demo.stdout is not None:
            demo.stdout.close()


def _wait_for_live_sync(hub: Path) -> None:
    """Each node's agent syncs with the hub over HTTP once it serves: after the login link was
    issued, on the demo's own clock. (The shoppers buy at the history's pace, a few units an
    hour: the ledger mirror need not grow in a minute.)"""
    deadline = time.monotonic() + 90  # generous: shared CI machines
    while min(_last_syncs(hub)) < _serving_from(hub):
        assert time.monotonic() < deadline, f"not every node synced: {_last_syncs(hub)}"
        time.sleep(0.5)


def _read_hub(hub: Path, query: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(f"file:{hub}?mode=ro", uri=True, timeout=10)) as db:
        return list(db.execute(query))


def _last_syncs(hub: Path) -> list[float]:
    return [float(str(row[0] or 0)) for row in _read_hub(hub, "SELECT last_sync_s FROM sync_peers")]


def _serving_from(hub: Path) -> float:
    (issued,) = _read_hub(hub, "SELECT max(created_at) FROM login_links")[0]
    return datetime.fromisoformat(str(issued)).timestamp()


def _read_until_login(demo: subprocess.Popen[str]) -> tuple[str, str]:
    assert demo.stdout is not None
    seen = ""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        line = demo.stdout.readline()
        if not line:
            break
        seen += line
        found = re.search(r"(http://localhost:\d+/login/once/\S+)", line)
        if found:
            return seen, found.group(1)
    raise AssertionError(f"no dashboard link printed:\n{seen}")


def _get_when_up(url: str) -> str:
    deadline = time.monotonic() + 60
    while True:
        try:
            browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
            with browser.open(url, timeout=10) as response:
                return str(response.read().decode("utf-8"))
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _bench_commands(text: str) -> set[str]:
    """Every bench command a text names, as typed: `python -m bench.x` or `python bench/x.py`."""
    return set(re.findall(r"python (-m bench\.\w+|bench/\w+\.py)", text))


def test_every_bench_the_readme_and_the_benches_name_starts_as_written() -> None:
    """A bench named as `python bench/api.py` failed at once (`No module named 'bench'`): the
    benches import each other, so each runs as a module, from the checkout's root."""
    named = _bench_commands(README)
    for path in sorted((ROOT / "bench").glob("*.py")):
        named |= _bench_commands(path.read_text(encoding="utf-8"))
    assert len(named) >= 10
    for command in sorted(named):
        done = subprocess.run(
            [sys.executable, *command.split(), "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"python {command} --help: {done.stderr[-500:]}"
        assert "usage:" in done.stdout, command

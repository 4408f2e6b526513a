"""How long `microindex --help` and a first command take to start, beside `python -c pass`
in the same run (the interpreter's own start-up, the floor), and what the CLI imports.

    python -m bench.cli_startup               # 10 runs each; hyperfine too when installed
    python -m bench.cli_startup --runs 30 --json

Each row: the command, its median and best wall time over the runs, and the median less the
baseline's (what microindex itself costs). Then `python -X importtime` of the CLI app: its
cumulative import time and the heaviest modules it loads. The target (issue 22): `--help`
under 0.5 s. Nothing here is a test: the figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
CLI = "from microindex.entrypoints.cli.app import main; main()"


@dataclass(frozen=True)
class Row:
    command: str
    median_ms: float
    best_ms: float
    over_baseline_ms: float
    cpu_ms: float  # median user + system time of the process: steadier on a busy machine


def timed(argv: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each run."""
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(argv, env=ENV, check=False, capture_output=True)
        wall.append((time.perf_counter() - started) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        cpu.append(used * 1000)
    return wall, cpu


def cases(workspace: Path) -> dict[str, list[str]]:
    cli = [sys.executable, "-c", CLI]
    return {
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        "microindex --help": [*cli, "--help"],
        "microindex stock --help": [*cli, "stock", "--help"],
        "microindex node list (new workspace)": [*cli, "-w", str(workspace), "node", "list"],
    }


def import_profile(top: int) -> tuple[float, list[tuple[str, float]]]:
    """The CLI app's cumulative import time (ms) and its `top` heaviest imports."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import microindex.entrypoints.cli.app"],
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    )
    rows = []  # (depth, module, cumulative ms)
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].rstrip()
            depth = len(name) - len(name.lstrip())
            rows.append((depth, name.strip(), int(parts[1]) / 1000))
    app = next(r for r in rows if r[1] == "microindex.entrypoints.cli.app")
    direct = [(name, ms) for depth, name, ms in rows if depth == app[0] + 2]
    return app[2], sorted(direct, key=lambda r: -r[1])[:top]


def hyperfine(commands: dict[str, list[str]], runs: int) -> None:
    if shutil.which("hyperfine") is None:
        print("(hyperfine not installed: `apt-get install hyperfine` adds its figures here)")
        return
    quoted = [" ".join(f"'{a}'" for a in argv) for argv in commands.values()]
    subprocess.run(["hyperfine", "--warmup", "2", "--runs", str(runs), "-N", *quoted], env=ENV)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        workspace = Path(scratch) / "shop"
        made = [sys.executable, "-c", CLI, "-w", str(workspace), "init"]
        subprocess.run(made, env=ENV, check=True, capture_output=True)
        commands = cases(workspace)
        measured = {name: timed(argv, args.runs) for name, argv in commands.items()}
        baseline = median(measured["python -c pass (baseline)"][0])
        rows = [
            Row(name, median(wall), min(wall), median(wall) - baseline, median(cpu))
            for name, (wall, cpu) in measured.items()
        ]
        total, heaviest = import_profile(8)
        if args.json:
            print(json.dumps({"rows": [asdict(r) for r in rows], "import_ms": total}, indent=2))
            return
        print(f"{'command':40} {'median ms':>9} {'best ms':>8} {'over baseline':>13} {'cpu ms':>7}")
        for r in rows:
            print(
                f"{r.command:40} {r.median_ms:9.0f} {r.best_ms:8.0f} "
                f"{r.over_baseline_ms:13.0f} {r.cpu_ms:7.0f}"
            )
        print(f"\nimport microindex.entrypoints.cli.app: {total:.0f} ms (python -X importtime)")
        for name, ms in heaviest:
            print(f"  {name:40} {ms:8.1f} ms")
        hyperfine(commands, args.runs)


if __name__ == "__main__":
    main()

"""`catalog import` against a plain executemany of the same file's rows, in the same run.

    python bench/catalog.py                      # 100,000 products, 2 rounds each way
    python bench/catalog.py --products 20000 --rounds 1 --json

A generated catalog (bench/catalog.py) is written as our plain CSV. Each measurement runs in a
fresh child process, so that its peak RSS is its own, and the two sides alternate:
- import: what `microindex catalog import FILE` runs (the CLI's own function, on a new hub);
- executemany: the same file read by `csv.reader` and inserted into the same `products`
  table of a new hub by one `executemany`, in one transaction: no validation, no outbox.
Each row gives wall and CPU seconds and peak RSS (VmHWM); the best round of each side is
compared, on wall and on CPU (on a shared machine wall time is mostly waiting for a core).
Targets: peak RSS of the import under 150 MB, and its wall time at most 3x the executemany.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.catalog import generate
from microindex.adapters.csvio import write_plain

RSS_TARGET_MB = 150
RATIO_TARGET = 3.0

CHILD = """
import csv, json, sys, time
from pathlib import Path
kind, root, file = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
from microindex.bootstrap import bootstrap
from microindex.settings import Settings
ws = bootstrap(Settings(root))
if kind == "import":  # what `microindex` loads before it reads a file
    from typer.testing import CliRunner
    from microindex.entrypoints.cli.app import app
wall, cpu = time.perf_counter(), time.process_time()
if kind == "import":
    result = CliRunner().invoke(app, ["--workspace", str(root), "catalog", "import", str(file)])
    assert result.exit_code == 0, result.output
else:
    from microindex.adapters.sqlite.connection import connect
    conn = connect(root / "hub.sqlite")
    def shaped(rows, header):
        attrs = [(i, c[5:]) for i, c in enumerate(header) if c.startswith("attr:")]
        for r in rows:
            pairs = json.dumps([[name, r[i]] for i, name in attrs if r[i]])
            yield (r[0], r[1] or None, r[2], r[3], r[4], r[5], pairs, r[6], r[7] or None, r[8],
                   "[]", r[9] or None, r[10] or None, r[11], r[12] == "true", r[13] or None,
                   "[]", r[16])
    with file.open(newline="", encoding="utf-8") as text:
        rows = csv.reader(text)
        header = next(rows)
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO products (sku, gtin, title, description, brand, category, attributes,"
            " price, sale_price, currency, media, weight_g, size, fragility, limited_edition,"
            " preorder_until, tags, handle) VALUES (" + ", ".join("?" * 18) + ")",
            shaped(rows, header),
        )
        conn.execute("COMMIT")
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forked parent's copy
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
print(json.dumps({"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": peak}))
"""


@dataclass(frozen=True)
class Run:
    side: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float


def measure(side: str, tmp: Path, file: Path, round_: int) -> Run:
    root = tmp / f"{side}-{round_}"
    out = subprocess.run(
        [sys.executable, "-c", CHILD, side, str(root), str(file)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return Run(side, **json.loads(out.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        file = tmp / "catalog.csv"
        with file.open("wb") as stream:
            write_plain(generate(args.products), stream)
        size_mb = file.stat().st_size / 1e6
        runs = [
            measure(side, tmp, file, r) for r in range(args.rounds) for side in ("import", "plain")
        ]
    best = {
        side: min((r for r in runs if r.side == side), key=lambda r: r.wall_s)
        for side in ("import", "plain")
    }
    ratio = best["import"].wall_s / best["plain"].wall_s
    cpu_ratio = best["import"].cpu_s / best["plain"].cpu_s
    peak = max(r.peak_rss_mb for r in runs if r.side == "import")
    if args.json:
        found = {"runs": [asdict(r) for r in runs], "ratio": ratio, "cpu_ratio": cpu_ratio}
        print(json.dumps({**found, "peak_rss_mb": peak}))
        return 0
    print(f"{args.products} products, {size_mb:.1f} MB CSV, {args.rounds} round(s) each way\n")
    print(f"{'side':<12} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12}")
    for r in runs:
        print(f"{r.side:<12} {r.wall_s:>8.2f} {r.cpu_s:>8.2f} {r.peak_rss_mb:>12.1f}")
    print(
        f"\nimport / executemany (best rounds): {ratio:.1f}x wall, {cpu_ratio:.1f}x CPU"
        f" (target <= {RATIO_TARGET:.0f}x); import peak RSS {peak:.0f} MB"
        f" (target < {RSS_TARGET_MB} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`microindex catalog import` against a plain executemany of the same file's rows, in one run.

    python -m bench.catalog_import                     # 100,000 products, 2 rounds each way
    python -m bench.catalog_import --products 20000 --rounds 1 --json

A generated catalog (bench/catalog.py) is written as our plain CSV. Each measurement is a
process of its own, started by a small measuring process that reads its resources with
`getrusage(RUSAGE_CHILDREN)` once it has ended (CPU = user + system; peak RSS = ru_maxrss), so
that each figure is that process's alone, start-up included. The sides take turns:
- import: the real CLI, `microindex -w WS catalog import FILE` (the console script's own
  entry point, `microindex.entrypoints.cli.app:main`), on a hub `microindex init` made;
- executemany: a Python process that reads the same file with `csv.reader` and inserts its
  rows into the `products` table of such a hub with one `executemany`, in one transaction:
  no validation, no outbox. It stores the rows the import stores: GTINs as 14 digits and
  the catalog's folded keys (title, SKU, category and brand casefolded: the columns its
  filters and pages read by index), so that its indexes by category and brand take the same
  keys;
- executemany, file cells only: the same without the keys (left empty: their indexes take one
  key): what the baseline stored before (session 12). Printed for comparison.
The import also runs once on a fifth of the rows: its peak RSS should not grow with the file.
The best round of each side is compared, on CPU and on wall time (on a shared machine wall
time is mostly waiting for a core or the disk). Targets: the import's peak RSS under 150 MB,
its CPU at most 3x the executemany's that stores the same rows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.catalog import generate
from microindex.adapters.csvio import write_plain

RSS_TARGET_MB = 150
RATIO_TARGET = 3.0
SIDES = ("import", "plain", "cells")  # taking turns; plain and cells: see the docstring
CLI = "from microindex.entrypoints.cli.app import main; main()"  # what `microindex` runs

MEASURE = """
import json, resource, subprocess, sys, time
wall = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - wall
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall_s": wall, "cpu_s": used.ru_utime + used.ru_stime,
                  "peak_rss_mb": used.ru_maxrss / 1024}))
"""

PLAIN = """
import csv, json, sys
from microindex.adapters.sqlite.connection import connect
root, file, keys = sys.argv[1], sys.argv[2], sys.argv[3] == "keys"
conn = connect(root + "/hub.sqlite")
columns = ("sku, gtin, title, description, brand, category, attributes, price, sale_price,"
           " currency, media, weight_g, size, fragility, limited_edition, preorder_until, tags,"
           " handle" + (", title_key, sku_key, category_key, brand_key" if keys else ""))
def shaped(rows, header):
    attrs = [(i, c[5:]) for i, c in enumerate(header) if c.startswith("attr:")]
    for r in rows:
        pairs = json.dumps([[name, r[i]] for i, name in attrs if r[i]])
        gtin = (r[1].zfill(14) if keys else r[1]) if r[1] else None  # stored as 14 digits
        row = (r[0], gtin, r[2], r[3], r[4], r[5], pairs, r[6], r[7] or None, r[8],
               "[]", r[9] or None, r[10] or None, r[11], r[12] == "true", r[13] or None,
               "[]", r[16])
        yield (*row, r[2].casefold(), r[0].casefold(), r[5].casefold(), r[4].casefold()) \
            if keys else row
with open(file, newline="", encoding="utf-8") as text:
    rows = csv.reader(text)
    header = next(rows)
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        f"INSERT INTO products ({columns}) VALUES ({', '.join('?' * (columns.count(',') + 1))})",
        shaped(rows, header),
    )
    conn.execute("COMMIT")
"""


@dataclass(frozen=True)
class Run:
    side: str
    rows: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float


def measure(side: str, tmp: Path, file: Path, rows: int, round_: int) -> Run:
    """One measured process on a new hub: the CLI's import, or the plain executemany."""
    root = tmp / f"{side}-{rows}-{round_}"
    env = dict(os.environ)
    for name in ("MICROINDEX_WORKSPACE", "MICROINDEX_HUB_URL"):  # the embedded hub `init` makes
        env.pop(name, None)
    subprocess.run([sys.executable, "-c", CLI, "-w", str(root), "init"], check=True, env=env,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    if side == "import":
        command = [sys.executable, "-c", CLI, "-w", str(root), "catalog", "import", str(file)]
    else:  # "plain" stores the rows the import stores; "cells" the file's cells only
        keys = "keys" if side == "plain" else "cells"
        command = [sys.executable, "-c", PLAIN, str(root), str(file), keys]
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], check=True, capture_output=True, text=True,
        env=env,
    ).stdout  # fmt: skip
    return Run(side, rows, **json.loads(out.strip().splitlines()[-1]))


def catalog_file(path: Path, products: int) -> Path:
    with path.open("wb") as stream:
        write_plain(generate(products), stream)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    args = parser.parse_args(argv)
    small_rows = max(1, args.products // 5)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        file = catalog_file(tmp / "catalog.csv", args.products)
        small = catalog_file(tmp / "small.csv", small_rows)
        size_mb = file.stat().st_size / 1e6
        runs = [
            measure(side, tmp, file, args.products, r) for r in range(args.rounds) for side in SIDES
        ]
        runs.append(measure("import", tmp, small, small_rows, 0))
    whole = [r for r in runs if r.rows == args.products]
    best = {side: min((r for r in whole if r.side == side), key=lambda r: r.cpu_s)
            for side in SIDES}  # fmt: skip
    cpu_ratio = best["import"].cpu_s / best["plain"].cpu_s
    cells_ratio = best["import"].cpu_s / best["cells"].cpu_s
    ratio = min(r.wall_s for r in whole if r.side == "import") / min(
        r.wall_s for r in whole if r.side == "plain"
    )
    peak = max(r.peak_rss_mb for r in whole if r.side == "import")
    small_peak = max(r.peak_rss_mb for r in runs if r.rows == small_rows)
    if args.json:
        found = {"runs": [asdict(r) for r in runs], "ratio": ratio, "cpu_ratio": cpu_ratio,
                 "cells_cpu_ratio": cells_ratio}  # fmt: skip
        print(json.dumps({**found, "peak_rss_mb": peak, "small_peak_rss_mb": small_peak}))
        return 0
    print(f"{args.products} products, {size_mb:.1f} MB CSV, {args.rounds} round(s) each way")
    print("each row one process, start-up included\n")
    print(f"{'side':<12} {'rows':>8} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12}")
    for r in runs:
        print(f"{r.side:<12} {r.rows:>8} {r.wall_s:>8.2f} {r.cpu_s:>8.2f} {r.peak_rss_mb:>12.1f}")
    print(
        f"\nimport / executemany (best rounds): {cpu_ratio:.1f}x CPU"
        f" (target <= {RATIO_TARGET:.0f}x), {ratio:.1f}x wall"
        f"\nimport / executemany of the file's cells only (no keys): {cells_ratio:.1f}x CPU"
        f"\nimport peak RSS {peak:.0f} MB at {args.products} rows"
        f" (target < {RSS_TARGET_MB} MB), {small_peak:.0f} MB at {small_rows} rows"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

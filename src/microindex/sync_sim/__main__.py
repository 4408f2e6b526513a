"""python -m microindex.sync_sim [--runs N] [--start S] [--seed N] [--sqlite] [--compare]"""

from __future__ import annotations

import argparse
import sys
import time

from microindex.sync_sim.run import compare, comparison_table, run_seed, van_offline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m microindex.sync_sim",
        description="Seeded sync simulations under faults; e.g. --runs 200, or --seed 17 to "
        "replay one, or --compare for rights against the naive policy.",
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--seed", type=int, default=None, help="replay one seed, verbosely")
    parser.add_argument("--sqlite", action="store_true", help="SQLite files, not memory")
    parser.add_argument(
        "--compare", action="store_true", help="rights against naive on --runs van-offline traces"
    )
    args = parser.parse_args(argv)
    if args.compare:
        print(comparison_table([compare(van_offline(seed)) for seed in range(args.runs)]))
        return 0
    seeds = [args.seed] if args.seed is not None else range(args.start, args.start + args.runs)
    started, failed = time.perf_counter(), 0
    for seed in seeds:
        result = run_seed(seed, sqlite=args.sqlite)
        if not result.ok:
            failed += 1
            print(f"seed {seed} FAILED (replay: python -m microindex.sync_sim --seed {seed})")
            for line in result.violations:
                print(f"  {line}")
        elif args.seed is not None:
            print(f"seed {seed} ok: {result.tally}")
    print(f"{len(seeds)} runs, {failed} with violations, {time.perf_counter() - started:.1f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

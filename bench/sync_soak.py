"""Soak: thousands of seeded sync simulations under faults; every violation printed for replay.

    python -m bench.sync_soak                  # 10,000 runs on 2 processes
    python -m bench.sync_soak --runs 500 --start 20000 --check-every 1 --every 100

Each run is `microindex.sync_sim.run.run_seed(seed)`: a hub and three nodes on in-memory
storage, a seeded demand trace and fault mix (drop, duplicate, reorder, delay, partitions that
heal, crashes mid-apply, clock skew, a hub restored from backup), safety checked after every
--check-every-th event, then healed and checked against all of SYNC.md's invariants. Then the
van-offline trace is replayed with rights and with the naive policy, over --compare seeds.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial

from microindex.sync_sim.run import compare, comparison_table, run_seed, van_offline


def _one(seed: int, check_every: int) -> tuple[int, list[str]]:
    return seed, run_seed(seed, check_every=check_every).violations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--check-every", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--compare", type=int, default=20, help="van-offline traces to replay")
    parser.add_argument("--every", type=int, default=1000, help="print progress every N runs")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    failed = 0
    seeds = range(args.start, args.start + args.runs)
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        work = partial(_one, check_every=args.check_every)
        for done, (seed, violations) in enumerate(pool.map(work, seeds, chunksize=25), start=1):
            if violations:
                failed += 1
                print(
                    f"seed {seed}: {violations[:3]}  "
                    f"(replay: python -m microindex.sync_sim --seed {seed})",
                    flush=True,
                )
            if done % args.every == 0:
                print(
                    f"{done} runs, {failed} with violations, {time.perf_counter() - started:.0f}s",
                    flush=True,
                )
    print(f"soak: {args.runs} runs, {failed} with violations, {time.perf_counter() - started:.0f}s")
    if args.compare:
        _comparison(args.compare)
    return 1 if failed else 0


def _comparison(traces: int) -> None:
    print(f"\nvan offline for 5 hours, {traces} traces: rights against the naive policy")
    print(comparison_table([compare(van_offline(seed)) for seed in range(traces)]))


if __name__ == "__main__":
    sys.exit(main())

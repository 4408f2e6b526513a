"""Where a node's second sync spends its CPU: the re-split at which the hub hands most SKUs'
rights back (tau learns the node's real gap, `rights_split.tau_moves`).

    python -m bench.profile_resplit --skus 20000                 # a PostgreSQL hub
    python -m bench.profile_resplit --skus 20000 --hub sqlite

One node receives 5 units of every SKU and syncs for the first time (the hub keeps every
right), then, ten minutes later on the hub's clock, receives 2 units of 20 SKUs and syncs
again under cProfile, in process through the hub's endpoint (encode, verify, decode,
`receive_push`, encode the reply, decode it, apply it at the node). Prints the second sync's
time split into node-side apply, wire encode/decode, the hub's mirror, the hub's rebalance and
the hub's store writes, with the cumulative profile's top entries.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.pg_hub import PG_URL, _node, new_schema, receive
from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.bootstrap import bootstrap
from microindex.domain.codes import Sku
from microindex.domain.money import Money
from microindex.domain.product import Product
from microindex.service import sync
from microindex.service.catalog import ParsedCatalog, import_products
from microindex.service.nodes import add_node
from microindex.settings import Settings

# (label, function names in the profile whose cumulative time makes it up)
PARTS = (
    ("node: prepare push", ("prepare_push",)),
    ("node: apply reply", ("accept_reply",)),
    ("wire: encode push", ("encode_push",)),
    ("wire: decode push", ("decode_push",)),
    ("wire: encode reply", ("encode_reply",)),
    ("wire: decode reply", ("decode_reply",)),
    ("hub: receive_push (all)", ("receive_push",)),
    ("hub: mirror", ("_mirror",)),
    ("hub: rebalance", ("rebalance",)),
    ("hub: pending requests", ("_reply",)),
    ("hub: commit", ("commit",)),
)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _cumulative(stats: pstats.Stats, name: str) -> float:
    found = 0.0
    for (_, _, function), row in stats.stats.items():  # type: ignore[attr-defined]
        if function == name:
            found += row[3]
    return found


def run(folder: Path, url: str | None, skus: int, top: int, each: bool, callers: list[str]) -> None:
    clock = Clock(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    ws = bootstrap(Settings(folder / "hub", hub_url=url), clock=clock)
    try:
        add_node(ws.hub, _node("f000"))
        codes = [f"SKU-{i:05d}" for i in range(skus)]
        products = [
            Product(Sku(code), f"Bench product {code}", Money.parse("9.99", "GBP"))
            for code in codes
        ]
        import_products(ws.hub, ParsedCatalog(products), clock())
        database = SqliteSyncDatabase(folder / "f000.sqlite")
        database.migrate()
        receive(database, "f000", codes, 5)
        started = time.perf_counter()
        first = sync.sync_node(database, "f000", ws.link("f000"), clock())
        print(
            f"first sync: {first.pushed} movements, {first.exchanges} exchanges, "
            f"{time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        clock.at += timedelta(minutes=10)
        receive(database, "f000", codes[:20], 2)
        endpoint = ws.hub_endpoint()
        hub_s: list[float] = []
        hub_profiles: list[cProfile.Profile] = []

        def timed(frame: bytes) -> bytes:
            started = time.perf_counter()
            if each:
                hub_profiles.append(cProfile.Profile())
                hub_profiles[-1].enable()
            try:
                return endpoint(frame)
            finally:
                if each:
                    hub_profiles[-1].disable()
                hub_s.append(time.perf_counter() - started)

        link = ws.link("f000", timed)  # type: ignore[arg-type]
        profile = cProfile.Profile()
        started = time.perf_counter()
        if not each:
            profile.enable()
        second = sync.sync_node(database, "f000", link, clock())
        profile.disable()
        took = time.perf_counter() - started
        database.close()
    finally:
        ws.close()
    print(
        f"second sync: {second.pushed} movements, {second.exchanges} exchanges, {took:.2f} s "
        f"wall ({link.stats.push_bytes} bytes pushed, {link.stats.reply_bytes} answered)"
    )
    print("hub per exchange (s, profiled): " + ", ".join(f"{s:.2f}" for s in hub_s))
    if each:
        for index, one in enumerate(hub_profiles):
            print(f"--- the hub's exchange {index + 1}")
            pstats.Stats(one).sort_stats("tottime").print_stats(top)
        return
    stats = pstats.Stats(profile)
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"profiled CPU {total:.2f} s (with cProfile's overhead)")
    for label, names in PARTS:
        spent = sum(_cumulative(stats, name) for name in names)
        print(f"  {label:28} {spent:7.2f} s  {100 * spent / total:5.1f} %")
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    for name in callers:
        stats.print_callers(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skus", type=int, default=20_000)
    parser.add_argument("--hub", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--each", action="store_true", help="Profile the hub alone, exchange by exchange."
    )
    parser.add_argument(
        "--callers", action="append", default=[], help="Print who calls this function."
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="profile-resplit-") as tmp:
        if args.hub == "sqlite":
            run(Path(tmp), None, args.skus, args.top, args.each, args.callers)
        else:
            with new_schema(args.pg_url) as url:
                run(Path(tmp), url, args.skus, args.top, args.each, args.callers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Where figures come from: a node's own ledger, or the hub's mirror once sync has run."""

from __future__ import annotations

from datetime import timedelta

from microindex.adapters.channels.figures import SqliteFigures
from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.domain.channels.figures import FigureSource
from microindex.service import rights, stock, sync
from tests.sales import sell

from .conftest import T0, Shop


def test_a_figure_from_a_nodes_ledger_is_as_of_its_last_movement_with_its_sales_rate(
    shop: Shop,
) -> None:
    node = shop.workspace.node("shop")
    stock.receive(node, "shop", "MUG-BLUE", 30, T0 - timedelta(days=60))
    sell(node, "shop", "MUG-BLUE", 6, T0 - timedelta(days=40))  # before the 28-day window
    stock.receive(node, "shop", "PLATE-1", 9, T0 - timedelta(days=40))
    sell(node, "shop", "MUG-BLUE", 14, T0 + timedelta(hours=1))
    mug, plate = shop.sources.figures.figures("shop", ["MUG-BLUE", "PLATE-1"])
    assert (mug.quantity, mug.source, mug.as_of) == (
        10,
        FigureSource.LEDGER,
        T0 + timedelta(hours=1),
    )
    assert mug.rate_per_day == 0.5  # 14 sold over the 28-day window
    assert plate.rate_per_day == 0.0  # never sold there: no prior assumed


def test_a_young_ledger_rates_its_sales_over_the_days_it_spans_and_a_late_entry_at_its_time(
    shop: Shop,
) -> None:
    node = shop.workspace.node("shop")
    stock.receive(node, "shop", "MUG-BLUE", 30, T0)
    sell(node, "shop", "MUG-BLUE", 3, T0 + timedelta(days=4))
    sell(node, "shop", "MUG-BLUE", 5, T0 - timedelta(days=90))  # a till roll typed in late
    (mug,) = shop.sources.figures.figures("shop", ["MUG-BLUE"])
    assert mug.rate_per_day == 0.75  # 3 over the 4 days since the ledger began; the old 5 out
    assert mug.as_of == T0 + timedelta(days=4)  # the late entry does not age the figure
    stock.receive(node, "shop", "VASE-9", 1, T0 + timedelta(days=4, hours=1))
    (fresh,) = shop.sources.figures.figures("shop", ["VASE-9"])
    assert fresh.rate_per_day == 0.0


def test_once_sync_has_run_the_hubs_mirror_is_read_as_of_the_last_sync(shop: Shop) -> None:
    stock.receive(shop.workspace.node("van"), "van", "MUG-BLUE", 9, T0)
    hub = shop.workspace.settings.hub_path
    synced = T0 - timedelta(hours=3)
    assert isinstance(shop.workspace.hub, SqlitePromiseDatabase)
    conn = shop.workspace.hub.connection()
    mirrored = [
        ("van", 1, "MUG-BLUE", 9, "receive", (synced - timedelta(days=2)).isoformat(), "", ""),
        ("van", 2, "MUG-BLUE", -2, "sell", (synced - timedelta(days=1)).isoformat(), "", ""),
    ]
    with conn:
        conn.execute(
            "INSERT INTO sync_peers VALUES ('van', 1, 4, 0, 1, ?, 600, 0, 0, 'e1')",
            (synced.timestamp(),),
        )
        conn.executemany(
            "INSERT INTO movements (node, seq, sku, quantity, kind, at, reference, actor)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            mirrored,
        )
        # sync's own estimate for the split, which the channels do not read
        conn.execute("INSERT INTO hub_walk_in_rates VALUES ('van', 'MUG-BLUE', ?)", (50 / 86400,))
        conn.execute("INSERT INTO on_hand VALUES ('van', 'MUG-BLUE', 7)")
        conn.execute("INSERT INTO ledger_heads VALUES ('van', 2)")
    files = {"van": shop.workspace.settings.nodes_dir / "van.sqlite"}
    (mug,) = SqliteFigures(files, hub).figures("van")
    assert (mug.quantity, mug.source, mug.as_of) == (7, FigureSource.SYNC, synced)
    assert mug.rate_per_day == 1.0  # the mirrored ledger's own history: 2 sold over 2 days
    (own,) = SqliteFigures(files).figures("van")  # no hub: the node's own ledger
    assert (own.quantity, own.source) == (9, FigureSource.LEDGER)


def test_a_walk_in_sale_recorded_after_its_own_rights_request_is_not_shown_as_fresh_stock(
    shop: Shop,
) -> None:
    """The sale asks the hub for rights (a sync at T0 + 1 min), then is recorded at the node
    as of the till's time: the hub's copy of the ledger lacks it, so its last contact does
    not make the pre-sale stock fresh."""
    van = shop.workspace.node("van")
    stock.receive(van, "van", "MUG-BLUE", 3, T0)
    sync.sync_node(van, "van", shop.workspace.link("van"), T0)
    till = T0 + timedelta(minutes=30)
    shop.at(till + timedelta(minutes=1))  # the ask reaches the hub after the till's time
    rights.sell_walk_in(van, "van", "MUG-BLUE", 3, till, ask=shop.workspace.ask_hub("van"))
    (mug,) = shop.sources.figures.figures("van", ["MUG-BLUE"])
    assert mug.quantity == 0
    assert mug.as_of <= till  # as of the ledger position read, never of a later contact

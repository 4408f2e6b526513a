"""The order store on SQLite and PostgreSQL: an order's parts come back as stored, with the
node their goods travel to and when they arrived, and the transfers an order needs commit or
roll back with it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from microindex.adapters.open_orders import (
    ENDED_STEPS,
    LIVE_PART,
    LIVE_STEPS,
    OPEN_PARTS_INDEX,
    open_idents,
)
from microindex.adapters.postgres import migrations as postgres_migrations
from microindex.adapters.postgres.order_store import PostgresPromiseDatabase
from microindex.adapters.sqlite import migrations as sqlite_migrations
from microindex.adapters.sqlite.order_store import SqlitePromiseDatabase
from microindex.domain.promise.lifecycle import ENDED, LAST, ORDER, Event, Order, Part, Step
from microindex.domain.promise.order import Method
from microindex.domain.transfer import Transfer
from microindex.service.promise_ports import OrderRecord

from .conftest import POSTGRES
from .samples import AT, later

PromiseDatabase = SqlitePromiseDatabase | PostgresPromiseDatabase
ADDED = (81, 94, 95, 170)  # a part's transfer and arrival; a transfer's order; at risk, indexed


class Hubs:
    """Opens promise hubs of one kind for a test, and closes them after it."""

    def __init__(self, kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
        self.kind, self._tmp_path, self._opened = kind, tmp_path, list[PromiseDatabase]()
        if kind == "postgres":
            self._url: str = request.getfixturevalue("postgres_url")
            self._migrated = request.getfixturevalue("new_postgres_schema")
            self._empty = request.getfixturevalue("empty_postgres_schema")

    @property
    def migrations(self) -> Any:
        return sqlite_migrations if self.kind == "sqlite" else postgres_migrations

    def open(self, empty: bool = False) -> PromiseDatabase:
        """A hub to `migrate`; on PostgreSQL already migrated unless `empty`."""
        hub: PromiseDatabase
        if self.kind == "sqlite":
            hub = SqlitePromiseDatabase(self._tmp_path / f"hub{len(self._opened)}.sqlite")
        else:
            hub = PostgresPromiseDatabase(self._url, (self._empty if empty else self._migrated)())
        self._opened.append(hub)
        return hub

    def close(self) -> None:
        for hub in self._opened:
            hub.close()


@pytest.fixture(params=["sqlite", POSTGRES])
def hubs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Hubs]:
    opened = Hubs(request.param, tmp_path, request)
    yield opened
    opened.close()


def travelling_order() -> OrderRecord:
    parts = {
        "locker": Part("locker", (("BOWL", 1),), ready_by=later(60), arrives_by=later(60)),
        "shopfront": Part("shopfront", (("MUG", 2),), ready_by=later(90), transfer_to="locker"),
    }
    order = Order("o-1", Method.PICKUP, AT, later(3600), parts)
    order.events.extend(Event("o-1", node, Step.PROMISED, AT) for node in parts)
    return OrderRecord(order, "digest", {"lines": [["MUG", 2]]}, ("why",), later(900))


def test_an_orders_parts_come_back_with_where_their_goods_travel(hubs: Hubs) -> None:
    hub = hubs.open()
    hub.migrate()
    with hub() as uow:
        uow.orders.add(travelling_order())
        uow.commit()
    with hub() as uow:
        found = uow.orders.get("o-1")
    assert found is not None and found.order.parts == travelling_order().order.parts


def test_an_arrival_is_saved_with_the_step_it_made(hubs: Hubs) -> None:
    hub = hubs.open()
    hub.migrate()
    with hub() as uow:
        uow.orders.add(travelling_order())
        uow.commit()
    with hub() as uow:
        found = uow.orders.get("o-1")
        assert found is not None
        found.order.arrive("shopfront", later(4000), "bo")
        uow.orders.save(found.order)
        uow.commit()
    with hub() as uow:
        again = uow.orders.get("o-1")
    assert again is not None
    part = again.order.parts["shopfront"]
    assert (part.arrived_at, part.step, part.transfer_to) == (later(4000), Step.PACKED, "locker")
    assert part.arrived_at is not None and part.arrived_at.utcoffset() == timedelta(0)
    assert again.order.parts["locker"].arrived_at is None


def test_open_orders_at_a_node_include_those_whose_goods_travel_there(hubs: Hubs) -> None:
    hub = hubs.open()
    hub.migrate()
    sent = Part("shopfront", (("MUG", 2),), transfer_to="locker")
    order = Order("o-2", Method.PICKUP, AT, later(3600), {"shopfront": sent})
    order.events.append(Event("o-2", "shopfront", Step.PROMISED, AT))
    with hub() as uow:
        uow.orders.add(travelling_order())
        uow.orders.add(OrderRecord(order, "digest", {}, (), later(900)))
        uow.commit()
    with hub() as uow:
        assert [o.ident for o in uow.orders.open_at("locker")] == ["o-1", "o-2"]
        assert [o.ident for o in uow.orders.open_at("shopfront")] == ["o-1", "o-2"]
        assert uow.orders.open_at("van") == []


def test_the_transfers_an_order_needs_commit_and_roll_back_with_it(hubs: Hubs) -> None:
    hub = hubs.open()
    hub.migrate()
    made = Transfer.request("o-1/shopfront", "shopfront", "locker", {"MUG": 2}, AT, "o-1")
    with hub() as uow:
        uow.orders.add(travelling_order())
        uow.transfers.add(made)
        uow.rollback()
        assert (uow.orders.get("o-1"), uow.transfers.get("o-1/shopfront")) == (None, None)
        uow.orders.add(travelling_order())
        uow.transfers.add(made)
        uow.transfers.add(Transfer.request("t-1", "shopfront", "van", {"MUG": 1}, AT))
        uow.commit()
    with hub() as uow:
        found = uow.transfers.get("o-1/shopfront")
        assert found is not None and (found.order, found.requested) == ("o-1", {"MUG": 2})
        assert [(t.ident, t.order) for t in uow.transfers.listed()] == [
            ("o-1/shopfront", "o-1"),
            ("t-1", None),
        ]


def test_orders_stored_before_the_upgrade_read_back_with_no_transfer(
    hubs: Hubs, monkeypatch: pytest.MonkeyPatch
) -> None:
    every = list(hubs.migrations.MIGRATIONS)
    monkeypatch.setattr(hubs.migrations, "MIGRATIONS", [m for m in every if m[0] not in ADDED])
    hub = hubs.open(empty=True)
    hub.migrate()
    _old_order(hub)
    monkeypatch.setattr(hubs.migrations, "MIGRATIONS", every)
    assert hub.migrate() == list(ADDED)
    with hub() as uow:
        found = uow.orders.get("o-0")
        assert found is not None
        assert found.order.parts["van"] == Part("van", (("MUG", 1),), Step.PROMISED, AT, AT)
        found.order.advance("van", Step.PICKED, later(60))
        uow.orders.save(found.order)
        uow.commit()


def _old_order(hub: PromiseDatabase) -> None:
    """An order as the schema before migration 81 stored it."""
    conn: Any = hub.connection()
    mark = "?" if isinstance(hub, SqlitePromiseDatabase) else "%s"
    t = AT.isoformat() if isinstance(hub, SqlitePromiseDatabase) else AT
    row = ("o-0", "d", "ship", t, t, t, '{"lines": [["MUG", 1]]}', '["why"]')
    conn.execute(f"INSERT INTO orders VALUES ({', '.join(mark for _ in row)})", row)
    part = ("o-0", "van", '[["MUG", 1]]', "promised", t, t)
    conn.execute(f"INSERT INTO order_parts VALUES ({', '.join(mark for _ in part)})", part)
    conn.commit()


def test_a_line_re_promised_elsewhere_and_a_part_at_risk_come_back_with_why(hubs: Hubs) -> None:
    hub = hubs.open()
    hub.migrate()
    with hub() as uow:
        uow.orders.add(travelling_order())
        uow.commit()
    with hub() as uow:
        found = uow.orders.get("o-1")
        assert found is not None
        order = found.order
        order.reroute("locker", "BOWL", Part("van", (), ready_by=later(30)), later(10), "gone")
        order.mark_at_risk("shopfront", "dropped, none elsewhere")
        uow.orders.save(order)
        uow.commit()
    with hub() as uow:
        found = uow.orders.get("o-1")
        history = uow.orders.history("o-1")
    assert found is not None
    parts = found.order.parts
    assert parts["locker"].step is Step.REROUTED and parts["van"].lines == (("BOWL", 1),)
    assert found.order.at_risk == {"shopfront": "dropped, none elsewhere"}
    assert [(e.node, e.step, e.note) for e in history[2:]] == [
        ("locker", Step.REROUTED, "re-promised from locker: gone"),
        ("van", Step.PROMISED, "re-promised from locker: gone"),
    ]
    with hub() as uow:
        assert [o.ident for o in uow.orders.open_at("van")] == ["o-1"]
        assert uow.orders.at_risk_nodes() == ["shopfront"]  # what the hub's retries read


def _order(ident: str, method: Method, steps: dict[str, Step]) -> OrderRecord:
    parts = {node: Part(node, (("MUG", 1),), step) for node, step in steps.items()}
    return OrderRecord(Order(ident, method, AT, later(3600), parts), "d", {}, (), later(900))


def test_open_orders_are_those_with_a_part_before_its_methods_last_step(hubs: Hubs) -> None:
    """Read from the live parts' index (migration 193), with the answers of the scan of every
    part not ended it replaced: at a node, an open order with any part not ended there."""
    hub = hubs.open()
    hub.migrate()
    with hub() as uow:
        for record in (
            _order("o-a", Method.SHIP, {"van": Step.DELIVERED, "shopfront": Step.PROMISED}),
            _order("o-b", Method.PICKUP, {"van": Step.HANDED_OVER}),  # collected: closed
            _order("o-c", Method.LOCAL_DELIVERY, {"van": Step.HANDED_OVER}),  # on its way
            _order("o-d", Method.SHIP, {"van": Step.DELIVERED}),
            _order("o-e", Method.SHIP, {"van": Step.CANCELLED, "locker": Step.PACKED}),
        ):
            uow.orders.add(record)
        uow.commit()
    with hub() as uow:
        assert [o.ident for o in uow.orders.open_at(None)] == ["o-a", "o-c", "o-e"]
        assert [o.ident for o in uow.orders.open_at("van")] == ["o-a", "o-c"]
        assert [o.ident for o in uow.orders.open_at("shopfront")] == ["o-a"]
        assert [o.ident for o in uow.orders.open_at("locker")] == ["o-e"]


def test_the_live_steps_are_those_before_some_methods_last(hubs: Hubs) -> None:
    live = {step.strip(" '") for step in LIVE_STEPS.split(",")}
    assert live == {s.value for m in Method for s in ORDER[: ORDER.index(LAST[m])]}  # open
    assert {s.strip(" '") for s in ENDED_STEPS.split(",")} == {s.value for s in ENDED}
    assert {m for m in Method if LAST[m].value in live} == {Method.PICKUP}  # `BEFORE_LAST`
    assert OPEN_PARTS_INDEX.endswith(f"WHERE {LIVE_PART}")
    assert (
        "(" + " OR ".join(f"step = {s.strip()}" for s in LIVE_STEPS.split(",")) + ")" == LIVE_PART
    )
    hub = hubs.open()
    hub.migrate()
    for query in (open_idents(), open_idents("?1" if hubs.kind == "sqlite" else "%s")):
        plan = _plan(hub, query)
        assert "order_parts_live" in plan, plan


def _plan(hub: PromiseDatabase, query: str) -> str:
    if isinstance(hub, SqlitePromiseDatabase):
        rows = hub.connection().execute("EXPLAIN QUERY PLAN " + query, ("van",) * ("?1" in query))
        return "\n".join(str(row[-1]) for row in rows)
    conn = hub.connection()
    with conn.transaction():
        conn.execute("SET LOCAL enable_seqscan = off")  # the table is empty: what can it use
        found = conn.execute("EXPLAIN " + query, ("van",) * query.count("%s")).fetchall()
    return "\n".join(str(row[0]) for row in found)

"""Triage, pruning and the KPI definitions, on small hand-made histories."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from microindex.domain.kpis import (
    Handover,
    fill_rate,
    package_return_rates,
    sell_through,
    time_to_fulfilment,
)
from microindex.domain.movement import Movement, MovementKind
from microindex.domain.product import Fragility
from microindex.domain.triage import SkuFacts, prune, weighted

DAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def ledger(*lines: tuple[int, str, MovementKind, int]) -> list[Movement]:
    """(day, sku, kind, quantity) lines as a node's ledger, in order."""
    return [
        Movement("van", seq, sku, qty, kind, DAY + timedelta(days=day, minutes=seq))
        for seq, (day, sku, kind, qty) in enumerate(lines, start=1)
    ]


SELL, RECEIVE = MovementKind.SELL, MovementKind.RECEIVE


def test_fill_rate_estimates_lost_demand_on_days_a_selling_sku_was_out() -> None:
    moves = ledger(
        (0, "A", RECEIVE, 2),
        (0, "A", SELL, -1),
        (0, "B", RECEIVE, 5),
        (0, "B", SELL, -1),
        (1, "A", SELL, -1),
        (1, "B", SELL, -1),  # A sells out on day 1
        (2, "B", SELL, -1),
        (3, "B", SELL, -1),  # A is gone on days 2 and 3
    )
    rate = fill_rate("van", moves, DAY.date(), DAY.date() + timedelta(days=4), UTC)
    assert rate.served == 6 and rate.trading_days == 4
    assert rate.lost_estimate == 2.0  # A's 1 unit/day on its 2 in-stock days, 2 days out
    assert rate.rate == 0.75


def test_fill_rate_is_not_measured_without_demand() -> None:
    assert fill_rate("van", [], date(2026, 11, 2), date(2026, 11, 9), UTC).rate is None


def test_sell_through_is_sold_over_sold_plus_on_hand() -> None:
    total, lines = sell_through("van", {"A": 3, "B": 1}, {"A": 1, "B": 0, "C": 4})
    assert (total.sold, total.on_hand, total.rate) == (4, 5, 4 / 9)
    assert [(t.sku, t.rate) for t in lines] == [("A", 0.75), ("B", 1.0), ("C", 0.0)]


def test_return_rate_by_package_type_counts_orders_with_a_return() -> None:
    rates = package_return_rates(
        [("o1", "mailer"), ("o2", "mailer"), ("o3", "box")], returned_refs={"o2", "till:van"}
    )
    assert [(r.package_type, r.orders, r.returned, r.rate) for r in rates] == [
        ("box", 1, 0, 0.0),
        ("mailer", 2, 1, 0.5),
    ]


def test_time_to_fulfilment_is_hours_from_promise_to_handover_per_node() -> None:
    events = [
        Handover(f"o{i}", "van", DAY, DAY + timedelta(hours=h)) for i, h in enumerate((1, 2, 9))
    ]
    [van] = time_to_fulfilment(events)
    assert (van.orders, van.median_hours, van.p90_hours) == (3, 2.0, 9.0)
    assert time_to_fulfilment([]) == []


def facts(
    sku: str, units: int, weeks: int = 8, price: str = "10", fragile: bool = False
) -> SkuFacts:
    fragility = Fragility.VERY_FRAGILE if fragile else Fragility.STURDY
    return SkuFacts(sku, units, weeks, Decimal(price), fragility)


def test_triage_ranks_fast_steady_sturdy_high_margin_skus_first() -> None:
    ranked = weighted(
        "van", [facts("SLOW", 2, 2), facts("FAST", 40), facts("GLASS", 40, fragile=True)], 8
    )
    assert [p.sku for p in ranked] == ["FAST", "GLASS", "SLOW"]
    assert ranked[0].target == 10  # 5 a week, two weeks' cover


def test_triage_proposes_at_most_the_limit() -> None:
    many = [facts(f"SKU-{i:03d}", i + 1) for i in range(250)]
    proposal = weighted("shopfront", many, 8)
    assert len(proposal) == 200 and proposal[0].sku == "SKU-249"
    assert [p.rank for p in proposal] == list(range(1, 201))


@given(st.lists(st.tuples(st.integers(1, 500), st.integers(0, 8)), min_size=1, max_size=30))
def test_triage_scores_stay_between_zero_and_one(rows: list[tuple[int, int]]) -> None:
    proposal = weighted("van", [facts(f"S{i}", u, w) for i, (u, w) in enumerate(rows)], 8)
    assert all(0.0 <= p.score <= 1.0 for p in proposal)
    assert [p.score for p in proposal] == sorted((p.score for p in proposal), reverse=True)


def test_pruning_moves_a_slow_mover_to_the_node_that_sells_it_or_drops_it() -> None:
    velocity = {"locker": {"MUG": 0.1, "VASE": 0.0}, "shopfront": {"MUG": 2.0}}
    found = prune("locker", {"MUG": 3, "VASE": 2, "EMPTY": 0}, velocity)
    assert [(s.sku, s.action, s.to) for s in found] == [
        ("VASE", "drop", None),
        ("MUG", "move", "shopfront"),
    ]

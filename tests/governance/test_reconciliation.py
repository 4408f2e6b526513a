"""Reconciliation: counts set against the ledger at their position, tolerance, approval."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microindex.adapters.csvio.count_file import parse_counts
from microindex.domain.reconciliation import NotAwaitingApproval, Outcome, Tolerance, judge
from microindex.service import reconciliation, stock
from microindex.service.catalog import ImportRejected
from tests.governance.conftest import AT, BOWL, MUG, VASE, Shop
from tests.sales import sell

NODE = "shopfront"
LOOSE = Tolerance(units=2)


def on_hand(shop: Shop, sku: str) -> int:
    with shop.nodes[NODE]() as uow:
        return uow.ledger.load(NODE, [sku]).available(sku)


def counts(text: str) -> reconciliation.ParsedCounts:
    return parse_counts(io.BytesIO(text.encode()))


def test_a_count_taken_while_sales_continue_gives_the_right_variance(shop: Shop) -> None:
    db = shop.nodes[NODE]
    stock.receive(db, NODE, MUG, 10, AT)
    position = stock.ledger_head(db, NODE)  # counting starts: 10 on the shelf, 1 missing
    sell(db, NODE, MUG, 3, AT + timedelta(minutes=5), "till:shopfront")  # sales go on
    reconciliation.submit_counts(
        db, NODE, counts(f"sku,counted,position\n{MUG},9,{position}\n"), AT
    )
    done = reconciliation.reconcile(db, NODE, LOOSE, AT + timedelta(hours=12))
    [variance] = done.variances
    assert (variance.expected, variance.counted, variance.variance) == (10, 9, -1)
    assert variance.outcome is Outcome.ADJUSTED
    assert on_hand(shop, MUG) == 6  # 10 - 3 sold - 1 missing


def test_a_variance_over_tolerance_is_flagged_and_not_adjusted_until_approved(shop: Shop) -> None:
    db = shop.nodes[NODE]
    stock.receive(db, NODE, VASE, 10, AT)
    reconciliation.submit_counts(db, NODE, counts(f"sku,counted\n{VASE},4\n"), AT)
    [flagged] = reconciliation.reconcile(db, NODE, LOOSE, AT).variances
    assert flagged.outcome is Outcome.FLAGGED
    assert (flagged.variance, flagged.value, flagged.cost_basis) == (
        -6,
        Decimal("-540.00"),
        "price",
    )
    assert flagged.movement is None
    assert on_hand(shop, VASE) == 10
    assert reconciliation.reconcile(db, NODE, LOOSE, AT).variances == []  # nothing re-judged
    [approved] = reconciliation.approve(db, NODE, [flagged.id], AT, "owner")
    assert approved.outcome is Outcome.APPROVED and approved.movement is not None
    assert on_hand(shop, VASE) == 4
    with pytest.raises(NotAwaitingApproval):
        reconciliation.approve(db, NODE, [flagged.id], AT, "owner")


def test_every_counted_line_leaves_a_variance_in_the_history(shop: Shop) -> None:
    db = shop.nodes[NODE]
    stock.receive(db, NODE, MUG, 5, AT)
    stock.receive(db, NODE, BOWL, 5, AT)
    reconciliation.submit_counts(db, NODE, counts(f"sku,counted\n{MUG},5\n{BOWL},4\n"), AT)
    reconciliation.reconcile(db, NODE, LOOSE, AT)
    kept = reconciliation.history(db, NODE)
    assert [(v.sku, v.variance, v.outcome) for v in kept] == [
        (MUG, 0, Outcome.MATCHED),
        (BOWL, -1, Outcome.ADJUSTED),
    ]


def test_an_older_count_of_a_sku_is_superseded_by_a_later_one(shop: Shop) -> None:
    db = shop.nodes[NODE]
    stock.receive(db, NODE, MUG, 5, AT)
    reconciliation.submit_counts(db, NODE, counts(f"sku,counted,position\n{MUG},4,1\n"), AT)
    sell(db, NODE, MUG, 1, AT, "till:shopfront")
    reconciliation.submit_counts(db, NODE, counts(f"sku,counted,position\n{MUG},3,2\n"), AT)
    made = reconciliation.reconcile(db, NODE, LOOSE, AT).variances
    assert [v.outcome for v in made] == [Outcome.SUPERSEDED, Outcome.ADJUSTED]
    assert on_hand(shop, MUG) == 3


@pytest.mark.parametrize(
    ("text", "column", "reason"),
    [
        (f"sku,counted\nNOPE-1,3\n{MUG},2\n", "sku", "not in the catalog"),
        (f"sku,counted\n{MUG},-3\n", "counted", "cannot be negative"),
        (f"sku,counted\n{MUG},3\n{MUG},4\n", "sku", "duplicate SKU, first on row 2"),
        (f"sku,counted,position\n{MUG},3,999\n", "position", "beyond the ledger's head (1)"),
    ],
    ids=["unknown-sku", "negative", "duplicate", "position-ahead"],
)
def test_a_bad_count_file_is_refused_with_row_level_reasons_and_nothing_applied(
    shop: Shop, text: str, column: str, reason: str
) -> None:
    db = shop.nodes[NODE]
    stock.receive(db, NODE, MUG, 5, AT)
    with pytest.raises(ImportRejected) as refused:
        reconciliation.submit_counts(db, NODE, counts(text), AT)
    assert any(e.column == column and e.reason == reason for e in refused.value.errors), str(
        refused.value
    )
    assert reconciliation.reconcile(db, NODE, LOOSE, AT).variances == []
    assert on_hand(shop, MUG) == 5


def test_a_scan_session_counts_each_scan_as_one_unit(shop: Shop) -> None:
    db = shop.nodes[NODE]
    stock.receive(db, NODE, VASE, 3, AT)
    parsed = reconciliation.counts_from_scans(db, ["5069412000027", VASE, "5069412000027"])
    assert [(r.sku, r.counted) for r in parsed.counts] == [(VASE, 3)]


variances = st.integers(-500, 500)
expected_units = st.integers(0, 500)
costs = st.decimals(0, 1000, places=2)


@given(variances, expected_units, costs)
def test_a_zero_variance_is_always_within_any_tolerance(v: int, e: int, c: Decimal) -> None:
    assert judge(0, e, c, Tolerance(units=None)) is Outcome.MATCHED
    assert Tolerance(units=0, percent=Decimal(0), value=Decimal(0)).allows(0, e, c)


@given(variances, expected_units, costs, st.integers(0, 20), st.decimals(0, 1, places=2))
def test_tolerance_is_symmetric_and_a_smaller_variance_stays_within(
    v: int, e: int, c: Decimal, units: int, percent: Decimal
) -> None:
    tolerance = Tolerance(units=units, percent=percent, value=Decimal("50.00"))
    assert tolerance.allows(v, e, c) == tolerance.allows(-v, e, c)
    if tolerance.allows(v, e, c):
        smaller = v - 1 if v > 0 else v + 1 if v < 0 else 0
        assert tolerance.allows(smaller, e, c)


@given(variances, expected_units, costs)
def test_a_variance_is_adjusted_only_when_every_limit_set_holds(v: int, e: int, c: Decimal) -> None:
    tolerance = Tolerance(units=3, value=Decimal("60.00"))
    outcome = judge(v, e, c, tolerance)
    within = abs(v) <= 3 and abs(v) * c <= Decimal("60.00")
    expected = Outcome.MATCHED if v == 0 else Outcome.ADJUSTED if within else Outcome.FLAGGED
    assert outcome is expected

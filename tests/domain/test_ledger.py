import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microindex.domain.errors import (
    CountPositionAhead,
    InvalidValue,
    MovementConflict,
    OutOfStock,
    SequenceGap,
    WrongNode,
)
from microindex.domain.ledger import Ledger
from microindex.domain.movement import Movement, MovementKind

AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
K = MovementKind


def fresh() -> Ledger:
    return Ledger("van", 0, {})


def test_selling_more_than_on_hand_is_refused_and_changes_nothing() -> None:
    ledger = fresh()
    ledger.record("MUG", K.RECEIVE, 2, AT)
    with pytest.raises(OutOfStock) as refused:
        ledger.record("MUG", K.SELL, -3, AT)
    assert (refused.value.requested, refused.value.available) == (3, 2)
    assert ledger.available("MUG") == 2
    assert ledger.head == 1
    assert len(ledger.new) == 1


@pytest.mark.parametrize(
    ("kind", "quantity"),
    [(K.RECEIVE, -1), (K.SELL, 1), (K.WRITE_OFF, 2), (K.TRANSFER_IN, 0), (K.COUNT_ADJUST, 0)],
)
def test_each_kind_has_its_sign(kind: MovementKind, quantity: int) -> None:
    with pytest.raises(InvalidValue):
        fresh().record("MUG", kind, quantity, AT)


def test_a_grant_moves_rights_but_not_goods() -> None:
    ledger = fresh()
    ledger.record("MUG", K.RECEIVE, 3, AT)
    ledger.record("MUG", K.GRANT, 2, AT)
    assert ledger.available("MUG") == 3


def test_movement_times_must_carry_a_time_zone() -> None:
    with pytest.raises(InvalidValue):
        Movement("van", 1, "MUG", 1, K.RECEIVE, datetime(2026, 1, 1))


def test_replicating_the_same_movement_twice_is_a_no_op() -> None:
    source = fresh()
    made = source.record("MUG", K.RECEIVE, 4, AT)
    replica = fresh()
    assert replica.replicate(made, None) is True
    assert replica.replicate(made, made) is False
    assert replica.available("MUG") == 4
    assert replica.head == 1


def test_a_different_movement_under_a_seen_sequence_is_a_conflict() -> None:
    replica = fresh()
    first = Movement("van", 1, "MUG", 4, K.RECEIVE, AT)
    replica.replicate(first, None)
    forged = Movement("van", 1, "MUG", 40, K.RECEIVE, AT)
    with pytest.raises(MovementConflict):
        replica.replicate(forged, first)


def test_a_gap_in_sequence_is_refused() -> None:
    with pytest.raises(SequenceGap):
        fresh().replicate(Movement("van", 2, "MUG", 1, K.RECEIVE, AT), None)


def test_another_nodes_movement_cannot_enter_this_ledger() -> None:
    with pytest.raises(WrongNode):
        fresh().replicate(Movement("locker", 1, "MUG", 1, K.RECEIVE, AT), None)


def test_a_count_keeps_the_sales_made_while_counting() -> None:
    ledger = fresh()
    ledger.record("MUG", K.RECEIVE, 10, AT)
    position = ledger.head  # counting starts: 10 expected
    ledger.record("MUG", K.SELL, -2, AT)  # two sold while the count goes on
    result = ledger.count("MUG", 9, position, expected_at_position=10, at=AT)
    assert result.variance == -1
    assert ledger.available("MUG") == 7  # 9 counted, minus the 2 sold since


def test_a_count_that_later_sales_overtake_stops_at_zero_with_a_deficit() -> None:
    ledger = fresh()
    ledger.record("MUG", K.RECEIVE, 3, AT)
    position = ledger.head
    ledger.record("MUG", K.SELL, -3, AT)
    result = ledger.count("MUG", 1, position, expected_at_position=3, at=AT)
    assert result.adjustment is None
    assert result.deficit == 2
    assert ledger.available("MUG") == 0


def test_a_count_cannot_be_taken_at_a_position_not_yet_reached() -> None:
    with pytest.raises(CountPositionAhead):
        fresh().count("MUG", 1, position=5, expected_at_position=0, at=AT)


kinds = st.sampled_from([k for k in MovementKind if k is not K.COUNT_ADJUST])
steps = st.lists(
    st.tuples(st.sampled_from(["MUG", "BOWL", "VASE"]), kinds, st.integers(1, 20)), max_size=60
)


def _signed(kind: MovementKind, quantity: int) -> int:
    takes = {K.SELL, K.PICK, K.TRANSFER_OUT, K.WRITE_OFF}
    return -quantity if kind in takes else quantity


@given(steps)
def test_on_hand_is_the_sum_of_movements_and_never_negative(
    plan: list[tuple[str, MovementKind, int]],
) -> None:
    ledger = fresh()
    for sku, kind, quantity in plan:
        with contextlib.suppress(OutOfStock):
            ledger.record(sku, kind, _signed(kind, quantity), AT)
        assert all(v >= 0 for v in ledger.on_hand.values())
    for sku in ("MUG", "BOWL", "VASE"):
        assert ledger.available(sku) == sum(m.on_hand_delta for m in ledger.new if m.sku == sku)
    assert [m.seq for m in ledger.new] == list(range(1, ledger.head + 1))


@given(steps, st.data())
def test_replaying_any_movement_changes_nothing(
    plan: list[tuple[str, MovementKind, int]], data: st.DataObject
) -> None:
    source = fresh()
    for sku, kind, quantity in plan:
        with contextlib.suppress(OutOfStock):
            source.record(sku, kind, _signed(kind, quantity), AT)
    replica = fresh()
    for movement in source.new:
        replica.replicate(movement, None)
    before = (dict(replica.on_hand), replica.head)
    if source.new:
        again = data.draw(st.sampled_from(source.new))
        assert replica.replicate(again, again) is False
    assert (dict(replica.on_hand), replica.head) == before

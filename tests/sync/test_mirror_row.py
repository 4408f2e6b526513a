"""The hub mirrors a push's rows (`NodeAccount.mirror_row`) without building a `Movement` for
a plain receipt or a sale within local rights, a node's grant or its release answering the
hub's request: on any run of movements it must end exactly where folding each movement
(`mirror_movement`) ends, refusals included."""

from collections.abc import Callable
from copy import deepcopy
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from microindex.domain.errors import DomainError
from microindex.domain.ledger import Ledger
from microindex.domain.movement import (
    QUANTITY_SIGN,
    Movement,
    MovementKind,
    MovementRow,
    Tag,
    movement_of,
    row_of,
)
from microindex.domain.sync.account import NodeAccount, Request, RequestKind, Reservation, State
from microindex.domain.sync.rights import Rights

T = TypeVar("T")
AT = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
SKUS = ("MUG", "TEA")
IDENTS = ("", "o-1", "o-2")


@st.composite
def movements(draw: st.DrawFn) -> list[tuple[MovementKind, int, str, Tag | None, str]]:
    """(kind, quantity, sku, tag, tag_id): mostly plain receipts and sales, some tagged, and
    a share of rights moves (grants either way, untagged or tagged grant or release)."""
    made = []
    for _ in range(draw(st.integers(1, 30))):
        if draw(st.integers(0, 3)) == 0:
            kind, sign = MovementKind.GRANT, draw(st.sampled_from((1, -1)))
            tag = draw(st.sampled_from((None, Tag.GRANT, Tag.RELEASE)))
        else:
            kind = draw(st.sampled_from(list(MovementKind)))
            sign = QUANTITY_SIGN[kind] or draw(st.sampled_from((1, -1)))
            tag = draw(st.one_of(st.none(), st.none(), st.sampled_from(list(Tag))))
        size = draw(st.integers(1, 6))
        ident = draw(st.sampled_from(IDENTS)) if tag else ""
        made.append((kind, sign * size, draw(st.sampled_from(SKUS)), tag, ident))
    return made


def start() -> NodeAccount:
    """Some H, rights in every pool, an open reservation set aside and releases on their way
    (two under one key): every branch of the fold is in reach, a release the hub sent and one
    it does not know of (sent by a hub since restored) too."""
    mirror = {"MUG": Rights(3, 2, 1, (("o-1", 2),)), "TEA": Rights(1, 0, 0, ())}
    reservations = {"o-1": Reservation("o-1", "van", "MUG", 2, AT, State.ASIDE, True)}
    requests = {
        1: Request(1, RequestKind.RELEASE, "MUG", 2, "o-2"),
        2: Request(2, RequestKind.SETASIDE, "TEA", 1, "o-2"),
        3: Request(3, RequestKind.RELEASE, "TEA", 1, "o-2"),
        4: Request(4, RequestKind.RELEASE, "MUG", 1, ""),
    }
    return NodeAccount("van", {"MUG": 2}, mirror, reservations, requests, 5)


def outcome(mirror: Callable[[T], object], what: T) -> str:
    """ "ok", or the name of the refusal: the same on both sides."""
    try:
        mirror(what)
    except DomainError as error:
        return type(error).__name__
    return "ok"


@settings(max_examples=400, deadline=None)
@given(movements())
def test_mirroring_rows_ends_where_folding_each_movement_ends(
    run: list[tuple[MovementKind, int, str, Tag | None, str]],
) -> None:
    folded, by_rows = start(), start()
    for seq, (kind, quantity, sku, tag, ident) in enumerate(run, start=1):
        at = AT + timedelta(minutes=seq)
        m = Movement("van", seq, sku, quantity, kind, at, "ref", "ana", tag, ident)
        before = deepcopy(folded)
        by_fold = outcome(folded.mirror_movement, m)
        by_row = outcome(by_rows.mirror_row, row_of(m))
        assert by_row == by_fold
        if by_fold != "ok":  # a refused movement leaves the hub's transaction to roll back
            folded, by_rows = before, deepcopy(before)
        assert by_rows == folded


@given(movements(), st.integers(-(10**12), 10**12))
def test_a_row_spells_its_movement(
    run: list[tuple[MovementKind, int, str, Tag | None, str]], micros: int
) -> None:
    for seq, (kind, quantity, sku, tag, ident) in enumerate(run, start=1):
        at = AT + timedelta(microseconds=micros * seq)
        m = Movement("van", seq, sku, quantity, kind, at, "ref", "", tag, ident)
        assert movement_of(row_of(m)) == m
        assert movement_of(row_of(m)).digest() == m.digest()


def test_a_ledger_takes_a_row_as_it_takes_the_movement() -> None:
    by_movement, by_row = Ledger("van", 0, {"MUG": 1}), Ledger("van", 0, {"MUG": 1})
    for seq, (kind, quantity) in enumerate(
        [(MovementKind.RECEIVE, 4), (MovementKind.GRANT, 2), (MovementKind.SELL, -5)], start=1
    ):
        m = Movement("van", seq, "MUG", quantity, kind, AT)
        assert by_movement.replicate(m, None) and by_row.replicate_row(row_of(m), None)
    assert (
        (by_row.head, by_row.on_hand) == (by_movement.head, by_movement.on_hand) == (3, {"MUG": 0})
    )
    assert by_row.rows == [row_of(m) for m in by_movement.new]


@settings(max_examples=400, deadline=None)
@given(movements(), st.integers(0, 3))
def test_mirroring_a_run_of_rows_ends_where_mirroring_each_row_ends(
    run: list[tuple[MovementKind, int, str, Tag | None, str]], cut: int
) -> None:
    """`mirror_rows` (a push's rows in one loop) against `mirror_row` row by row: the same
    state, or the same refusal. The run is cut in two at `cut` to mirror it in two calls."""
    rows = [
        row_of(Movement("van", seq, sku, quantity, kind, AT, "ref", "ana", tag, ident))
        for seq, (kind, quantity, sku, tag, ident) in enumerate(run, start=1)
    ]
    each, at_once = start(), start()

    def by_each(rows: list[MovementRow]) -> None:
        for row in rows:
            each.mirror_row(row)

    def by_run(rows: list[MovementRow]) -> None:
        at_once.mirror_rows(rows[:cut])
        at_once.mirror_rows(rows[cut:])

    refused = outcome(by_each, rows)
    assert outcome(by_run, rows) == refused
    if refused == "ok":  # a refused push leaves the hub's transaction to roll back
        assert at_once == each


@given(
    st.lists(
        st.tuples(st.sampled_from(list(MovementKind)), st.integers(1, 6), st.sampled_from(SKUS)),
        max_size=30,
    ),
    st.integers(0, 40),
    st.sampled_from(("van", "bus")),
)
def test_a_ledger_takes_a_run_of_rows_as_it_takes_each_row(
    run: list[tuple[MovementKind, int, str]], skip: int, other: str
) -> None:
    """`Ledger.take_rows` against `replicate_row` row by row: the same head, on-hand and rows,
    stopping at the same row (a gap at `skip`, a row of another node), or the same
    OutOfStock."""
    rows = []
    for seq, (kind, size, sku) in enumerate(run, start=1):
        sign = QUANTITY_SIGN[kind] or (1 if seq % 2 else -1)
        node = other if seq == skip + 1 else "van"
        rows.append(row_of(Movement(node, seq + (seq > skip), sku, sign * size, kind, AT)))
    each, at_once = Ledger("van", 0, {"MUG": 5}), Ledger("van", 0, {"MUG": 5})

    def by_each() -> int:
        for i, row in enumerate(rows):
            if row[1] != each.head + 1 or row[0] != "van":
                return i
            each.replicate_row(row, None)
        return len(rows)

    stopped: list[int] = []
    refused = outcome(lambda _: stopped.append(by_each()), None)
    assert outcome(lambda _: stopped.append(at_once.take_rows(rows)), None) == refused
    if refused == "ok":
        assert stopped[0] == stopped[1]
    assert (at_once.head, at_once.on_hand, at_once.rows) == (each.head, each.on_hand, each.rows)

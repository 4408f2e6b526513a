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

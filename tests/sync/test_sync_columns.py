"""Sync format 8: a push's movements as columns (ADR 0041), read to the same rows as format 7,
which a hub still takes from an agent not yet upgraded and answers in format 7."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microindex.adapters.sqlite.rights_store import SqliteSyncDatabase
from microindex.adapters.sync.codec import (
    VERSION,
    decode_push,
    decode_reply,
    encode_push,
    version_of,
)
from microindex.adapters.sync.columns import read_columns
from microindex.adapters.sync.transport import HubEndpoint
from microindex.adapters.sync.varint import Reader, Writer
from microindex.domain.errors import InvalidValue
from microindex.domain.movement import Movement, MovementKind, Tag, row_of
from microindex.domain.sync.messages import Push, rows_of
from microindex.service import rights

SECRET = {"van": b"k"}
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_SIGNED = {MovementKind.SELL, MovementKind.PICK, MovementKind.WRITE_OFF, MovementKind.TRANSFER_OUT}

_lines = st.tuples(
    st.sampled_from(["MUG-1", "TEE-2", "CAP/3", "X", "é"]),
    st.sampled_from(list(MovementKind)),
    st.integers(1, 40_000),
    st.integers(-(10**15), 10**15),
    st.sampled_from([0, 3600, -18000, 19800]),
    st.text(max_size=8),
    st.sampled_from(["", "ana", "bo"]),
    st.none() | st.sampled_from(list(Tag)),
    st.sampled_from(["", "order/1", "req:7"]),
)


@st.composite
def _pushes(draw: st.DrawFn) -> Push:
    first = draw(st.integers(1, 10**9))
    movements = tuple(
        Movement(
            "van",
            first + i,
            sku,
            -units if kind in _SIGNED else units,
            kind,
            (T0 + timedelta(microseconds=us)).astimezone(timezone(timedelta(seconds=zone))),
            ref,
            actor,
            tag,
            tag_id if tag else "",
        )
        for i, (sku, kind, units, us, zone, ref, actor, tag, tag_id) in enumerate(
            draw(st.lists(_lines, max_size=40))
        )
    )
    return Push("van", 1, 1, "e", movements, first + len(movements), 0, True, 0)


@given(_pushes())
@settings(max_examples=200)
def test_a_push_in_columns_reads_to_the_rows_format_7_reads(push: Push) -> None:
    columns, lines = encode_push(push, SECRET["van"]), encode_push(push, SECRET["van"], 7)
    assert (version_of(columns), version_of(lines)) == (VERSION, 7) == (10, 7)
    read = decode_push(columns, SECRET.get)
    assert read == decode_push(lines, SECRET.get) == push
    assert list(rows_of(read.movements)) == [row_of(m) for m in push.movements]


def test_a_hub_answers_a_push_in_the_format_it_came_in(tmp_path: Path) -> None:
    hub = SqliteSyncDatabase(tmp_path / "hub.sqlite")
    hub.migrate()
    rights.renew_epoch(hub, "e")
    endpoint = HubEndpoint(hub, SECRET, lambda: T0)
    moved = tuple(
        Movement("van", seq, "MUG-1", 2, MovementKind.RECEIVE, T0, f"r{seq}", "ana")
        for seq in (1, 2, 3, 4)
    )
    try:
        for version, counter, sent in ((7, 1, moved[:2]), (8, 2, moved[2:3]), (9, 3, moved[3:])):
            push = Push("van", 1, counter, "e", sent, sent[-1].seq, 0, True, 0)
            answer = endpoint.handle(encode_push(push, SECRET["van"], version))
            assert version_of(answer) == version  # an agent of format 7 reads only 7, 8 only 8
            assert decode_reply(answer, SECRET.get).acked == sent[-1].seq
        with hub() as uow:
            assert uow.ledger.movements("van") == list(moved)
    finally:
        hub.close()


def _columns(kind: int, quantity: int, sku: int, tag: int = 0, tag_id: int = 0) -> Reader:
    """One movement's columns written by hand: strings "", "MUG", "order/1"."""
    w = Writer()
    w.uint(1)  # one movement
    w.uint(3)
    w.buffer += b"B" + bytes((0, 3, 7))
    w.blob(b"MUGorder/1")
    w.uint(1)
    w.int(0)  # zones: UTC alone
    w.uint(1)  # first seq
    w.buffer.append(2 if tag or tag_id else 0)
    w.buffer.append(kind)
    w.buffer += b"B" + bytes((sku,))
    w.buffer += b"b" + quantity.to_bytes(1, "little", signed=True)
    w.buffer += b"q" + (10**15).to_bytes(8, "little")
    w.buffer += b"B\x00B\x00"  # no reference, no actor
    if tag or tag_id:
        w.buffer += bytes((tag,)) + b"B" + bytes((tag_id,))
    return Reader(w.bytes())


def test_hand_written_columns_read_to_a_row() -> None:
    grant = list(MovementKind).index(MovementKind.GRANT)
    tag = list(Tag).index(Tag.SETASIDE) + 1
    (row,) = read_columns(_columns(grant, -2, 1, tag, 2), "van")
    at = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=10**15)).isoformat()
    assert row == ("van", 1, "MUG", -2, "grant", at, "", "", "setaside", "order/1")


def test_columns_a_movement_could_not_hold_are_refused() -> None:
    sell = list(MovementKind).index(MovementKind.SELL)
    with pytest.raises(InvalidValue):  # a sale adding stock
        read_columns(_columns(sell, 3, 1), "van")
    with pytest.raises(InvalidValue):  # none at all
        read_columns(_columns(sell, 0, 1), "van")
    with pytest.raises(InvalidValue):  # a tag's id without its tag
        read_columns(_columns(sell, -1, 1, 0, 2), "van")
    with pytest.raises(ValueError):  # a string past the table
        read_columns(_columns(sell, -1, 3), "van")
    with pytest.raises(ValueError):  # a kind past the known
        read_columns(_columns(len(MovementKind), -1, 1), "van")
    with pytest.raises(ValueError):  # cut short
        read_columns(Reader(_columns(sell, -1, 1).data[:-3]), "van")

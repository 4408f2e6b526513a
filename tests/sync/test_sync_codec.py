"""The wire codec: every push and reply round-trips, and any changed byte is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microindex.adapters.sync.codec import decode_push, decode_reply, encode_push, encode_reply
from microindex.domain.movement import Movement, MovementKind, row_of
from microindex.domain.sync.account import Request, RequestKind
from microindex.domain.sync.messages import (
    Advice,
    AgentReport,
    Push,
    PushRefused,
    Refusal,
    Reply,
    rows_of,
)

SECRET = {"van": b"k"}
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

_kind_qty = st.sampled_from(list(MovementKind)).flatmap(
    lambda k: st.tuples(
        st.just(k),
        st.integers(1, 500).map(
            lambda q: (
                -q
                if k
                in (
                    MovementKind.SELL,
                    MovementKind.PICK,
                    MovementKind.WRITE_OFF,
                    MovementKind.TRANSFER_OUT,
                )
                else q
            )
        ),
    )
)
_movement_parts = st.tuples(
    st.sampled_from(["MUG-1", "TEE-2", "CAP/3", "X"]),
    _kind_qty,
    st.integers(-(10**9), 10**9),
    st.sampled_from([0, 3600, -18000, 19800]),
    st.text(max_size=12),
    st.sampled_from(["", "ana", "bo"]),
)


_agents = st.builds(
    AgentReport,
    st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "S"]), min_size=1, max_size=64),
    st.integers(0, 2**62),
)


@st.composite
def pushes(draw: st.DrawFn) -> Push:
    parts = draw(st.lists(_movement_parts, max_size=30))
    first = draw(st.integers(1, 10**6))
    movements = tuple(
        Movement(
            "van",
            first + i,
            sku,
            qty,
            kind,
            (T0 + timedelta(microseconds=us)).astimezone(timezone(timedelta(seconds=tz))),
            ref,
            actor,
        )
        for i, (sku, (kind, qty), us, tz, ref, actor) in enumerate(parts)
    )
    head = movements[-1].seq if movements else first
    return Push(
        "van",
        draw(st.integers(1, 9)),
        draw(st.integers(1, 10**9)),
        "e-1",
        movements,
        head,
        draw(st.integers(0, 99)),
        draw(st.booleans()),
        7,
        (("MUG-1", 2),),
        draw(st.integers(0, 10**9)),
        draw(st.none() | _agents),
    )


@given(pushes())
@settings(max_examples=200)
def test_every_push_round_trips_with_its_movement_digests(push: Push) -> None:
    decoded = decode_push(encode_push(push, SECRET["van"]), SECRET.get)
    assert decoded == push
    assert [m.digest() for m in decoded.movements] == [m.digest() for m in push.movements]
    # the hub reads lines, built without a Movement: the text each movement is stored as
    assert list(rows_of(decoded.movements)) == [row_of(m) for m in push.movements]
    assert list(rows_of(decoded.movements)) == list(rows_of(push.movements))


@given(pushes(), st.data())
@settings(max_examples=100)
def test_any_changed_byte_of_a_push_is_refused(push: Push, data: st.DataObject) -> None:
    frame = bytearray(encode_push(push, SECRET["van"]))
    index = data.draw(st.integers(0, len(frame) - 1))
    frame[index] ^= data.draw(st.integers(1, 255))
    with pytest.raises((PushRefused, ValueError)):
        decode_push(bytes(frame), SECRET.get)


def test_a_push_signed_with_another_nodes_secret_is_refused() -> None:
    push = Push("van", 1, 1, "", (), 0, 0, True, 0)
    with pytest.raises(PushRefused) as refused:
        decode_push(encode_push(push, b"shop-secret"), SECRET.get)
    assert refused.value.reason is Refusal.BAD_CREDENTIAL


def test_a_reply_round_trips() -> None:
    reply = Reply(
        "van",
        4,
        "e-1",
        99,
        (
            Request(3, RequestKind.SETASIDE, "MUG-1", 2, "web-1"),
            Request(4, RequestKind.RELEASE, "TEE-2", 1, "e-1.4"),
        ),
        ({"sku": "MUG-1", "title": "Mug"},),
        12,
        (Advice("MUG-1", 3, 2),),
        600,
    )
    assert decode_reply(encode_reply(reply, SECRET["van"]), SECRET.get) == reply


@given(
    st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30), timezones=st.just(UTC)),
    st.sampled_from([0, 1, 999_999]),
)
@settings(max_examples=300)
def test_a_decoded_line_spells_its_time_as_the_movement_does(at: datetime, micro: int) -> None:
    """The hub writes a line's time as text it formats itself: any instant, with or without a
    fraction of a second, reads as `Movement.at.isoformat()`."""
    moved = [
        Movement("van", 1, "MUG-1", 1, MovementKind.RECEIVE, at),
        Movement("van", 2, "MUG-1", 1, MovementKind.RECEIVE, at.replace(microsecond=micro)),
    ]
    push = Push("van", 1, 1, "", tuple(moved), 2, 0, True, 0)
    decoded = decode_push(encode_push(push, SECRET["van"]), SECRET.get)
    assert [line[5] for line in rows_of(decoded.movements)] == [m.at.isoformat() for m in moved]


@given(
    st.lists(
        st.tuples(st.integers(-(10**14), 10**14), st.integers(0, 400)), min_size=1, max_size=300
    )
)
@settings(max_examples=100)
def test_a_long_push_decodes_to_the_rows_of_its_movements(
    lines: list[tuple[int, int]],
) -> None:
    """Times going back and forth across days and years (deltas of one to seven bytes) and
    string tables past 128 entries (indexes of one and two bytes): each decoded row is the row
    of its movement."""
    moved = tuple(
        Movement(
            "van",
            seq,
            f"SKU-{seq % 7}",
            1,
            MovementKind.RECEIVE,
            T0 + timedelta(microseconds=micros),
            f"ref-{seq}-{ref}",
            f"actor-{ref}",
        )
        for seq, (micros, ref) in enumerate(lines, start=1)
    )
    push = Push("van", 1, 1, "", moved, len(moved), 0, True, 0)
    decoded = decode_push(encode_push(push, SECRET["van"]), SECRET.get)
    assert list(rows_of(decoded.movements)) == [row_of(m) for m in moved]


def test_a_string_table_past_two_byte_indexes_decodes() -> None:
    """18,001 strings: indexes of three bytes."""
    moved = tuple(
        Movement("van", seq, "MUG-1", 1, MovementKind.RECEIVE, T0, f"r{seq}", f"a{seq}")
        for seq in range(1, 9_001)
    )
    push = Push("van", 1, 1, "", moved, len(moved), 0, True, 0)
    decoded = decode_push(encode_push(push, SECRET["van"]), SECRET.get)
    assert list(rows_of(decoded.movements)) == [row_of(m) for m in moved]

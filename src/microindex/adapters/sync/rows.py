"""A push's movements one after another (sync format 7, an agent before ADR 0041): each a
kind byte carrying which optional fields follow, then varints (SKU index, quantity, the time
as a zigzag delta from the previous movement in microseconds, then reference, actor, zone and
tag as the flags say), after a string table and the zone offsets. A format-8 hub still reads
them (and answers in format 7); format 8 sends columns instead (`columns.py`)."""

from __future__ import annotations

from collections.abc import Sequence

from microindex.adapters.sync.columns import (
    KIND_SIGN,
    KIND_TEXT,
    KINDS,
    TAGS,
    movements_head,
    tables,
    times_text,
)
from microindex.adapters.sync.columns import micros as _micros
from microindex.adapters.sync.columns import offset as _offset
from microindex.adapters.sync.varint import Reader, Writer
from microindex.domain.movement import Movement, MovementRow, check_row_quantity
from microindex.domain.sync.messages import MovementRows

_TAG_TEXT = [tag.value for tag in TAGS]
_HAS_REF, _HAS_ACTOR, _HAS_TZ, _HAS_TAG = 0x10, 0x20, 0x40, 0x80


def write_rows(w: Writer, movements: Sequence[Movement]) -> None:
    """Version 7: the movements one after another, each a kind byte and varints."""
    w.uint(len(movements))
    if not movements:
        return
    strings, offsets = tables(movements, {})
    w.uint(len(strings))
    for text in strings:
        w.text(text)
    w.uint(len(offsets))
    for seconds in offsets:
        w.int(seconds)
    w.uint(movements[0].seq)
    previous = 0
    for m in movements:
        micros = _micros(m.at)
        tz = offsets[_offset(m.at)]
        flags = (
            KINDS.index(m.kind)
            | (_HAS_REF if m.reference else 0)
            | (_HAS_ACTOR if m.actor else 0)
            | (_HAS_TZ if tz else 0)
            | (_HAS_TAG if m.tag else 0)
        )
        w.buffer.append(flags)
        w.uint(strings[m.sku])
        w.int(m.quantity)
        w.int(micros - previous)
        previous = micros
        if m.reference:
            w.uint(strings[m.reference])
        if m.actor:
            w.uint(strings[m.actor])
        if tz:
            w.uint(tz)
        if m.tag:
            w.uint(TAGS.index(m.tag))
            w.uint(strings[m.tag_id])


def read_rows(r: Reader, node: str) -> MovementRows:
    """The movements `write_rows` wrote, as rows (`_read_rows`)."""
    head = movements_head(r, _read_strings)
    if head is None:
        return MovementRows(())
    count, strings, zones, seq = head
    try:
        lines, r.offset = _read_rows(r.data, r.offset, count, seq, node, strings, zones)
    except IndexError as error:
        raise ValueError("truncated movement") from error
    return MovementRows(lines)


def _read_strings(r: Reader, count: int) -> list[str]:
    """`[r.text() for _ in range(count)]`, lengths read inline (a push's string table holds
    about one reference every three movements)."""
    data, pos = r.data, r.offset
    out: list[str] = []
    append, size_of = out.append, len(data)
    for _ in range(count):
        if pos >= size_of:
            raise ValueError("truncated field")
        size = data[pos]
        if size < 0x80:
            pos += 1
        else:
            size, pos = _uv(data, pos)
        end = pos + size
        if end > size_of:
            raise ValueError("truncated field")
        append(data[pos:end].decode())
        pos = end
    r.offset = pos
    return out


def _read_rows(
    data: bytes, pos: int, count: int, first: int, node: str, strings: list[str], zones: int
) -> tuple[list[MovementRow], int]:
    """A format 7 push's movements (an agent before ADR 0041): varints read inline (string
    indexes of one or two bytes, time deltas of up to four), one `MovementRow` each, checked as
    `Movement` checks itself (its quantity's sign; a tag id comes only with its tag), its time as
    the UTC text `Movement.at.isoformat()` gives (`times_text`, once the rows are read)."""
    micros = 0
    out: list[MovementRow] = []
    append = out.append
    kinds, signs, tags, uv = KIND_TEXT, KIND_SIGN, _TAG_TEXT, _uv
    instants: list[int] = []
    instant = instants.append
    for seq in range(first, first + count):
        flags = data[pos]
        sku = data[pos + 1]
        if sku < 0x80:
            pos += 2
        elif data[pos + 2] < 0x80:  # a table past 128 strings: most SKUs' indexes
            sku, pos = (sku & 0x7F) | data[pos + 2] << 7, pos + 3
        else:
            sku, pos = uv(data, pos + 1)
        quantity = data[pos]
        if quantity < 0x80:
            pos += 1
        else:
            quantity, pos = uv(data, pos)
        quantity = quantity >> 1 if quantity & 1 == 0 else -((quantity + 1) >> 1)
        kind = flags & 0x0F
        if quantity == 0 or quantity * signs[kind] < 0:
            check_row_quantity(KINDS[kind], quantity)
        delta = data[pos]  # microseconds since the last movement: mostly 3-4 bytes
        if delta < 0x80:
            pos += 1
        elif (byte := data[pos + 1]) < 0x80:
            delta, pos = (delta & 0x7F) | byte << 7, pos + 2
        elif (more := data[pos + 2]) < 0x80:
            delta, pos = (delta & 0x7F) | (byte & 0x7F) << 7 | more << 14, pos + 3
        elif data[pos + 3] < 0x80:
            delta = (delta & 0x7F) | (byte & 0x7F) << 7 | (more & 0x7F) << 14 | data[pos + 3] << 21
            pos += 4
        else:
            delta, pos = uv(data, pos)
        micros += delta >> 1 if delta & 1 == 0 else -((delta + 1) >> 1)
        instant(micros)
        if flags & 0xF0:
            reference = actor = tag = tag_id = ""
            if flags & _HAS_REF:
                index = data[pos]
                if index < 0x80:
                    pos += 1
                elif data[pos + 1] < 0x80:
                    index, pos = (index & 0x7F) | data[pos + 1] << 7, pos + 2
                else:
                    index, pos = uv(data, pos)
                reference = strings[index]
            if flags & _HAS_ACTOR:
                index = data[pos]
                if index < 0x80:
                    pos += 1
                elif data[pos + 1] < 0x80:
                    index, pos = (index & 0x7F) | data[pos + 1] << 7, pos + 2
                else:
                    index, pos = uv(data, pos)
                actor = strings[index]
            if flags & _HAS_TZ:
                index, pos = uv(data, pos)  # the node's zone: the instant is kept in UTC
                if index >= zones:
                    raise IndexError(index)
            if flags & _HAS_TAG:
                index, pos = uv(data, pos)
                tag = tags[index]
                index, pos = uv(data, pos)
                tag_id = strings[index]
            append(
                (node, seq, strings[sku], quantity, kinds[kind], "", reference, actor, tag,
                 tag_id)
            )  # fmt: skip
        else:
            append((node, seq, strings[sku], quantity, kinds[kind], "", "", "", "", ""))
    timed = [(*row[:5], at, *row[6:]) for row, at in zip(out, times_text(instants), strict=True)]
    return timed, pos


def _uv(data: bytes, pos: int) -> tuple[int, int]:
    byte = data[pos]
    if byte < 0x80:
        return byte, pos + 1
    value, shift = byte & 0x7F, 7
    while True:
        pos += 1
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos + 1
        shift += 7
        if shift > 63:
            raise ValueError("oversized varint")

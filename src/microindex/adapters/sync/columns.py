"""A push's movements as columns (sync format 8, ADR 0041).

    count | strings: count, lengths column, their UTF-8 text in one | zones: count, offsets |
    first seq | optional columns (1: zone, 2: tag) | kind bytes | SKU | quantity | time delta |
    reference | actor | [zone] | [tag bytes | tag id]

Each integer column is a typecode byte (`b h i q`, `B H I Q` for indexes) and that many
little-endian values, as narrow as the push allows; indexes point into the string table, a
tag byte is 0 (none) or its place in `Tag` plus one; time deltas are microseconds from the
previous movement (the first from 1970). A hub reads a push with a few calls, not a loop a
movement: the rows are zipped from the columns, and only the times are spelt out one by one.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from itertools import accumulate, repeat
from operator import mul

from microindex.adapters.sync.varint import Reader, Writer
from microindex.domain.errors import InvalidValue
from microindex.domain.movement import (
    QUANTITY_SIGN,
    Movement,
    MovementKind,
    MovementRow,
    Tag,
    check_row_quantity,
)

KINDS = list(MovementKind)
TAGS = list(Tag)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
KIND_TEXT = [kind.value for kind in KINDS]
KIND_SIGN = [QUANTITY_SIGN[kind] for kind in KINDS]
_TAG_OR_NONE = ["", *(tag.value for tag in TAGS)]
_ZONES, _TAGGED = 1, 2
_SIGNED, _UNSIGNED = "bhiq", "BHIQ"
_CODES = {code: array(code).itemsize for code in _SIGNED + _UNSIGNED}
_BIG = sys.byteorder == "big"
assert [_CODES[c] for c in _SIGNED] == [1, 2, 4, 8], "array typecodes of 1, 2, 4, 8 bytes"


def micros(at: datetime) -> int:
    delta = at - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def offset(at: datetime) -> int:
    delta = at.utcoffset()
    return int(delta.total_seconds()) if delta else 0


def tables(
    movements: Sequence[Movement], strings: dict[str, int]
) -> tuple[dict[str, int], dict[int, int]]:
    """A push's string table (`strings` to begin with) and its zone offsets' (UTC's first),
    each value's place in its table: every SKU, reference, actor and tag id, and the offset
    of every movement's time."""
    offsets: dict[int, int] = {0: 0}
    for m in movements:
        for text in (m.sku, m.reference, m.actor, m.tag_id):
            strings.setdefault(text, len(strings))
        offsets.setdefault(offset(m.at), len(offsets))
    return strings, offsets


def write_columns(w: Writer, movements: Sequence[Movement]) -> None:
    w.uint(len(movements))
    if not movements:
        return
    strings, offsets = tables(movements, {"": 0})
    w.uint(len(strings))
    _column(w, [len(text) for text in strings], _UNSIGNED)
    w.blob("".join(strings).encode())
    w.uint(len(offsets))
    for seconds in offsets:
        w.int(seconds)
    w.uint(movements[0].seq)
    zoned = len(offsets) > 1
    tagged = any(m.tag for m in movements)
    w.buffer.append((_ZONES if zoned else 0) | (_TAGGED if tagged else 0))
    w.buffer += bytes(KINDS.index(m.kind) for m in movements)
    _column(w, [strings[m.sku] for m in movements], _UNSIGNED)
    _column(w, [m.quantity for m in movements], _SIGNED)
    times = [micros(m.at) for m in movements]
    _column(w, [b - a for a, b in zip([0, *times], times, strict=False)], _SIGNED)
    _column(w, [strings[m.reference] for m in movements], _UNSIGNED)
    _column(w, [strings[m.actor] for m in movements], _UNSIGNED)
    if zoned:
        _column(w, [offsets[offset(m.at)] for m in movements], _UNSIGNED)
    if tagged:
        w.buffer += bytes(TAGS.index(m.tag) + 1 if m.tag else 0 for m in movements)
        _column(w, [strings[m.tag_id] for m in movements], _UNSIGNED)


def _column(w: Writer, values: Sequence[int], codes: str) -> None:
    """`values` as the narrowest of `codes` that holds them all, after its typecode byte."""
    low, high = min(values), max(values)
    for code in codes:
        bits = 8 * _CODES[code]
        least, bound = (0, 1 << bits) if code.isupper() else (-(1 << bits - 1), 1 << bits - 1)
        if least <= low and high < bound:
            column = array(code, values)
            if _BIG:
                column.byteswap()
            w.buffer.append(ord(code))
            w.buffer += column.tobytes()
            return
    raise ValueError(f"a movement's field past 64 bits ({low}, {high})")


def movements_head(
    r: Reader, read_strings: Callable[[Reader, int], list[str]]
) -> tuple[int, list[str], int, int] | None:
    """How a push's movements begin in formats 7 and 8: their count (None when there are
    none), the string table as `read_strings` reads it, how many zone offsets (each checked:
    a line keeps its instant in UTC) and the first sequence number, checked as `Movement`
    checks it."""
    count = r.uint()
    if not count:
        return None
    strings = read_strings(r, r.uint())
    zones = r.uint()
    for _ in range(zones):
        timezone(timedelta(seconds=r.int()))
    first = r.uint()
    if first < 1:
        raise InvalidValue("seq", str(first), "ledger sequence numbers start at 1")
    return count, strings, zones, first


def read_columns(r: Reader, node: str) -> list[MovementRow]:
    """The rows `write_columns` wrote, checked as `Movement` checks itself (a known kind, its
    quantity's sign; a tag id only with its tag), each time as the UTC text of
    `Movement.at.isoformat()`. ValueError for a frame cut short or an index out of range."""
    head = movements_head(r, _strings)
    if head is None:
        return []
    count, strings, zones, first = head
    optional = r.take(1)[0]
    try:
        kinds = r.take(count)
        kind_text = list(map(KIND_TEXT.__getitem__, kinds))
        skus = list(map(strings.__getitem__, _read(r, count, _UNSIGNED)))
        quantities = _read(r, count, _SIGNED)
        at = times_text(accumulate(_read(r, count, _SIGNED)))
        references = map(strings.__getitem__, _read(r, count, _UNSIGNED))
        actors = map(strings.__getitem__, _read(r, count, _UNSIGNED))
        if optional & _ZONES and max(_read(r, count, _UNSIGNED)) >= zones:
            raise IndexError("zone")
        tags: Iterable[str] = repeat("")
        tag_ids: Iterable[str] = repeat("")
        if optional & _TAGGED:
            tags = list(map(_TAG_OR_NONE.__getitem__, r.take(count)))
            tag_ids = list(map(strings.__getitem__, _read(r, count, _UNSIGNED)))
            for tag, tag_id in zip(tags, tag_ids, strict=True):
                if tag_id and not tag:
                    raise InvalidValue("tag_id", tag_id, "an id needs the tag it is for")
        rows = list(
            zip(
                repeat(node), range(first, first + count), skus, quantities, kind_text, at,
                references, actors, tags, tag_ids,
            )
        )  # fmt: skip
    except IndexError as error:
        raise ValueError("a movement's index out of range") from error
    if 0 in quantities or min(map(mul, quantities, map(KIND_SIGN.__getitem__, kinds))) < 0:
        for kind, quantity in zip(kinds, quantities, strict=True):
            check_row_quantity(KINDS[kind], quantity)
    return rows


def _read(r: Reader, count: int, codes: str) -> array[int]:
    code = chr(r.take(1)[0])
    if code not in codes:
        raise ValueError(f"a column of typecode {code!r}")
    column = array(code, r.take(count * _CODES[code]))
    if _BIG:
        column.byteswap()
    return column


def _strings(r: Reader, count: int) -> list[str]:
    """The string table: its lengths (in characters), then its text, decoded at once."""
    lengths = _read(r, count, _UNSIGNED) if count else array("B")
    text = r.blob().decode()
    ends = list(accumulate(lengths))
    if (ends[-1] if ends else 0) != len(text):
        raise ValueError("a string table of the wrong length")
    return list(map(text.__getitem__, map(slice, [0, *ends], ends)))


_MINUTES = [f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60)]  # of a day
_SECONDS = [f"{s:02d}" for s in range(60)]
_WHOLE_SECONDS = [f"{s:02d}+00:00" for s in range(60)]  # a time with no fraction ends so


def times_text(instants: Iterable[int]) -> list[str]:
    """Each instant (microseconds since 1970) as `(EPOCH + timedelta(microseconds=m))
    .isoformat()` spells it, a third of the time: the minute's text ("2026-03-02T08:00:")
    kept while the times stay in that minute, the day's while they stay in that day."""
    out: list[str] = []
    append, minutes, seconds, ends = out.append, _MINUTES, _SECONDS, _WHOLE_SECONDS
    date, day_start, day_end = "", 0, -1  # the day's text, its first and last second
    minute, minute_start, minute_end = "", 0, -1  # the minute's text, first and last second
    for instant in instants:
        second, fraction = divmod(instant, 1_000_000)
        if not minute_start <= second <= minute_end:
            if not day_start <= second <= day_end:
                day_start = second - second % 86_400
                day_end = day_start + 86_399
                date = _day_text(day_start // 86_400)
            minute_start = second - second % 60
            minute_end = minute_start + 59
            minute = date + minutes[(minute_start - day_start) // 60]
        if fraction:
            append(f"{minute}{seconds[second - minute_start]}.{fraction:06d}+00:00")
        else:
            append(minute + ends[second - minute_start])
    return out


def _day_text(day: int) -> str:
    """`EPOCH + timedelta(days=day)` as ISO text, with the "T" that follows it."""
    return f"{(EPOCH + timedelta(days=day)).date().isoformat()}T"

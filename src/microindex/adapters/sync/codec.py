"""The wire format: compact, authenticated frames for pushes and replies.

    frame = magic "MI" | version | type | flags | node (len-prefixed) | body | mac (16 bytes)

The node is in clear so the receiver can pick the node's secret; the MAC is HMAC-SHA256 with that
secret over everything before it, truncated to 16 bytes. A push names no node per movement: the
node that signed the frame is the only ledger it can write. The body may be zlib-compressed
(flag 1) when that is shorter. Movements are delta-encoded: consecutive sequence numbers (only the
first is sent), a string table per batch (SKUs, references, actors, tag ids), times in
microseconds as zigzag deltas from the previous movement, and a kind byte carrying which
optional fields follow (a tag: its index in `Tag`, then its id).

Version 2 added the FULFIL request kind (the hub asks a node to pick an order's set-aside).
Version 3 carries a movement's internal tag in its own field, never in the reference (which an
older side would read as a tag). Version 4 adds the stock requests (receive, write-off, count
at a node that keeps its ledger elsewhere), each with its reference, actor and a count's
position and time. Version 5 adds the transfer-in and transfer-out requests (a transfer
received or shipped at the hub for such a node). Version 6 has a push say which reply the node
last applied (`Push.answered`), so the hub's advice is a delta: only the SKUs it split again,
or all of them after a lost reply. Version 7 has an agent on its own machine report its
software version and free disk (`Push.agent`) for the monthly audit. Version 8 sends a push's
movements as columns (ADR 0041): the string table ("" first), then each field of every
movement in turn, as fixed-width little-endian integers of the width the push needs (kind;
SKU, reference and actor indexes; quantity; time delta; a zone and a tag column only when a
movement has one), which the hub reads with a few calls a push, not a loop a movement; the
rows are the same. A version 8 side still takes a version 7 push and answers it in version 7
(the reply's body did not change), so agents may be upgraded after their hub.
A frame of any other version is refused by name
(`Refusal.VERSION`, a 403 over HTTP), never decoded: an older agent cannot read what it does
not know.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import zlib
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta

from microindex.adapters.sync.columns import (
    EPOCH,
    movements_head,
    read_columns,
    times_text,
    write_columns,
)
from microindex.adapters.sync.columns import micros as _micros
from microindex.adapters.sync.columns import offset as _offset
from microindex.adapters.sync.varint import Reader, Writer
from microindex.domain.movement import (
    QUANTITY_SIGN,
    Movement,
    MovementKind,
    MovementRow,
    Tag,
    check_row_quantity,
)
from microindex.domain.sync.account import Request, RequestKind
from microindex.domain.sync.messages import (
    Advice,
    AgentReport,
    MovementRows,
    Push,
    PushRefused,
    Refusal,
    Reply,
)

MAGIC = b"MI"
VERSION = 8  # 2: FULFIL; 3: tags; 4: stock requests; 5: transfers; 6: answered; 7: agent;
# 8: a push's movements as columns
ACCEPTED = (7, 8)  # a push of version 7 is still read, and answered in version 7
PUSH, REPLY = 1, 2
MAC_SIZE = 16
_KINDS = list(MovementKind)
_TAGS = list(Tag)
_KIND_TEXT = [kind.value for kind in _KINDS]
_KIND_SIGN = [QUANTITY_SIGN[kind] for kind in _KINDS]
_TAG_TEXT = [tag.value for tag in _TAGS]
_REQUESTS = list(RequestKind)
_EPOCH = EPOCH
_HAS_REF, _HAS_ACTOR, _HAS_TZ, _HAS_TAG = 0x10, 0x20, 0x40, 0x80


def _mac(secret: bytes, data: bytes) -> bytes:
    return hmac.new(secret, data, hashlib.sha256).digest()[:MAC_SIZE]


def _seal(kind: int, node: str, body: bytes, secret: bytes, version: int = VERSION) -> bytes:
    packed = zlib.compress(body, 6)
    flags = 1 if len(packed) < len(body) else 0
    head = Writer()
    head.buffer += MAGIC + bytes((version, kind, flags))
    head.text(node)
    data = head.bytes() + (packed if flags else body)
    return data + _mac(secret, data)


def _open(frame: bytes, kind: int, secret_of: Callable[[str], bytes | None]) -> tuple[str, Reader]:
    if len(frame) < 6 + MAC_SIZE or frame[:2] != MAGIC or frame[3] != kind:
        raise PushRefused("?", Refusal.BAD_CREDENTIAL, "not a microindex sync frame")
    head = Reader(frame, 5)
    node = head.text()
    if frame[2] not in ACCEPTED:
        raise PushRefused(
            node,
            Refusal.VERSION,
            f"sync format {frame[2]}, this side speaks {VERSION} (and reads 7): upgrade the "
            "older side "
            "(format 2 added the hub's pick requests, see docs/adr/0004; format 3 carries "
            "internal tags in their own field, see docs/adr/0002; format 4 carries the hub's "
            "receive, write-off and count requests to a node that keeps its ledger elsewhere; "
            "format 5 its transfer-in and transfer-out requests; format 6 has the hub send only "
            "the rights advice that changed; format 7 carries the agent's version and free "
            "disk for the monthly audit; format 8 sends a push's movements as columns)",
        )
    secret = secret_of(node)
    data, mac = frame[:-MAC_SIZE], frame[-MAC_SIZE:]
    if secret is None:
        raise PushRefused(node, Refusal.UNKNOWN_NODE)
    if not hmac.compare_digest(_mac(secret, data), mac):
        raise PushRefused(node, Refusal.BAD_CREDENTIAL, "the frame's MAC does not verify")
    body = data[head.offset :]
    if frame[4] & 1:
        body = zlib.decompress(body)
    return node, Reader(body)


# --- pushes ------------------------------------------------------------------------------


def version_of(frame: bytes) -> int:
    """The format a frame was written in (a hub answers a push in its format)."""
    return frame[2] if len(frame) > 2 else VERSION


def encode_push(push: Push, secret: bytes, version: int = VERSION) -> bytes:
    """`version` 7 writes the movements one after another (an agent before ADR 0041)."""
    if version not in ACCEPTED:
        raise ValueError(f"sync format {version}: this side writes {ACCEPTED}")
    w = Writer()
    w.uint(push.incarnation)
    w.uint(push.counter)
    w.text(push.epoch)
    w.uint(push.head)
    w.uint(push.requests_through)
    w.uint(int(push.covers_requests))
    w.uint(push.catalog_mark)
    w.uint(len(push.want))
    for sku, units in push.want:
        w.text(sku)
        w.uint(units)
    w.uint(push.answered)
    w.text(push.agent.version if push.agent else "")  # "": no report (a hub-local node)
    w.uint(push.agent.disk_free if push.agent else 0)
    (write_columns if version == VERSION else _movements)(w, push.movements)
    return _seal(PUSH, push.node, w.bytes(), secret, version)


def _movements(w: Writer, movements: Sequence[Movement]) -> None:
    """Version 7: the movements one after another, each a kind byte and varints."""
    w.uint(len(movements))
    if not movements:
        return
    strings: dict[str, int] = {}
    offsets: dict[int, int] = {0: 0}
    for m in movements:
        for text in (m.sku, m.reference, m.actor, m.tag_id):
            strings.setdefault(text, len(strings))
        offsets.setdefault(_offset(m.at), len(offsets))
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
            _KINDS.index(m.kind)
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
            w.uint(_TAGS.index(m.tag))
            w.uint(strings[m.tag_id])


def decode_push(frame: bytes, secret_of: Callable[[str], bytes | None]) -> Push:
    """Verify and decode (version 8, or 7); raises PushRefused for a frame whose MAC does not
    verify."""
    node, r = _open(frame, PUSH, secret_of)
    incarnation, counter, epoch = r.uint(), r.uint(), r.text()
    head, through, covers, mark = r.uint(), r.uint(), bool(r.uint()), r.uint()
    want = tuple((r.text(), r.uint()) for _ in range(r.uint()))
    answered = r.uint()
    version, disk_free = r.text(), r.uint()
    agent = AgentReport(version, disk_free) if version else None
    if frame[2] == VERSION:
        movements = MovementRows(read_columns(r, node))
    else:
        movements = _read_movements(r, node)
    return Push(
        node, incarnation, counter, epoch, movements, head, through, covers, mark, want, answered,
        agent,
    )  # fmt: skip


def _read_movements(r: Reader, node: str) -> MovementRows:
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
    kinds, signs, tags, uv = _KIND_TEXT, _KIND_SIGN, _TAG_TEXT, _uv
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
            check_row_quantity(_KINDS[kind], quantity)
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


# --- replies -----------------------------------------------------------------------------


def encode_reply(reply: Reply, secret: bytes, version: int = VERSION) -> bytes:
    """`version`: the push's (`version_of`), which the node reads replies in."""
    w = Writer()
    w.uint(reply.counter)
    w.text(reply.epoch)
    w.uint(reply.acked)
    w.uint(len(reply.requests))
    for q in reply.requests:
        w.uint(q.seq)
        w.uint(_REQUESTS.index(q.kind))
        w.text(q.sku)
        w.uint(q.quantity)
        w.text(q.ident)
        w.text(q.reference)
        w.text(q.actor)
        w.uint(q.position)
        w.uint(0 if q.at is None else 1)
        if q.at is not None:
            w.int(_micros(q.at))
    w.blob(
        json.dumps(list(reply.catalog), separators=(",", ":")).encode() if reply.catalog else b""
    )
    w.uint(reply.catalog_mark)
    w.uint(len(reply.advice))
    for a in reply.advice:
        w.text(a.sku)
        w.uint(a.target_local)
        w.uint(a.low_water)
    w.uint(reply.next_sync_s)
    return _seal(REPLY, reply.node, w.bytes(), secret, version)


def decode_reply(frame: bytes, secret_of: Callable[[str], bytes | None]) -> Reply:
    node, r = _open(frame, REPLY, secret_of)
    counter, epoch, acked = r.uint(), r.text(), r.uint()
    requests = tuple(_request(r) for _ in range(r.uint()))
    raw = r.blob()
    catalog: tuple[Mapping[str, object], ...] = tuple(json.loads(raw)) if raw else ()
    mark = r.uint()
    advice = tuple(Advice(r.text(), r.uint(), r.uint()) for _ in range(r.uint()))
    return Reply(node, counter, epoch, acked, requests, catalog, mark, advice, r.uint())


def _request(r: Reader) -> Request:
    seq, kind, sku, quantity, ident = r.uint(), _REQUESTS[r.uint()], r.text(), r.uint(), r.text()
    reference, actor, position = r.text(), r.text(), r.uint()
    at = _EPOCH + timedelta(microseconds=r.int()) if r.uint() else None
    return Request(seq, kind, sku, quantity, ident, reference, actor, position, at)


def secrets(table: Mapping[str, bytes]) -> Callable[[str], bytes | None]:
    return table.get

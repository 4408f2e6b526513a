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
(the reply's body did not change), so agents may be upgraded after their hub. Version 9's
reply ends with the node's own dates when it is a pop-up (home, opening and closing day), so
its agent refuses to trade after it closed with the hub out of reach (ADR 0068); its push is
version 8's, and a hub of version 9 answers a push of 7 or 8 in that version, without them.
Format 8's movements are written and read in `columns.py`, format 7's in `rows.py`.
A frame of any other version is refused by name
(`Refusal.VERSION`, a 403 over HTTP), never decoded: an older agent cannot read what it does
not know.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import zlib
from collections.abc import Callable, Mapping
from datetime import date, timedelta

from microindex.adapters.sync.columns import EPOCH, read_columns, write_columns
from microindex.adapters.sync.columns import micros as _micros
from microindex.adapters.sync.rows import read_rows, write_rows
from microindex.adapters.sync.varint import Reader, Writer
from microindex.domain.popup import PopUp
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
VERSION = 10  # 2: FULFIL; 3: tags; 4: stock requests; 5: transfers; 6: answered; 7: agent;
# 8: a push's movements as columns; 9: a pop-up's dates in the reply; 10: the hub's clock in it
ACCEPTED = (7, 8, 9, 10)  # a push of version 7 to 9 is still read, and answered in its version
COLUMNS = 8  # the first version whose push carries its movements as columns
DATES = 9  # the first version whose reply carries a pop-up's dates
HUB_TIME = 10  # the first version whose reply carries the hub's clock
PUSH, REPLY = 1, 2
MAC_SIZE = 16
_REQUESTS = list(RequestKind)
_EPOCH = EPOCH


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
            f"sync format {frame[2]}, this side speaks {VERSION} (and reads 7 to 9): upgrade the "
            "older side "
            "(format 2 added the hub's pick requests, see docs/adr/0004; format 3 carries "
            "internal tags in their own field, see docs/adr/0002; format 4 carries the hub's "
            "receive, write-off and count requests to a node that keeps its ledger elsewhere; "
            "format 5 its transfer-in and transfer-out requests; format 6 has the hub send only "
            "the rights advice that changed; format 7 carries the agent's version and free "
            "disk for the monthly audit; format 8 sends a push's movements as columns; format 9 "
            "sends a pop-up's agent its dates; format 10 sends the hub's clock with a reply)",
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
    (write_columns if version >= COLUMNS else write_rows)(w, push.movements)
    return _seal(PUSH, push.node, w.bytes(), secret, version)


def decode_push(frame: bytes, secret_of: Callable[[str], bytes | None]) -> Push:
    """Verify and decode (version 9 or 8, or 7); raises PushRefused for a frame whose MAC does not
    verify."""
    node, r = _open(frame, PUSH, secret_of)
    incarnation, counter, epoch = r.uint(), r.uint(), r.text()
    head, through, covers, mark = r.uint(), r.uint(), bool(r.uint()), r.uint()
    want = tuple((r.text(), r.uint()) for _ in range(r.uint()))
    answered = r.uint()
    version, disk_free = r.text(), r.uint()
    agent = AgentReport(version, disk_free) if version else None
    columns = frame[2] >= COLUMNS
    movements = MovementRows(read_columns(r, node)) if columns else read_rows(r, node)
    return Push(
        node, incarnation, counter, epoch, movements, head, through, covers, mark, want, answered,
        agent,
    )  # fmt: skip


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
    if version >= DATES:
        popup = reply.popup
        w.uint(0 if popup is None else 1)
        if popup is not None:
            w.text(popup.home)
            w.text(popup.opens_on.isoformat())
            w.text(popup.closes_on.isoformat())
    if version >= HUB_TIME:
        w.uint(0 if reply.hub_now is None else 1)
        if reply.hub_now is not None:
            w.int(_micros(reply.hub_now))
    return _seal(REPLY, reply.node, w.bytes(), secret, version)


def decode_reply(frame: bytes, secret_of: Callable[[str], bytes | None]) -> Reply:
    node, r = _open(frame, REPLY, secret_of)
    counter, epoch, acked = r.uint(), r.text(), r.uint()
    requests = tuple(_request(r) for _ in range(r.uint()))
    raw = r.blob()
    catalog: tuple[Mapping[str, object], ...] = tuple(json.loads(raw)) if raw else ()
    mark = r.uint()
    advice = tuple(Advice(r.text(), r.uint(), r.uint()) for _ in range(r.uint()))
    next_sync = r.uint()
    popup = None
    if frame[2] >= DATES and r.uint():
        home, opens, closes = r.text(), r.text(), r.text()
        popup = PopUp(node, home, date.fromisoformat(opens), date.fromisoformat(closes))
    hub_now = None
    if frame[2] >= HUB_TIME and r.uint():
        hub_now = _EPOCH + timedelta(microseconds=r.int())
    return Reply(
        node, counter, epoch, acked, requests, catalog, mark, advice, next_sync, popup, hub_now
    )


def _request(r: Reader) -> Request:
    seq, kind, sku, quantity, ident = r.uint(), _REQUESTS[r.uint()], r.text(), r.uint(), r.text()
    reference, actor, position = r.text(), r.text(), r.uint()
    at = _EPOCH + timedelta(microseconds=r.int()) if r.uint() else None
    return Request(seq, kind, sku, quantity, ident, reference, actor, position, at)


def secrets(table: Mapping[str, bytes]) -> Callable[[str], bytes | None]:
    return table.get

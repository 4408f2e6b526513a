"""The sync ports on PostgreSQL, for a hub that runs several workers against one database.

A node's account is locked for the unit of work (its `sync_peers` row, FOR UPDATE), so two
workers never interleave on one node; a promise's account, read from its view, is locked by
the `rights_spend` call sent with its commit (ADR 0032). The escrow test is also one
conditional UPDATE (`SET h = h - r WHERE h >= r`, with `CHECK (h >= 0)`): even without the
lock, two workers could not both spend the same rights. Nodes stay on SQLite; the node-side
tables exist for the contract tests.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, LiteralString

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.types.json import Jsonb

from microindex.adapters.postgres.connection import (
    Connection,
    Statement,
    row_statements,
    run_batch,
)
from microindex.adapters.postgres.promise_schema import SHORT_RIGHTS, read_result, write_call
from microindex.adapters.postgres.rounds_store import PostgresPopUps
from microindex.adapters.postgres.unit_of_work import PostgresDatabase, PostgresUnitOfWork
from microindex.domain.sync.account import (
    OPEN,
    NodeAccount,
    NotEnoughRights,
    Request,
    RequestKind,
    Reservation,
    State,
)
from microindex.domain.sync.allocation import SplitRate
from microindex.domain.sync.messages import AgentReport, Peer
from microindex.domain.sync.node import NodeSide
from microindex.domain.sync.rights import Rights
from microindex.service.sync_ports import PromiseView

_OPEN = [s.value for s in OPEN]
_KINDS = {kind.value: kind for kind in RequestKind}
_PEER = "incarnation, counter, requests_through, last_sync_s, tau_s, overdraft, deficit, epoch"


def _reserved(value: Any) -> tuple[tuple[str, int], ...]:
    """`reserved` as read: NULL for none (`_RESERVED`: no JSON to decode for most rows)."""
    return tuple((str(i), int(q)) for i, q in value) if value else ()


# the reserved column as read, NULL where nothing is set aside (most SKUs): psycopg decodes
# the JSON of every row it is given, 10 µs a row, 20,000 rows a re-split
_RESERVED: LiteralString = "nullif(reserved, '[]'::jsonb)"
_ROWS = json.JSONEncoder(separators=(",", ":"))

# Rows of a list of keys (the first parameter, a text array), each found by its key in an
# index: `SELECT ... FROM {_BY_KEY} <columns> FROM <table> WHERE <key> = k.sku OFFSET 0) AS r`.
# The planner would read 200 keys of 20,000 (an idle sync's slice) with `sku = ANY(...)` as
# a scan of the node's rows, growing with the catalog: planned per key (OFFSET 0 keeps the
# subquery a subquery), the read costs the keys it has (ADR 0062).
_BY_KEY: LiteralString = "unnest(%s::text[]) AS k(sku) CROSS JOIN LATERAL (SELECT"


def _json_rows(rows: Iterable[Sequence[Any]]) -> str:
    """Rows as one JSON text for `json_array_elements` (`(m->>i)::type` reads a column):
    dumped in C and read by the server, where arrays of each column cost a Python loop per
    element (and a regular expression per text) to quote."""
    return _ROWS.encode([list(row) for row in rows])


class PostgresRights:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def sent(self, node: str) -> tuple[int, int]:
        row = self._conn.execute(
            "SELECT incarnation, counter FROM sync_sides WHERE node = %s", (node,)
        ).fetchone()
        return (1, 0) if row is None else (int(row[0]), int(row[1]))

    def load(self, node: str) -> NodeSide:
        rights = {
            sku: Rights(int(local), int(granted), int(unavailable), _reserved(reserved))
            for sku, local, granted, unavailable, reserved in self._conn.execute(
                f"SELECT sku, local, granted, unavailable, {_RESERVED} FROM node_rights"
                " WHERE node = %s",
                (node,),
            )
        }
        row = self._conn.execute(
            "SELECT rights_head, incarnation, counter, epoch, acked, requests_through,"
            " requests_head, catalog_mark, next_sync_s, low_water, answered FROM sync_sides"
            " WHERE node = %s FOR UPDATE",
            (node,),
        ).fetchone()
        if row is None:
            return NodeSide(node, rights, 0)
        head, inc, counter, epoch, acked, through, rhead, mark, nxt, low, answered = row
        return NodeSide(
            node,
            rights,
            head,
            inc,
            counter,
            epoch,
            acked,
            through,
            rhead,
            mark,
            dict(low),
            nxt,
            int(answered),
        )

    def applied(self, node: str, keys: Iterable[str]) -> set[str]:
        rows = self._conn.execute(
            "SELECT key FROM sync_applied WHERE node = %s AND key = ANY(%s)", (node, list(keys))
        )
        return {str(key) for (key,) in rows}

    def save(self, side: NodeSide) -> None:
        with self._conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO sync_applied VALUES (%s, %s) ON CONFLICT DO NOTHING",
                [(side.node, key) for key in side.newly_applied],
            )
            cur.executemany(
                "INSERT INTO node_rights VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (node, sku)"
                " DO UPDATE SET local = excluded.local, granted = excluded.granted,"
                " unavailable = excluded.unavailable, reserved = excluded.reserved",
                [
                    (side.node, sku, r.local, r.granted, r.unavailable, Jsonb(r.reserved))
                    for sku, r in side.rights.items()
                    if sku in side.touched
                ],
            )
        self._conn.execute(
            "INSERT INTO sync_sides (node, rights_head, incarnation, counter, epoch, acked,"
            " requests_through, requests_head, catalog_mark, next_sync_s, low_water, answered)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (node) DO UPDATE SET rights_head = excluded.rights_head,"
            " incarnation = excluded.incarnation, counter = excluded.counter,"
            " epoch = excluded.epoch, acked = excluded.acked,"
            " requests_through = excluded.requests_through,"
            " requests_head = excluded.requests_head, catalog_mark = excluded.catalog_mark,"
            " next_sync_s = excluded.next_sync_s, low_water = excluded.low_water,"
            " answered = excluded.answered",
            (
                side.node,
                side.rights_head,
                side.incarnation,
                side.counter,
                side.epoch,
                side.acked,
                side.requests_through,
                side.requests_head,
                side.catalog_mark,
                side.next_sync_s,
                Jsonb(side.low_water),
                side.answered,
            ),
        )
        side.newly_applied.clear()
        side.touched.clear()


class PostgresAccounts:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._loaded: dict[tuple[str, str], int] = {}  # H as read, for the escrow UPDATE
        self._requests_read: set[tuple[str, int]] = set()  # (node, seq) in the table
        self._rates: dict[str, tuple[float, float]] = {}  # online rates held back to commit
        # accounts read from a promise's view, by id: not locked, their saves held back
        self._seen: dict[int, NodeAccount] = {}
        self._spends: list[list[Any]] = []  # their saves, `promise_write`'s rows, in order
        self._read_prepared = False  # this transaction's view read by `promise_read_call`

    def epoch(self) -> str:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'sync_epoch'").fetchone()
        return "" if row is None else str(row[0])

    def set_epoch(self, epoch: str) -> None:
        self._conn.execute(
            "INSERT INTO meta (key, value) VALUES ('sync_epoch', %s)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (epoch,),
        )

    def peer(self, node: str) -> Peer:
        row = self._conn.execute(
            f"SELECT {_PEER}, coalesce(m.split_after, ''), coalesce(m.rate_sum, 0)"
            " FROM sync_peers p LEFT JOIN hub_split_marks m USING (node) WHERE node = %s",
            (node,),
        ).fetchone()
        return Peer(node) if row is None else Peer(node, *row)

    def save_peer(self, peer: Peer) -> None:
        self._conn.execute(
            f"INSERT INTO sync_peers (node, next_request, {_PEER})"
            " VALUES (%s, 1, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (node) DO UPDATE SET"
            " incarnation = excluded.incarnation, counter = excluded.counter,"
            " requests_through = excluded.requests_through, last_sync_s = excluded.last_sync_s,"
            " tau_s = excluded.tau_s, overdraft = excluded.overdraft,"
            " deficit = excluded.deficit, epoch = excluded.epoch",
            (
                peer.node,
                peer.incarnation,
                peer.counter,
                peer.requests_through,
                peer.last_sync_s,
                peer.tau_s,
                peer.overdraft,
                peer.deficit,
                peer.epoch,
            ),
        )
        self._conn.execute(
            "INSERT INTO hub_split_marks VALUES (%s, %s, %s) ON CONFLICT (node) DO UPDATE SET"
            " split_after = excluded.split_after, rate_sum = excluded.rate_sum",
            (peer.node, peer.split_after, peer.rate_sum),
        )

    def load(
        self, node: str, skus: Collection[str] | None = None, requests: bool = False
    ) -> NodeAccount:
        """Lock the node's account (its peer row, created if need be), then read it (only
        `skus` and no requests when given: see the port)."""
        chosen = None if skus is None else list(skus)
        account = self._account(node, chosen, reservations=True)
        if chosen is None or requests:
            account.requests.update(self._requests(node))
        return account

    def next_skus(self, node: str, after: str, limit: int) -> list[str]:
        rows = self._conn.execute(
            "SELECT sku FROM hub_rights WHERE node = %s AND sku > %s ORDER BY sku LIMIT %s",
            (node, after, limit),
        )
        return [str(sku) for (sku,) in rows]

    def load_rights(
        self, node: str, skus: Collection[str], seen: PromiseView | None = None
    ) -> NodeAccount:
        """With `seen`: the rights as it read them, no round trip and no lock yet; `save`
        holds back the node's lock, escrow, reservations and requests to go with the commit,
        in the `promise_write` call (ADR 0032, 0036)."""
        if seen is None:
            return self._account(node, list(skus))
        held = {sku: seen.held.get(sku, {}).get(node, 0) for sku in skus}
        for sku, h in held.items():
            self._loaded[(node, sku)] = h
        account = NodeAccount(node, held, {}, {}, {}, 0)  # requests numbered when saved
        self._seen[id(account)] = account
        return account

    def _account(
        self, node: str, chosen: list[str] | None, reservations: bool = False
    ) -> NodeAccount:
        """Lock the peer row (created if need be), read the rights (of `chosen` if given) and
        with `reservations` the open ones (of `chosen`): one round trip, the upsert locking
        the row before the reads run (each statement of the batch sees what committed
        before it started)."""
        if self._spends:  # a node's account saved from a view: its lock first
            self.flush()
        statements: list[Statement] = [
            (
                "INSERT INTO sync_peers VALUES (%s, 0, 0, 0, 1, -1, 0, 0, 0, '')"
                " ON CONFLICT (node) DO UPDATE SET next_request = sync_peers.next_request"
                " RETURNING next_request",
                (node,),
            ),
            (
                f"SELECT sku, h, owed, local, granted, unavailable, {_RESERVED} FROM hub_rights"
                " WHERE node = %s",
                (node,),
            )
            if chosen is None
            else (
                f"SELECT r.* FROM {_BY_KEY} sku, h, owed, local, granted, unavailable,"
                f" {_RESERVED} FROM hub_rights WHERE node = %s AND sku = k.sku OFFSET 0) AS r",
                (chosen, node),
            ),
        ]
        if reservations:
            statements.append(
                (
                    "SELECT * FROM hub_reservations WHERE node = %s AND state = ANY(%s::text[])"
                    " AND (%s::text[] IS NULL OR sku = ANY(%s::text[]))",
                    (node, _OPEN, chosen, chosen),
                )
            )
        found = run_batch(self._conn, statements)
        row = found.fetchone()
        next_request = 1 if row is None else int(row[0])
        found.nextset()
        held: dict[str, int] = {}
        mirror: dict[str, Rights] = {}
        for sku, h, owed, local, granted, unavailable, reserved in found:
            held[sku] = int(h) - int(owed)
            self._loaded[(node, sku)] = held[sku]
            mirror[sku] = Rights(int(local), int(granted), int(unavailable), _reserved(reserved))
        account = NodeAccount(node, held, mirror, {}, {}, next_request)
        if reservations:
            found.nextset()
            account.reservations.update((r.ident, r) for r in map(_reservation, found))
        return account

    def _requests(self, node: str) -> dict[int, Request]:
        kinds = _KINDS  # a dict lookup, not an enum call, a row (20,000 at a second sync)
        found = {
            seq: Request(seq, kinds[kind], sku, qty, ident, ref, actor, position, at)
            for seq, kind, sku, qty, ident, ref, actor, position, at in self._conn.execute(
                "SELECT seq, kind, sku, quantity, ident, reference, actor, position, asked_at"
                " FROM hub_requests WHERE node = %s",
                (node,),
            )
        }
        self._requests_read.update((node, seq) for seq in found)
        return found

    def save(self, account: NodeAccount) -> None:
        """Write what the unit of work changed, in a few statements whatever the SKUs, sent
        as one batch: the rights spent in one conditional UPDATE (the escrow test), the rest
        in one upsert, the new requests in one INSERT (unnest-based set statements). A spend
        that did not match raises NotEnoughRights, and the unit of work rolls back what
        followed it. An account read from a view is held back for `promise_write`."""
        if id(account) in self._seen:
            self._spends.append(self._spend_seen(account))
            return
        node = account.node
        spent, written = self._rights_rows(account)
        spend = _spend(node, spent)
        done = run_batch(self._conn, [*spend, *self._writes(account, written)])
        if spend:
            _check_spent(node, spent, done)  # the batch's first result
        account.touched_skus.clear()
        account.touched_reservations.clear()
        account.settled.clear()

    def _spend_seen(self, account: NodeAccount) -> list[Any]:
        """`promise_write`'s row that saves an account read from a view: it only spends
        (`reserve`), so its rows are the units spent (by SKU, sorted), its reservations and
        its requests."""
        node = account.node
        spent = {sku: self._loaded[(node, sku)] - account.h(sku) for sku in account.touched_skus}
        if account.settled or any(units <= 0 for units in spent.values()):
            raise ValueError(f"an account read from a promise's view only spends ({node})")
        self._loaded.update(((node, sku), account.h(sku)) for sku in spent)
        reservations = [
            (r.ident, r.sku, r.quantity, r.expires_at.isoformat(), r.state.value, r.seen_aside)
            for r in (account.reservations[i] for i in sorted(account.touched_reservations))
        ]
        requests = [
            _stamped((q.kind.value, q.sku, q.quantity, q.ident, *_asked(q)))
            for q in (account.requests[seq] for seq in sorted(account.requests))
        ]
        account.touched_skus.clear()
        account.touched_reservations.clear()
        account.requests.clear()
        return [node, sorted(spent.items()), reservations, requests]

    def _writes(self, account: NodeAccount, written: list[_Row]) -> list[Statement]:
        node = account.node
        statements = _write_rights(node, written)
        statements += row_statements(
            "INSERT INTO hub_reservations VALUES (%s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (ident) DO UPDATE SET state = excluded.state,"
            " quantity = excluded.quantity, seen_aside = excluded.seen_aside",
            [
                _reservation_row(account.reservations[i])
                for i in sorted(account.touched_reservations)
            ],
        )
        if account.settled:
            statements.append(
                (
                    "DELETE FROM hub_requests WHERE node = %s AND seq IN"
                    " (SELECT s::bigint FROM json_array_elements_text(%s::json) AS s)",
                    (node, _ROWS.encode(sorted(account.settled))),
                )
            )
        statements += self._write_requests(account)
        statements.append(
            (
                "UPDATE sync_peers SET next_request = %s WHERE node = %s",
                (account.next_request, node),
            )
        )
        return statements

    def _rights_rows(self, account: NodeAccount) -> tuple[list[_Row], list[_Row]]:
        """The touched SKUs' rows: (sku, H spent, mirror...) where H fell from what was read
        (spending: the escrow test), else (sku, h, owed, mirror...) to write as they are."""
        node = account.node
        spent: list[_Row] = []
        written: list[_Row] = []
        for sku in sorted(account.touched_skus):
            new, old = account.h(sku), self._loaded.get((node, sku))
            r = account.mirror.get(sku, Rights())
            rest = (
                r.local,
                r.granted,
                r.unavailable,
                json.dumps(r.reserved) if r.reserved else "[]",
            )
            if old is not None and old >= 0 and 0 <= new < old:
                spent.append((sku, old - new, *rest))
            else:
                written.append((sku, max(new, 0), max(-new, 0), *rest))
            self._loaded[(node, sku)] = new
        return spent, written

    def _write_requests(self, account: NodeAccount) -> list[Statement]:
        """The requests made in this unit of work (those read are in the table already)."""
        node = account.node
        new = [q for q in account.requests.values() if (node, q.seq) not in self._requests_read]
        if not new:
            return []
        self._requests_read.update((node, q.seq) for q in new)
        rows = [(q.seq, q.kind.value, q.sku, q.quantity, q.ident, *_asked(q)) for q in new]
        if len(rows) <= FEW:
            return row_statements(
                "INSERT INTO hub_requests (node, seq, kind, sku, quantity, ident, reference,"
                " actor, position, asked_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                [(node, *row) for row in rows],
            )
        return [
            (
                "INSERT INTO hub_requests (node, seq, kind, sku, quantity, ident, reference,"
                " actor, position, asked_at) SELECT %s, (m->>0)::bigint, m->>1, m->>2,"
                " (m->>3)::int, m->>4, m->>5, m->>6, (m->>7)::bigint, (m->>8)::timestamptz"
                " FROM json_array_elements(%s::json) AS m ON CONFLICT DO NOTHING",
                (node, _json_rows(_stamped(row) for row in rows)),
            )
        ]

    def reservation(self, ident: str) -> Reservation | None:
        if self._spends:  # the reservations they write
            self.flush()
        row = self._conn.execute(
            "SELECT * FROM hub_reservations WHERE ident = %s", (ident,)
        ).fetchone()
        return None if row is None else _reservation(row)

    def reservations(self, idents: Collection[str]) -> dict[str, Reservation]:
        if self._spends:  # the reservations they write
            self.flush()
        rows = self._conn.execute(
            "SELECT * FROM hub_reservations WHERE ident = ANY(%s)", (list(idents),)
        )
        return {r.ident: r for r in map(_reservation, rows)}

    def held(self, sku: str) -> dict[str, int]:
        if self._spends:  # the rights they spend
            self.flush()
        rows = self._conn.execute("SELECT node, h - owed FROM hub_rights WHERE sku = %s", (sku,))
        return {str(n): int(h) for n, h in rows}

    def held_many(self, skus: Collection[str]) -> dict[str, dict[str, int]]:
        if self._spends:  # the rights they spend
            self.flush()
        found: dict[str, dict[str, int]] = {}
        for sku, n, h in self._conn.execute(
            f"SELECT r.* FROM {_BY_KEY} sku, node, h - owed FROM hub_rights WHERE sku = k.sku"
            " OFFSET 0) AS r",
            (list(skus),),
        ):
            found.setdefault(str(sku), {})[str(n)] = int(h)
        return found

    def walk_in_rates(
        self, nodes: Collection[str], skus: Collection[str] | None = None
    ) -> dict[str, dict[str, float]]:
        chosen = None if skus is None else list(skus)
        found: dict[str, dict[str, float]] = {}
        for node, sku, rate in self._conn.execute(
            "SELECT node, sku, rate FROM hub_walk_in_rates WHERE node = ANY(%s)"
            " AND (%s::text[] IS NULL OR sku = ANY(%s))",
            (list(nodes), chosen, chosen),
        ):
            found.setdefault(str(node), {})[str(sku)] = float(rate)
        return found

    def split_rates(self, node: str, skus: Collection[str]) -> dict[str, SplitRate]:
        rows = self._conn.execute(
            f"SELECT r.sku, r.rate, coalesce(r.online, 0), coalesce(r.at_s, -1) FROM {_BY_KEY}"
            " w.sku, w.rate, s.online, s.at_s FROM hub_walk_in_rates w LEFT JOIN"
            " hub_split_rates s USING (node, sku) WHERE w.node = %s AND w.sku = k.sku"
            " OFFSET 0) AS r",
            (list(skus), node),
        )
        return {
            str(sku): SplitRate(float(rate), float(online), float(at_s))
            for sku, rate, online, at_s in rows
        }

    def save_split_rates(self, node: str, rates: Mapping[str, SplitRate]) -> None:
        if not rates:
            return
        rows = _json_rows((sku, r.walk_in, r.online, r.at_s) for sku, r in rates.items())
        run_batch(  # one round trip however many SKUs, the rows as one JSON text
            self._conn,
            [
                (
                    "INSERT INTO hub_walk_in_rates SELECT %s, m->>0, (m->>1)::float8"
                    " FROM json_array_elements(%s::json) AS m"
                    " ON CONFLICT (node, sku) DO UPDATE SET rate = excluded.rate",
                    (node, rows),
                ),
                (
                    "INSERT INTO hub_split_rates SELECT %s, m->>0, (m->>2)::float8,"
                    " (m->>3)::float8 FROM json_array_elements(%s::json) AS m"
                    " ON CONFLICT (node, sku) DO UPDATE SET"
                    " online = excluded.online, at_s = excluded.at_s",
                    (node, rows),
                ),
            ],
        )

    def report_agent(self, node: str, report: AgentReport, at_s: float) -> None:
        self._conn.execute(
            "INSERT INTO hub_agent_reports VALUES (%s, %s, %s, %s) ON CONFLICT (node) DO UPDATE"
            " SET version = excluded.version, disk_free = excluded.disk_free,"
            " reported_s = excluded.reported_s",
            (node, report.version, report.disk_free, at_s),
        )

    def agent_reports(self) -> dict[str, tuple[AgentReport, float]]:
        rows = self._conn.execute(
            "SELECT node, version, disk_free, reported_s FROM hub_agent_reports"
        )
        return {str(n): (AgentReport(str(v), int(d)), float(s)) for n, v, d, s in rows}

    def peer_epochs(self) -> dict[str, str]:
        rows = self._conn.execute("SELECT node, epoch FROM sync_peers")
        return {str(n): str(e) for n, e in rows}

    def open_nodes(self) -> list[str]:
        rows = self._conn.execute(
            "SELECT DISTINCT node FROM hub_reservations WHERE state = ANY(%s) ORDER BY node",
            (_OPEN,),
        )
        return [str(n) for (n,) in rows]

    def online_rate(self, sku: str) -> tuple[float, float]:
        self.flush()
        row = self._conn.execute(
            "SELECT rate, at_s FROM hub_online_rates WHERE sku = %s", (sku,)
        ).fetchone()
        return (0.0, 0.0) if row is None else (float(row[0]), float(row[1]))

    def online_rates(self, skus: Collection[str]) -> dict[str, tuple[float, float]]:
        self.flush()
        rows = self._conn.execute(
            f"SELECT r.* FROM {_BY_KEY} sku, rate, at_s FROM hub_online_rates"
            " WHERE sku = k.sku OFFSET 0) AS r",
            (list(skus),),
        )
        return {str(sku): (float(rate), float(at_s)) for sku, rate, at_s in rows}

    def set_online_rates(self, rates: Mapping[str, tuple[float, float]]) -> None:
        """Held back to the commit's round trip (or the next read of the rates)."""
        self._rates.update(rates)

    def take_held(self) -> tuple[list[list[Any]], list[tuple[str, Any, Any]]]:
        """The writes held back, as `promise_write` takes them: the saves of accounts read
        from a view, then the online rates (`set_online_rates`); forgotten here."""
        rates = [(sku, _real(rate), _real(at)) for sku, (rate, at) in sorted(self._rates.items())]
        spends, self._spends = self._spends, []
        self._rates.clear()
        return spends, rates

    def held_back(self) -> list[Statement]:
        """The writes held back, as one `promise_write` call (none if nothing is); forgotten
        here. Run it inside `short_rights()`."""
        return write_call(*self.take_held(), [])

    def flush(self) -> None:
        """Write what is held back now (a read of it comes)."""
        if self._rates or self._spends:
            with short_rights():
                run_batch(self._conn, self.held_back())

    def forget(self) -> None:
        self._rates.clear()
        self._spends.clear()
        self._seen.clear()
        self._read_prepared = False

    def read_prepared(self) -> bool:
        """This transaction read its view as `promise_read_call` (prepared in the session),
        so `promise_write_call` is there too (ADR 0045)."""
        status = self._conn.pgconn.transaction_status
        return self._read_prepared and status == TransactionStatus.INTRANS

    def epochs(self) -> tuple[str, dict[str, str]]:
        """One statement: the hub's epoch (the row without a node) and each node's."""
        epoch, found = "", {}
        for node, value in self._conn.execute(
            "SELECT node, epoch FROM sync_peers"
            " UNION ALL SELECT NULL, value FROM meta WHERE key = 'sync_epoch'"
        ):
            if node is None:
                epoch = str(value)
            else:
                found[str(node)] = str(value)
        return epoch, found

    def promise_view(self, skus: Collection[str]) -> PromiseView:
        """One statement: the epochs, H, the heard nodes' walk-in rates and the online rates
        of `skus`, each row tagged with what it is."""
        return self.read_view(None, skus)[1]

    def read_view(self, key: str | None, skus: Collection[str]) -> tuple[bool, PromiseView]:
        """Whether the order `key` exists, and the promise's view of `skus`: one call of
        `promise_read` (with the BEGIN when it opens the transaction, and then prepared: ADR
        0045), sent without a cursor and read as text (ADR 0036)."""
        self.flush()
        result, self._read_prepared = read_result(self._conn, key, skus)
        encoding = self._conn.info.encoding
        get: Callable[[int, int], Any] = result.get_value  # its cells read are NOT NULL columns
        placed, epoch = False, ""
        epochs: dict[str, str] = {}
        held: dict[str, dict[str, int]] = {}
        walk_in: dict[str, dict[str, float]] = {}
        online: dict[str, tuple[float, float]] = {}
        for i in range(result.ntuples):  # each row's cells read as its tag needs them
            part = get(i, 0)
            if part == b"1":
                sku = get(i, 2).decode(encoding)
                held.setdefault(sku, {})[get(i, 1).decode(encoding)] = int(float(get(i, 3)))
            elif part == b"2":
                node = get(i, 1).decode(encoding)
                walk_in.setdefault(node, {})[get(i, 2).decode(encoding)] = float(get(i, 3))
            elif part == b"3":
                online[get(i, 2).decode(encoding)] = (float(get(i, 3)), float(get(i, 4)))
            elif part == b"0":
                node, label = get(i, 1), get(i, 5)
                text = "" if label is None else label.decode(encoding)
                if node is None:
                    epoch = text
                else:
                    epochs[node.decode(encoding)] = text
            else:  # -1: the order `key` exists
                placed = True
        if not walk_in.keys() <= epochs.keys():  # the heard nodes' rates only (ADR 0066)
            walk_in = {node: rates for node, rates in walk_in.items() if node in epochs}
        return placed, PromiseView(epoch, epochs, held, walk_in, online)


@contextmanager
def short_rights() -> Iterator[None]:
    """`rights_spend`'s refusal (a SKU's rights went since the view read them) raised as the
    domain's NotEnoughRights; the transaction is aborted, so the unit of work rolls back."""
    try:
        yield
    except psycopg.DatabaseError as error:
        if error.sqlstate != SHORT_RIGHTS or error.diag.message_detail is None:
            raise
        sku, node, requested, held = json.loads(error.diag.message_detail)
        raise NotEnoughRights(str(sku), str(node), int(requested), int(held)) from None


_Row = tuple[Any, ...]
FEW = 4  # rows written one by one in a pipeline; more go as arrays in one set statement


def _spend(node: str, rows: list[_Row]) -> list[Statement]:
    """Spend H for every row at once: `h = h - spent WHERE h >= spent` (with
    `CHECK (h >= 0)`), returning the SKUs spent (`_check_spent` reads them). The node's peer
    row is locked for the unit of work, so its rights rows are never locked out of order."""
    if len(rows) == 1:  # a promise's usual case: no arrays to build
        sku, spent, *rest = rows[0]
        return [
            (
                "UPDATE hub_rights SET h = h - %s, local = %s, granted = %s, unavailable = %s,"
                " reserved = %s::jsonb WHERE node = %s AND sku = %s AND h >= %s RETURNING sku",
                (spent, *rest, node, sku, spent),
            )
        ]
    if not rows:
        return []
    return [
        (
            "UPDATE hub_rights r SET h = r.h - v.spent, local = v.local, granted = v.granted,"
            " unavailable = v.unavailable, reserved = v.reserved::jsonb"
            " FROM (SELECT m->>0 AS sku, (m->>1)::int AS spent, (m->>2)::int AS local,"
            " (m->>3)::int AS granted, (m->>4)::int AS unavailable, m->>5 AS reserved"
            " FROM json_array_elements(%s::json) AS m) AS v"
            " WHERE r.node = %s AND r.sku = v.sku AND r.h >= v.spent RETURNING r.sku",
            (_json_rows(rows), node),
        )
    ]


def _write_rights(node: str, rows: list[_Row]) -> list[Statement]:
    """The rights rows as they are: a few one by one (no arrays to build), many at once."""
    if 0 < len(rows) <= FEW:
        return row_statements(
            "INSERT INTO hub_rights VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb)"
            " ON CONFLICT (node, sku) DO UPDATE SET h = excluded.h, owed = excluded.owed,"
            " local = excluded.local, granted = excluded.granted,"
            " unavailable = excluded.unavailable, reserved = excluded.reserved",
            [(node, *row) for row in rows],
        )
    if not rows:
        return []
    return [
        (
            "INSERT INTO hub_rights SELECT %s, m->>0, (m->>1)::int, (m->>2)::int, (m->>3)::int,"
            " (m->>4)::int, (m->>5)::int, (m->>6)::jsonb FROM json_array_elements(%s::json) AS m"
            " ON CONFLICT (node, sku) DO UPDATE SET h = excluded.h, owed = excluded.owed,"
            " local = excluded.local, granted = excluded.granted,"
            " unavailable = excluded.unavailable, reserved = excluded.reserved",
            (node, _json_rows(rows)),
        )
    ]


def _check_spent(node: str, rows: list[_Row], done: psycopg.ClientCursor[Any]) -> None:
    """A SKU whose escrow UPDATE did not match had not the rights."""
    missing = {row[0] for row in rows} - {str(sku) for (sku,) in done}
    if missing:
        sku = min(missing)
        raise NotEnoughRights(sku, node, next(r[1] for r in rows if r[0] == sku), 0)


def _reservation_row(r: Reservation) -> tuple[Any, ...]:
    return (r.ident, r.node, r.sku, r.quantity, r.expires_at, r.state.value, r.seen_aside)


def _reservation(row: tuple[Any, ...]) -> Reservation:
    ident, node, sku, qty, expires, state, seen = row
    return Reservation(ident, node, sku, int(qty), expires, State(state), bool(seen))


class PostgresSyncUnitOfWork(PostgresUnitOfWork):
    """A PostgreSQL unit of work with the sync stores on the same transaction."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self.rights = PostgresRights(conn)
        self.accounts = PostgresAccounts(conn)
        self.popups = PostgresPopUps(conn)

    def commit(self) -> None:
        with short_rights():  # the escrow of an account saved from a view, now
            super().commit()

    def _held_back(self) -> list[Statement]:
        """The accounts' writes held back, and the orders' (`_orders_held`), in one
        `promise_write` call."""
        prepared = self.accounts.read_prepared()
        held = write_call(*self.accounts.take_held(), self._orders_held(), prepared=prepared)
        return [*super()._held_back(), *held]

    def _orders_held(self) -> list[list[Any]]:
        """The new orders held back to the commit, as `promise_write` takes them (none here)."""
        return []

    def _forget(self) -> None:
        super()._forget()
        self.accounts.forget()


class PostgresSyncDatabase(PostgresDatabase):
    """The hub's PostgreSQL database, opened for sync use cases."""

    def unit_of_work(self) -> PostgresSyncUnitOfWork:
        return PostgresSyncUnitOfWork(self.connection())

    __call__ = unit_of_work


def _real(value: float) -> float | str:
    """A float for JSON: infinities and NaN, which JSON lacks, as text float8 reads."""
    return value if math.isfinite(value) else str(value)


def _stamped(row: _Row) -> _Row:
    """A request row for JSON: its time (the last column) as ISO text."""
    at = row[-1]
    return row if at is None else (*row[:-1], at.isoformat())


def _asked(request: Request) -> tuple[str, str, int, datetime | None]:
    """A stock request's who, why, where and when (empty for the rights requests)."""
    return request.reference, request.actor, request.position, request.at

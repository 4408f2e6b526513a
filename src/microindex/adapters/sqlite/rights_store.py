"""The sync ports on SQLite: rights and marks at a node, accounts and peers at the hub.

They share the unit of work's connection, so rights, checkpoints and requests commit in the
same transaction as the movements they go with.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

from microindex.adapters.sqlite.rounds_store import SqlitePopUps
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase, SqliteUnitOfWork
from microindex.domain.sync.account import (
    OPEN,
    NodeAccount,
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

_OPEN = tuple(s.value for s in OPEN)
_MANY_SKUS = 500  # a promise view of more SKUs binds them as one JSON list


def _reserved(text: str) -> tuple[tuple[str, int], ...]:
    if text == "[]":  # most rows: nothing set aside (no parse for each SKU a sync loads)
        return ()
    return tuple((str(i), int(q)) for i, q in json.loads(text))


def _rights(row: tuple[Any, ...]) -> Rights:
    local, granted, unavailable, reserved = row
    return Rights(int(local), int(granted), int(unavailable), _reserved(reserved))


class SqliteRights:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def sent(self, node: str) -> tuple[int, int]:
        row = self._conn.execute(
            "SELECT incarnation, counter FROM sync_sides WHERE node = ?", (node,)
        ).fetchone()
        return (1, 0) if row is None else (int(row[0]), int(row[1]))

    def load(self, node: str) -> NodeSide:
        rights = {  # every SKU of the node, twice an exchange: no call a row but Rights
            sku: Rights(local, granted, unavailable, () if text == "[]" else _reserved(text))
            for sku, local, granted, unavailable, text in self._conn.execute(
                "SELECT sku, local, granted, unavailable, reserved FROM node_rights WHERE node = ?",
                (node,),
            )
        }
        row = self._conn.execute(
            "SELECT rights_head, incarnation, counter, epoch, acked, requests_through,"
            " requests_head, catalog_mark, next_sync_s, low_water, answered FROM sync_sides"
            " WHERE node = ?",
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
            json.loads(low),
            nxt,
            answered,
        )

    def applied(self, node: str, keys: Iterable[str]) -> set[str]:
        """One statement however many keys (a reply's 20,000 releases): read back by json_each."""
        rows = self._conn.execute(
            "SELECT key FROM sync_applied WHERE node = ? AND key IN"
            " (SELECT value FROM json_each(?))",
            (node, json.dumps(list(keys))),
        )
        return {str(key) for (key,) in rows}

    def save(self, side: NodeSide) -> None:
        self._conn.executemany(
            "INSERT INTO sync_applied (node, key) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(side.node, key) for key in side.newly_applied],
        )
        self._conn.executemany(
            "INSERT INTO node_rights VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (node, sku) DO UPDATE"
            " SET local = excluded.local, granted = excluded.granted,"
            " unavailable = excluded.unavailable, reserved = excluded.reserved",
            [
                (
                    side.node,
                    sku,
                    r.local,
                    r.granted,
                    r.unavailable,
                    json.dumps(r.reserved) if r.reserved else "[]",
                )
                for sku, r in side.rights.items()
                if sku in side.touched
            ],
        )
        self._conn.execute(
            "INSERT OR REPLACE INTO sync_sides (node, rights_head, incarnation, counter, epoch,"
            " acked, requests_through, requests_head, catalog_mark, next_sync_s, low_water,"
            " answered) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                json.dumps(side.low_water),
                side.answered,
            ),
        )
        side.newly_applied.clear()
        side.touched.clear()


class SqliteAccounts:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        # What the last `promise_view` read of each node's rights and next request number, for
        # `load_rights(..., seen=that view)` in the same transaction (no second read): dropped
        # by any write of rights or peers here and by the unit of work's commit or rollback.
        self._seen: PromiseView | None = None
        self._seen_rights: dict[str, dict[str, tuple[int, Rights]]] = {}
        self._seen_next: dict[str, int] = {}

    def forget_view(self) -> None:
        """The transaction ended (or rights were written): the view read is no answer now."""
        self._seen = None
        self._seen_rights = {}
        self._seen_next = {}

    def epoch(self) -> str:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'sync_epoch'").fetchone()
        return "" if row is None else str(row[0])

    def set_epoch(self, epoch: str) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('sync_epoch', ?)", (epoch,)
        )

    def peer(self, node: str) -> Peer:
        row = self._conn.execute(
            "SELECT incarnation, counter, requests_through, last_sync_s, tau_s, overdraft,"
            " deficit, epoch, coalesce(m.split_after, ''), coalesce(m.rate_sum, 0)"
            " FROM sync_peers p LEFT JOIN hub_split_marks m USING (node) WHERE node = ?",
            (node,),
        ).fetchone()
        return Peer(node) if row is None else Peer(node, *row)

    def save_peer(self, peer: Peer) -> None:
        self.forget_view()
        self._conn.execute(
            "INSERT INTO sync_peers VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?) ON CONFLICT (node)"
            " DO UPDATE SET incarnation = excluded.incarnation, counter = excluded.counter,"
            " requests_through = excluded.requests_through, last_sync_s = excluded.last_sync_s,"
            " tau_s = excluded.tau_s, overdraft = excluded.overdraft, deficit = excluded.deficit,"
            " epoch = excluded.epoch",
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
            "INSERT OR REPLACE INTO hub_split_marks VALUES (?, ?, ?)",
            (peer.node, peer.split_after, peer.rate_sum),
        )

    def load(
        self, node: str, skus: Collection[str] | None = None, requests: bool = False
    ) -> NodeAccount:
        only = "" if skus is None else f" AND sku IN ({', '.join('?' for _ in skus)})"
        chosen = () if skus is None else tuple(skus)
        account = self._account(node, only, chosen)
        marks = ", ".join("?" for _ in _OPEN)
        account.reservations.update(
            (r.ident, r)
            for r in map(
                _reservation,
                self._conn.execute(
                    f"SELECT * FROM hub_reservations WHERE node = ? AND state IN ({marks}){only}",
                    (node, *_OPEN, *chosen),
                ),
            )
        )
        if skus is None or requests:
            account.requests.update(self._requests(node))
        return account

    def next_skus(self, node: str, after: str, limit: int) -> list[str]:
        return [
            sku
            for (sku,) in self._conn.execute(
                "SELECT sku FROM hub_rights WHERE node = ? AND sku > ? ORDER BY sku LIMIT ?",
                (node, after, limit),
            )
        ]

    def load_rights(
        self, node: str, skus: Collection[str], seen: PromiseView | None = None
    ) -> NodeAccount:
        """From `seen` when it is the view this transaction read (the unit of work is the
        only writer, and nothing wrote rights here since): no statement; else read."""
        chosen = tuple(skus)
        known = self._seen_rights.get(node) if seen is not None and seen is self._seen else None
        if known is not None and node in self._seen_next and all(s in known for s in chosen):
            held = {sku: known[sku][0] for sku in chosen}
            mirror = {sku: known[sku][1] for sku in chosen}
            return NodeAccount(node, held, mirror, {}, {}, self._seen_next[node])
        return self._account(node, f" AND sku IN ({', '.join('?' for _ in chosen)})", chosen)

    def _account(self, node: str, only: str, chosen: tuple[str, ...]) -> NodeAccount:
        """Rights (of `chosen` when `only` filters) and the next request number, nothing more."""
        held: dict[str, int] = {}
        mirror: dict[str, Rights] = {}
        for sku, h, local, granted, unavailable, text in self._conn.execute(
            "SELECT sku, h - owed, local, granted, unavailable, reserved FROM hub_rights"
            f" WHERE node = ?{only}",
            (node, *chosen),
        ):  # every SKU a push moves: `_rights`, inline (integer columns read as int)
            held[sku] = h
            reserved = () if text == "[]" else _reserved(text)
            mirror[sku] = Rights(local, granted, unavailable, reserved)
        row = self._conn.execute(
            "SELECT next_request FROM sync_peers WHERE node = ?", (node,)
        ).fetchone()
        return NodeAccount(node, held, mirror, {}, {}, 1 if row is None else int(row[0]))

    def _requests(self, node: str) -> dict[int, Request]:
        return {
            seq: Request(
                seq, RequestKind(kind), sku, qty, ident, ref, actor, position, _time(asked_at)
            )
            for seq, kind, sku, qty, ident, ref, actor, position, asked_at in self._conn.execute(
                "SELECT seq, kind, sku, quantity, ident, reference, actor, position, asked_at"
                " FROM hub_requests WHERE node = ?",
                (node,),
            )
        }

    def save(self, account: NodeAccount) -> None:
        """Upserts that update a row in place (INSERT OR REPLACE would delete it and insert
        it again, touching every index of the table); a statement only for what there is."""
        self.forget_view()
        node, c = account.node, self._conn
        if account.touched_skus:
            c.executemany(
                "INSERT INTO hub_rights VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (node, sku)"
                " DO UPDATE SET h = excluded.h, owed = excluded.owed, local = excluded.local,"
                " granted = excluded.granted, unavailable = excluded.unavailable,"
                " reserved = excluded.reserved",
                [
                    _rights_row(node, sku, account.h(sku), account.mirror.get(sku, Rights()))
                    for sku in account.touched_skus
                ],
            )
        if account.touched_reservations:
            c.executemany(
                "INSERT INTO hub_reservations VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ident)"
                " DO UPDATE SET node = excluded.node, sku = excluded.sku,"
                " quantity = excluded.quantity, expires_at = excluded.expires_at,"
                " state = excluded.state, seen_aside = excluded.seen_aside",
                [_reservation_row(account.reservations[i]) for i in account.touched_reservations],
            )
        if account.settled:
            c.executemany(
                "DELETE FROM hub_requests WHERE node = ? AND seq = ?",
                [(node, seq) for seq in account.settled],
            )
        if account.requests:
            c.executemany(
                "INSERT INTO hub_requests (node, seq, kind, sku, quantity, ident, reference,"
                " actor, position, asked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                [
                    (node, q.seq, q.kind.value, q.sku, q.quantity, q.ident, *_asked(q))
                    for q in account.requests.values()
                ],
            )
        c.execute(
            "INSERT INTO sync_peers VALUES (?, 0, 0, 0, ?, -1, 0, 0, 0, '')"
            " ON CONFLICT (node) DO UPDATE SET next_request = excluded.next_request",
            (node, account.next_request),
        )
        account.touched_skus.clear()
        account.touched_reservations.clear()
        account.settled.clear()

    def reservation(self, ident: str) -> Reservation | None:
        row = self._conn.execute(
            "SELECT * FROM hub_reservations WHERE ident = ?", (ident,)
        ).fetchone()
        return None if row is None else _reservation(row)

    def reservations(self, idents: Collection[str]) -> dict[str, Reservation]:
        rows = self._conn.execute(
            "SELECT * FROM hub_reservations WHERE ident IN (SELECT value FROM json_each(?))",
            (json.dumps(list(idents)),),
        )
        return {r.ident: r for r in map(_reservation, rows)}

    def held(self, sku: str) -> dict[str, int]:
        return {
            n: int(h)
            for n, h in self._conn.execute(
                "SELECT node, h - owed FROM hub_rights WHERE sku = ?", (sku,)
            )
        }

    def held_many(self, skus: Collection[str]) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        for sku, n, h in self._conn.execute(
            "SELECT sku, node, h - owed FROM hub_rights WHERE sku IN"
            " (SELECT value FROM json_each(?))",  # one parameter, however many SKUs
            (json.dumps(list(skus)),),
        ):
            found.setdefault(sku, {})[n] = int(h)
        return found

    def walk_in_rates(
        self, nodes: Collection[str], skus: Collection[str] | None = None
    ) -> dict[str, dict[str, float]]:
        only = "" if skus is None else " AND sku IN (SELECT value FROM json_each(?))"
        found: dict[str, dict[str, float]] = {}
        for node, sku, rate in self._conn.execute(
            "SELECT node, sku, rate FROM hub_walk_in_rates"
            f" WHERE node IN (SELECT value FROM json_each(?)){only}",
            (json.dumps(list(nodes)), *(() if skus is None else (json.dumps(list(skus)),))),
        ):
            found.setdefault(node, {})[sku] = float(rate)
        return found

    def split_rates(self, node: str, skus: Collection[str]) -> dict[str, SplitRate]:
        return {
            sku: SplitRate(float(rate), float(online), float(at_s))
            for sku, rate, online, at_s in self._conn.execute(
                "SELECT w.sku, w.rate, coalesce(s.online, 0), coalesce(s.at_s, -1)"
                " FROM hub_walk_in_rates w LEFT JOIN hub_split_rates s USING (node, sku)"
                " WHERE w.node = ? AND w.sku IN (SELECT value FROM json_each(?))",
                (node, json.dumps(list(skus))),
            )
        }

    def save_split_rates(self, node: str, rates: Mapping[str, SplitRate]) -> None:
        self._conn.executemany(  # bound doubles: the rates read back are the ones written
            "INSERT INTO hub_walk_in_rates VALUES (?, ?, ?)"
            " ON CONFLICT (node, sku) DO UPDATE SET rate = excluded.rate",
            [(node, sku, r.walk_in) for sku, r in rates.items()],
        )
        self._conn.executemany(
            "INSERT OR REPLACE INTO hub_split_rates VALUES (?, ?, ?, ?)",
            [(node, sku, r.online, r.at_s) for sku, r in rates.items()],
        )

    def report_agent(self, node: str, report: AgentReport, at_s: float) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO hub_agent_reports VALUES (?, ?, ?, ?)",
            (node, report.version, report.disk_free, at_s),
        )

    def agent_reports(self) -> dict[str, tuple[AgentReport, float]]:
        rows = self._conn.execute(
            "SELECT node, version, disk_free, reported_s FROM hub_agent_reports"
        )
        return {str(n): (AgentReport(str(v), int(d)), float(s)) for n, v, d, s in rows}

    def peer_epochs(self) -> dict[str, str]:
        return dict(self._conn.execute("SELECT node, epoch FROM sync_peers"))

    def open_nodes(self) -> list[str]:
        marks = ", ".join("?" for _ in _OPEN)
        return [
            n
            for (n,) in self._conn.execute(
                f"SELECT DISTINCT node FROM hub_reservations WHERE state IN ({marks})"
                " ORDER BY node",
                _OPEN,
            )
        ]

    def online_rate(self, sku: str) -> tuple[float, float]:
        row = self._conn.execute(
            "SELECT rate, at_s FROM hub_online_rates WHERE sku = ?", (sku,)
        ).fetchone()
        return (0.0, 0.0) if row is None else (float(row[0]), float(row[1]))

    def online_rates(self, skus: Collection[str]) -> dict[str, tuple[float, float]]:
        rows = self._conn.execute(
            "SELECT sku, rate, at_s FROM hub_online_rates WHERE sku IN"
            " (SELECT value FROM json_each(?))",
            (json.dumps(list(skus)),),
        )
        return {sku: (float(rate), float(at_s)) for sku, rate, at_s in rows}

    def set_online_rates(self, rates: Mapping[str, tuple[float, float]]) -> None:
        self._conn.executemany(  # in place: the row keeps its rowid, its key index untouched
            "INSERT INTO hub_online_rates VALUES (?, ?, ?)"
            " ON CONFLICT (sku) DO UPDATE SET rate = excluded.rate, at_s = excluded.at_s",
            [(sku, rate, at_s) for sku, (rate, at_s) in rates.items()],
        )

    def epochs(self) -> tuple[str, dict[str, str]]:
        return self.epoch(), self.peer_epochs()

    def promise_view(self, skus: Collection[str]) -> PromiseView:
        return self.read_promise_view(skus)[1]

    def read_promise_view(
        self, skus: Collection[str], order: str | None = None
    ) -> tuple[bool, PromiseView]:
        """`promise_view(skus)` in one statement (the epochs, and the SKUs' rights, walk-in
        and online rates), with whether order `order` is stored (the idempotency check asks:
        most keys are new, and then the order needs no read of its own)."""
        chosen: tuple[str, ...] = tuple(dict.fromkeys(skus))
        marks = ", ".join("?" for _ in chosen)
        if len(chosen) > _MANY_SKUS:  # a bound parameter each would near SQLite's limit
            chosen, marks = (json.dumps(chosen),), "SELECT value FROM json_each(?)"
        rows = self._conn.execute(
            "SELECT 0, value, 0, 0, 0, 0, 0, 0 FROM meta WHERE key = 'sync_epoch'"
            " UNION ALL SELECT 1, node, epoch, next_request, 0, 0, 0, 0 FROM sync_peers"
            " UNION ALL SELECT 2, ident, 0, 0, 0, 0, 0, 0 FROM orders WHERE ident = ?"
            " UNION ALL SELECT 3, node, sku, h - owed, local, granted, unavailable, reserved"
            f" FROM hub_rights WHERE sku IN ({marks})"
            " UNION ALL SELECT 4, node, sku, rate, 0, 0, 0, 0 FROM hub_walk_in_rates"
            f" WHERE sku IN ({marks}) AND node IN (SELECT node FROM sync_peers)"
            " UNION ALL SELECT 5, sku, rate, at_s, 0, 0, 0, 0 FROM hub_online_rates"
            f" WHERE sku IN ({marks})",
            (order, *chosen, *chosen, *chosen),
        )
        epoch, known = "", False
        epochs: dict[str, str] = {}
        held: dict[str, dict[str, int]] = {}
        walk_in: dict[str, dict[str, float]] = {}
        online: dict[str, tuple[float, float]] = {}
        seen: dict[str, dict[str, tuple[int, Rights]]] = {}
        following: dict[str, int] = {}
        for tag, a, b, c, d, e, f, g in rows:
            if tag == 3:  # a node's rights of a SKU
                h = int(c)
                held.setdefault(b, {})[a] = h
                seen.setdefault(a, {})[b] = (h, Rights(int(d), int(e), int(f), _reserved(g)))
            elif tag == 4:
                walk_in.setdefault(a, {})[b] = float(c)
            elif tag == 5:
                online[a] = (float(b), float(c))
            elif tag == 1:
                epochs[a] = b
                following[a] = int(c)
            elif tag == 0:
                epoch = str(a)
            else:
                known = True
        view = PromiseView(epoch, epochs, held, walk_in, online)
        self._seen, self._seen_rights, self._seen_next = view, seen, following
        return known, view


def _rights_row(node: str, sku: str, h: int, r: Rights) -> tuple[Any, ...]:
    return (
        node,
        sku,
        max(h, 0),
        max(-h, 0),
        r.local,
        r.granted,
        r.unavailable,
        json.dumps(r.reserved) if r.reserved else "[]",  # most SKUs: nothing set aside
    )


def _reservation_row(r: Reservation) -> tuple[Any, ...]:
    return (
        r.ident,
        r.node,
        r.sku,
        r.quantity,
        r.expires_at.isoformat(),
        r.state.value,
        int(r.seen_aside),
    )


def _reservation(row: tuple[Any, ...]) -> Reservation:
    ident, node, sku, qty, expires, state, seen = row
    return Reservation(
        ident, node, sku, int(qty), datetime.fromisoformat(expires), State(state), bool(seen)
    )


class SqliteSyncUnitOfWork(SqliteUnitOfWork):
    """A SQLite unit of work with the sync stores on the same connection and transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(conn)
        self.rights = SqliteRights(conn)
        self.accounts = SqliteAccounts(conn)
        self.popups = SqlitePopUps(conn)

    def commit(self) -> None:
        self.accounts.forget_view()  # the next transaction reads again
        super().commit()

    def rollback(self) -> None:
        self.accounts.forget_view()
        super().rollback()

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
        self.accounts.forget_view()
        super().__exit__(exc_type, exc, tb)


class SqliteSyncDatabase(SqliteDatabase):
    """A node's or the hub's SQLite file, opened for sync use cases."""

    def unit_of_work(self) -> SqliteSyncUnitOfWork:
        return SqliteSyncUnitOfWork(self.connection())

    __call__ = unit_of_work


def _asked(request: Request) -> tuple[str, str, int, str | None]:
    """A stock request's who, why, where and when (empty for the rights requests)."""
    at = request.at.isoformat() if request.at else None
    return request.reference, request.actor, request.position, at


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None

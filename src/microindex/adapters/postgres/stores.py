"""The storage ports on one PostgreSQL connection: catalog, nodes, ledger, outbox, meta."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from psycopg import sql
from psycopg.types.json import Jsonb

from microindex.adapters.postgres.catalog_schema import KEY_COLUMNS
from microindex.adapters.postgres.connection import (
    Connection,
    Statement,
    exchange,
    read,
    row_statements,
    run_batch,
)
from microindex.domain.kits import Kit, kits_of
from microindex.domain.ledger import CountResult, Ledger
from microindex.domain.movement import Movement, MovementKind, MovementRow, Tag
from microindex.domain.node import Node
from microindex.domain.product import Fragility, Product, Size, stored_product
from microindex.domain.sale import KeptSale
from microindex.domain.search.searched import Searched
from microindex.service.ports import (
    OutboxMessage,
    ProductFilter,
    SalesHistory,
    StockLine,
    folded,
)
from microindex.service.records import (
    NODE_FIELDS,
    movement_from_record,
    node_from_record,
    node_record,
    product_record,
)

PRODUCT_COLUMNS = (
    "sku", "gtin", "title", "description", "brand", "category", "attributes", "price",
    "sale_price", "currency", "media", "weight_g", "size", "fragility", "limited_edition",
    "preorder_until", "tags", "handle",
)  # fmt: skip
_JSON_COLUMNS = frozenset({"attributes", "media", "tags"})
_MOVEMENT_FIELDS = (
    "node", "seq", "sku", "quantity", "kind", "at", "reference", "actor", "tag", "tag_id"
)  # fmt: skip
_MOVEMENT_COLUMNS = ", ".join(_MOVEMENT_FIELDS)


_TEXT: dict[object, str] = {e: e.value for e in (*MovementKind, *Tag)}
_ROWS = json.JSONEncoder(separators=(",", ":"))
_GRANT = MovementKind.GRANT.value


FEW_MESSAGES = 8  # outbox messages inserted one statement each (more go as arrays)
_SAVE: LiteralString = "SELECT ledger_save(%s, %s::json, %s, %s::json, %s, %s::json)"
_LOAD: LiteralString = "SELECT ledger_load(%s, %s::json, %s)"
_APPEND: LiteralString = (
    "SELECT ledger_append(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
Message = tuple[str, str, str, datetime]  # an outbox message waiting: topic, key, payload, at


@dataclass(slots=True)
class _Save:
    """A ledger's save held back until the commit: what it appends and moves."""

    node: str
    new: list[Movement]
    rows: list[MovementRow]
    head: int
    deltas: dict[str, int]  # by SKU, in SKU order; a grant's SKU is not there
    make: bool  # on-hand rows not locked by this store (recorded without loading): made if missing

    def statement(self, messages: list[Message]) -> Statement:
        """One call: `ledger_append(...)` for one movement and at most one message, each value
        an argument (migration 184), else `ledger_save(...)` with JSON texts (migration 180)."""
        if len(self.new) == 1 and not self.rows and len(messages) <= 1:
            m = self.new[0]
            if m.seq == self.head:
                topic, key, payload, at = messages[0] if messages else (None, None, None, None)
                return (
                    _APPEND,
                    (self.node, m.seq, m.sku, m.quantity, _TEXT[m.kind], m.at.isoformat(),
                     m.reference, m.actor, _TEXT[m.tag] if m.tag else "", m.tag_id,
                     self.deltas.get(m.sku), self.make, topic, key, payload,
                     at.isoformat() if at else None),
                )  # fmt: skip
        # JSON texts of rows, deltas and messages, dumped in C and read by the server: arrays
        # cost a Python loop per element to dump
        text = _ROWS.encode([(t, k, p, at.isoformat()) for t, k, p, at in messages])
        return (
            _SAVE,
            (self.node, _movement_rows(self.new, self.rows), self.head,
             _ROWS.encode(self.deltas), self.make, text if messages else None),
        )  # fmt: skip


def _movement_rows(movements: list[Movement], more: list[MovementRow]) -> str:
    """`[[seq, sku, quantity, kind, at, reference, actor, tag, tag_id], ...]` as JSON (`more`
    as they are, after their node); a batch's movements often share one time, formatted
    once."""
    rows: list[Any] = []
    text = _TEXT
    at, stamp = None, ""
    for m in movements:
        if m.at != at:
            at, stamp = m.at, m.at.isoformat()
        tag = text[m.tag] if m.tag else ""
        rows.append(
            [m.seq, m.sku, m.quantity, text[m.kind], stamp, m.reference, m.actor, tag, m.tag_id]
        )
    rows += [row[1:] for row in more]
    return _ROWS.encode(rows)


def _node_row(node: Node) -> tuple[Any, ...]:
    r = node_record(node)
    r["capabilities"] = Jsonb(r["capabilities"])
    return tuple(r[name] for name in NODE_FIELDS)


def product_row(product: Product) -> tuple[Any, ...]:
    record = product_record(product)
    record["price"] = product.price.amount
    record["sale_price"] = product.sale_price.amount if product.sale_price else None
    record["preorder_until"] = product.preorder_until
    values = [Jsonb(record[c]) if c in _JSON_COLUMNS else record[c] for c in PRODUCT_COLUMNS]
    keys = (product.title, product.sku.value, product.category, product.brand)
    return (*values, *map(folded, keys))


def _product(row: tuple[Any, ...]) -> Product:
    """A product from its row (PRODUCT_COLUMNS), which `upsert` or the import's staging wrote
    from a checked `Product`: read back without checking its values again (`stored_product`,
    ADR 0035), as the SQLite catalog reads its own. The jsonb columns arrive decoded."""
    (sku, gtin, title, description, brand, category, attributes, price, sale, currency, media,
     weight_g, size, fragility, limited, preorder, tags, handle) = row  # fmt: skip
    return stored_product(
        sku, gtin, title, description, brand, category,
        tuple((str(k), str(v)) for k, v in attributes),
        str(price), str(sale) if sale is not None else None, currency,
        tuple(media), weight_g,
        Size.parse(size) if size else None,
        _FRAGILITY[fragility],
        limited, preorder, tuple(tags), handle,
    )  # fmt: skip


_FRAGILITY = {f.value: f for f in Fragility}


def _searched(row: tuple[Any, ...]) -> Searched:
    """`searched(_product(row))` from the columns it needs (numeric prices keep their scale)."""
    sku, gtin, title, brand, category, description, price, currency, attributes, tags = row
    return (
        sku, gtin, title, brand, category, description, str(price), currency,
        tuple((str(k), str(v)) for k, v in attributes), tuple(tags),
    )  # fmt: skip


def _movement(row: tuple[Any, ...]) -> Movement:
    return movement_from_record(dict(zip(_MOVEMENT_FIELDS, row, strict=True)))


class PostgresCatalog:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def upsert(self, products: Sequence[Product]) -> None:
        written = (*PRODUCT_COLUMNS, *KEY_COLUMNS)
        columns = sql.SQL(", ").join(map(sql.Identifier, written))
        marks = sql.SQL(", ").join(sql.Placeholder() * len(written))
        updates = sql.SQL(", ").join(
            sql.SQL("{0} = excluded.{0}").format(sql.Identifier(c)) for c in written[1:]
        )
        query = sql.SQL(
            "INSERT INTO products ({}) VALUES ({}) ON CONFLICT (sku) DO UPDATE SET {}"
        ).format(columns, marks, updates)
        with self._conn.cursor() as cur:
            cur.executemany(query, [product_row(p) for p in products])

    def set_kits(self, kits: Mapping[str, Sequence[tuple[str, int]]]) -> None:
        for kit, parts in kits.items():
            self._conn.execute("DELETE FROM kit_parts WHERE kit = %s", (kit,))
            for n, (part, quantity) in enumerate(parts):
                self._conn.execute(
                    "INSERT INTO kit_parts (kit, part, quantity, position) VALUES (%s, %s, %s, %s)",
                    (kit, part, quantity, n),
                )

    def kits_among(self, skus: Iterable[str]) -> dict[str, Kit]:
        wanted = sorted(set(skus))
        if not wanted:
            return {}
        rows = self._conn.execute(
            "SELECT kit, part, quantity FROM kit_parts WHERE kit = ANY(%s) ORDER BY kit, position",
            (wanted,),
        )
        return kits_of(rows)

    def get(self, sku: str) -> Product | None:
        found = self._select("WHERE sku = %s", [sku])
        return found[0] if found else None

    def by_gtin(self, gtin: str) -> Product | None:
        found = self._select("WHERE gtin = %s", [gtin])
        return found[0] if found else None

    def all(self) -> Iterator[Product]:
        cur = self._conn.execute(
            sql.SQL("SELECT {} FROM products ORDER BY sku").format(self._columns())
        )
        for row in cur:
            yield _product(row)

    def searched(self) -> Iterator[Searched]:
        cur = self._conn.execute(
            "SELECT sku, gtin, title, brand, category, description, coalesce(sale_price, price),"
            " currency, attributes, tags FROM products ORDER BY sku"
        )
        for row in cur:
            yield _searched(row)

    def page(self, where: ProductFilter, after: str, limit: int) -> list[Product]:
        if _has_nul(where, after):
            return []  # PostgreSQL text never holds NUL: nothing stored can match
        clauses, params = _filtered(where)
        return self._select(
            f"WHERE sku > %s {clauses} ORDER BY sku LIMIT %s", [after, *params, limit]
        )

    def with_handle(self, handle: str) -> list[Product]:
        if "\x00" in handle:
            return []
        return self._select("WHERE handle = %s ORDER BY sku", [handle])

    def _select(self, rest: str, params: list[Any]) -> list[Product]:
        query = sql.SQL("SELECT {} FROM products ").format(self._columns()) + sql.SQL(rest)
        return [_product(row) for row in self._conn.execute(query, params)]

    def missing(self, skus: Iterable[str]) -> set[str]:
        wanted = set(skus)
        if not wanted:
            return set()
        rows = read(  # often an append's first statement (the catalog check)
            self._conn, "SELECT sku FROM products WHERE sku = ANY(%s)", (sorted(wanted),)
        ).fetchall()
        return wanted - {row[0] for row in rows}

    def gtin_owners(self, gtins: Iterable[str]) -> dict[str, str]:
        wanted = sorted(set(gtins))
        if not wanted:
            return {}
        rows = self._conn.execute(
            "SELECT gtin, sku FROM products WHERE gtin = ANY(%s)", (wanted,)
        ).fetchall()
        return {str(gtin): str(sku) for gtin, sku in rows}

    def count(self, where: ProductFilter | None = None) -> int:
        where = where or ProductFilter()
        if _has_nul(where, ""):
            return 0
        clauses, params = _filtered(where)
        query = f"SELECT count(*) FROM products WHERE true {clauses}"
        row = self._conn.execute(query, params).fetchone()
        return 0 if row is None else int(row[0])

    @staticmethod
    def _columns() -> sql.Composed:
        return sql.SQL(", ").join(map(sql.Identifier, PRODUCT_COLUMNS))


def _has_nul(where: ProductFilter, after: str) -> bool:
    return any("\x00" in text for text in (where.text, where.category, where.brand, after))


def _filtered(where: ProductFilter) -> tuple[str, list[str]]:
    """`AND ...` conditions on the folded keys (see catalog_schema), and their parameters."""
    clauses: list[str] = []
    params: list[str] = []
    if where.text:
        clauses.append("AND (strpos(title_key, %s) > 0 OR strpos(sku_key, %s) > 0)")
        params += [folded(where.text)] * 2
    for column, value in (("category_key", where.category), ("brand_key", where.brand)):
        if value:
            clauses.append(f"AND {column} = %s")
            params.append(folded(value))
    if where.gtin:
        clauses.append("AND gtin = %s")
        params.append(where.gtin)
    return " ".join(clauses), params


class PostgresNodes:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, node: Node) -> None:
        marks = ", ".join(["%s"] * len(NODE_FIELDS))
        self._conn.execute(
            f"INSERT INTO nodes ({', '.join(NODE_FIELDS)}) VALUES ({marks})", _node_row(node)
        )

    def update(self, node: Node) -> None:
        fields = ", ".join(f"{name} = %s" for name in NODE_FIELDS[1:])
        self._conn.execute(
            f"UPDATE nodes SET {fields} WHERE code = %s", (*_node_row(node)[1:], node.code.value)
        )

    def get(self, code: str) -> Node | None:
        row = self._conn.execute(
            f"SELECT {', '.join(NODE_FIELDS)} FROM nodes WHERE code = %s", (code,)
        ).fetchone()
        return None if row is None else self._node(row)

    def all(self) -> list[Node]:
        rows = self._conn.execute(f"SELECT {', '.join(NODE_FIELDS)} FROM nodes ORDER BY code")
        return [self._node(row) for row in rows]

    @staticmethod
    def _node(row: tuple[Any, ...]) -> Node:
        return node_from_record(dict(zip(NODE_FIELDS, row, strict=True)))


class PostgresLedger:
    """Locks in one order, always: the node's `ledger_heads` row, then its on-hand rows by SKU.

    The head row is the node's writer lock: whoever holds it owns the next sequence number, and
    every on-hand change of the node happens under it. A row that does not exist yet is created
    (INSERT ... ON CONFLICT DO NOTHING) and then locked; on-hand rows created only to be locked are
    removed again at commit if nothing was saved to them, so that a read leaves no trace. All of
    it is one call of `ledger_load` (migrations 180, 184), with the catalog check for
    `load_known`; a node and SKUs seen before are locked in one statement there, the head
    first (one SKU's by index probes only). Both calls go without a cursor (`exchange`).

    `save` holds its writes back: the unit of work sends them with the COMMIT in one batch, the
    outbox's lock and messages in the same call (`held_back`), and any other call here sends
    them first (`_send_held`).
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._placeholders: dict[str, set[str]] = defaultdict(set)
        self._locked: dict[str, set[str]] = defaultdict(set)  # on-hand rows locked, by node
        self._held: list[_Save] = []  # the saves held back

    def load(self, node: str, skus: Iterable[str]) -> Ledger:
        found = self._load(node, skus, False)
        assert found is not None  # (only the catalog check answers none)
        return found

    def load_known(self, node: str, skus: Iterable[str]) -> Ledger | None:
        return self._load(node, skus, True)

    def _load(self, node: str, skus: Iterable[str], check: bool) -> Ledger | None:
        """One call of `ledger_load` (migration 180): the catalog check with `check`, the head
        and on-hand locked, the absent on-hand rows made (and later removed if unused). Often
        a unit of work's first statement, sent with its BEGIN."""
        self._send_held()
        wanted = sorted(set(skus))
        result = exchange(self._conn, [(_LOAD, (node, _ROWS.encode(wanted), check))])[0]
        found = result.get_value(0, 0) if result.ntuples else None
        if found is None:
            return None
        head, on_hand, made = json.loads(found)
        self._placeholders[node].update(made)
        self._locked[node].update(on_hand)
        return Ledger(node, head, on_hand)

    def head(self, node: str) -> int:
        self._send_held()
        row = self._conn.execute("SELECT head FROM ledger_heads WHERE node = %s", (node,))
        found = row.fetchone()
        return 0 if found is None else int(found[0])

    def save(self, ledger: Ledger) -> None:
        """Append the new movements, add their deltas to on-hand, move the head: one call of
        `ledger_append` or `ledger_save` (`_Save.statement`), held back until the commit (or
        this store's next call)."""
        if not ledger.new and not ledger.rows:
            return
        deltas: dict[str, int] = defaultdict(int)
        for m in ledger.new:  # a grant's SKU is not touched (and need not be loaded)
            if m.kind is not MovementKind.GRANT:
                deltas[m.sku] += m.on_hand_delta
        for row in ledger.rows:
            if row[4] != _GRANT:
                deltas[row[2]] += row[3]
        node = ledger.node
        # their on-hand rows are there (and locked) unless the caller recorded SKUs without
        # loading them first: then `make` makes the rows missing
        make = not self._locked[node].issuperset(deltas)
        by_sku = dict(sorted(deltas.items()))
        self._held.append(_Save(node, [*ledger.new], [*ledger.rows], ledger.head, by_sku, make))
        self._placeholders[node].difference_update(deltas)
        ledger.new.clear()
        ledger.rows.clear()

    def held_back(self, outbox: PostgresOutbox | None = None) -> list[Statement]:
        """The removal of the on-hand rows `load` created that no movement ever touched, then
        the writes held back, the last with `outbox`'s messages (if any, and the outbox's lock):
        for the unit of work to send with its COMMIT."""
        held: list[Statement] = [
            (
                "DELETE FROM on_hand WHERE node = %s AND sku = ANY(%s) AND quantity = 0",
                (node, sorted(skus)),
            )
            for node, skus in self._placeholders.items()
            if skus
        ]
        self._placeholders.clear()
        messages = outbox.take_messages() if self._held and outbox is not None else []
        return held + self._statements(messages)

    def _statements(self, messages: list[Message]) -> list[Statement]:
        """The saves held back, the last with `messages`."""
        held, self._held = self._held, []
        return [save.statement(messages if save is held[-1] else []) for save in held]

    def _send_held(self) -> None:
        if self._held:
            exchange(self._conn, self._statements([]))

    def forget(self) -> None:
        self._placeholders.clear()
        self._locked.clear()
        self._held = []

    def movement(self, node: str, seq: int) -> Movement | None:
        self._send_held()
        row = self._conn.execute(
            f"SELECT {_MOVEMENT_COLUMNS} FROM movements WHERE node = %s AND seq = %s",
            (node, seq),
        ).fetchone()
        return None if row is None else _movement(row)

    def movements(self, node: str, after: int = 0, limit: int = 1000) -> list[Movement]:
        self._send_held()
        rows = self._conn.execute(
            f"SELECT {_MOVEMENT_COLUMNS} FROM movements WHERE node = %s AND seq > %s"
            " ORDER BY seq LIMIT %s",
            (node, after, limit),
        )
        return [_movement(row) for row in rows]

    def on_hand_at(self, node: str, sku: str, position: int) -> int:
        self._send_held()
        # on-hand now less what moved after `position`: the rows from there on, in key order
        # (no index by SKU to keep up on every append: ADR 0018)
        row = self._conn.execute(
            "SELECT coalesce((SELECT quantity FROM on_hand WHERE node = %(node)s"
            " AND sku = %(sku)s), 0) - (SELECT coalesce(sum(quantity), 0) FROM movements"
            " WHERE node = %(node)s AND seq > %(position)s AND sku = %(sku)s"
            " AND kind <> 'grant')",
            {"node": node, "sku": sku, "position": position},
        ).fetchone()
        return 0 if row is None else int(row[0])

    def sales(self, node: str) -> SalesHistory:
        self._send_held()
        rows = self._conn.execute(
            "SELECT sku, sum(CASE WHEN kind = %s THEN -quantity ELSE 0 END), min(at), max(at)"
            " FROM movements WHERE node = %s GROUP BY sku",
            (MovementKind.SELL.value, node),
        ).fetchall()
        return SalesHistory(
            {sku: int(units) for sku, units, _, _ in rows if units},
            min((r[2] for r in rows), default=None),
            max((r[3] for r in rows), default=None),
        )

    def stock(self, node: str | None = None, sku: str | None = None) -> list[StockLine]:
        self._send_held()
        where: list[sql.Composable] = [sql.SQL("true")]
        params: list[str] = []
        for column, value in (("node", node), ("sku", sku)):
            if value is not None:
                where.append(sql.SQL("{} = %s").format(sql.Identifier(column)))
                params.append(value)
        rows = self._conn.execute(
            sql.SQL("SELECT node, sku, quantity FROM on_hand WHERE {} ORDER BY sku, node").format(
                sql.SQL(" AND ").join(where)
            ),
            params,
        )
        return [
            StockLine(n, s, int(q))
            for n, s, q in rows
            if q or s not in self._placeholders.get(n, ())
        ]

    def record_count(self, result: CountResult, at: datetime, actor: str) -> None:
        self._send_held()
        self._conn.execute(
            "INSERT INTO stock_counts (node, sku, counted, position, expected, adjustment_seq,"
            " deficit, at, actor) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (result.node, result.sku, result.counted, result.position, result.expected,
             result.adjustment.seq if result.adjustment else None, result.deficit, at, actor),
        )  # fmt: skip

    def kept_sale(self, node: str, key: str) -> KeptSale | None:
        self._send_held()
        row = self._conn.execute(
            "SELECT asked, first_seq, last_seq FROM sale_keys WHERE node = %s AND key = %s",
            (node, key),
        ).fetchone()
        return None if row is None else KeptSale(node, key, row[0], int(row[1]), int(row[2]))

    def keep_sale(self, sale: KeptSale) -> None:
        self._send_held()
        self._conn.execute(
            "INSERT INTO sale_keys (node, key, asked, first_seq, last_seq)"
            " VALUES (%s, %s, %s, %s, %s)",
            (sale.node, sale.key, sale.asked, sale.first, sale.last),
        )

    def prune_sale_keys(self, before: datetime) -> int:
        """A key goes with its sale's age: the time of the sale's last movement."""
        self._send_held()
        return self._conn.execute(
            "DELETE FROM sale_keys WHERE EXISTS (SELECT 1 FROM movements m"
            " WHERE m.node = sale_keys.node AND m.seq = sale_keys.last_seq AND m.at < %s)",
            (before,),
        ).rowcount


class PostgresOutbox:
    """Messages are numbered in commit order, so a reader that resumes after the highest id it saw
    never skips one.

    Identity values are handed out at insert, not at commit: two writers could commit ids 8 and 7
    in that order, and a reader between the two commits would step past 7 for ever. So messages
    wait in the unit of work until it commits (or reads the outbox), then go in with one INSERT
    under a lock on the table that only other writers of the outbox wait for (readers do not),
    held until commit. The lock comes last in every transaction, after any ledger rows, and is
    held only for that INSERT and the commit.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._pending: list[Message] = []
        self._locked = False

    def add(self, topic: str, key: str, payload: dict[str, Any], at: datetime) -> None:
        self._pending.append((topic, key, json.dumps(payload, separators=(",", ":")), at))

    def add_many(
        self, topic: str, messages: Iterable[tuple[str, dict[str, Any]]], at: datetime
    ) -> None:
        for key, payload in messages:
            self.add(topic, key, payload, at)

    def flush(self) -> None:
        held = self.held_back()
        if held:
            run_batch(self._conn, held)

    def held_back(self) -> list[Statement]:
        """The lock (unless taken) and the INSERT of the messages waiting, for the unit of work
        to send with its COMMIT: a few one by one (no arrays to build), many at once."""
        if not self._pending:
            return []
        held: list[Statement] = []
        if not self._locked:
            held.append(("LOCK TABLE outbox IN SHARE ROW EXCLUSIVE MODE", ()))
            self._locked = True
        if len(self._pending) <= FEW_MESSAGES:
            held += row_statements(
                "INSERT INTO outbox (topic, key, payload, created_at)"
                " VALUES (%s, %s, %s::jsonb, %s)",
                self._pending,
            )
        else:
            topics, keys, payloads, times = zip(*self._pending, strict=True)
            held.append(
                (
                    "INSERT INTO outbox (topic, key, payload, created_at)"
                    " SELECT topic, key, payload::jsonb, at FROM unnest("
                    "  %s::text[], %s::text[], %s::text[], %s::timestamptz[]"
                    " ) WITH ORDINALITY AS m (topic, key, payload, at, n) ORDER BY n",
                    (list(topics), list(keys), list(payloads), list(times)),
                )
            )
        self._pending = []
        return held

    def take_messages(self) -> list[Message]:
        """The messages waiting, for the ledger's last save to insert after its lock (with
        `ledger_append` or `ledger_save`); handed over, they wait no more."""
        taken, self._pending = self._pending, []
        if taken:
            self._locked = True
        return taken

    def forget(self) -> None:
        self._pending.clear()
        self._locked = False

    def after(self, last_id: int, limit: int = 1000) -> list[OutboxMessage]:
        self.flush()
        rows = self._conn.execute(
            "SELECT id, topic, key, payload, created_at FROM outbox WHERE id > %s"
            " ORDER BY id LIMIT %s",
            (last_id, limit),
        )
        return [OutboxMessage(int(i), t, k, p, c) for i, t, k, p, c in rows]

    def of_topic(
        self, topic: str, last_id: int, limit: int = 1000
    ) -> tuple[list[OutboxMessage], int]:
        self.flush()
        rows = self._conn.execute(
            "SELECT id, topic, key, payload, created_at FROM outbox WHERE topic = %s"
            " AND id > %s ORDER BY id LIMIT %s",
            (topic, last_id, limit),
        )
        messages = [OutboxMessage(int(i), t, k, p, c) for i, t, k, p, c in rows]
        if len(messages) == limit:
            return messages, messages[-1].id
        row = self._conn.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()
        return messages, max(last_id, int(row[0]) if row else 0)


class PostgresMeta:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO meta (key, value) VALUES (%s, %s)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

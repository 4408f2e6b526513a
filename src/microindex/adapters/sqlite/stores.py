"""The storage ports on one SQLite connection: catalog, nodes, ledger, outbox, meta."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from json.encoder import encode_basestring_ascii
from typing import Any

from microindex.adapters.sqlite.catalog_schema import KEY_COLUMNS
from microindex.domain.kits import Kit, kits_of
from microindex.domain.ledger import CountResult, Ledger
from microindex.domain.movement import Movement, MovementKind, Tag, row_kind, row_sku
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
)

PRODUCT_COLUMNS = (
    "sku",
    "gtin",
    "title",
    "description",
    "brand",
    "category",
    "attributes",
    "price",
    "sale_price",
    "currency",
    "media",
    "weight_g",
    "size",
    "fragility",
    "limited_edition",
    "preorder_until",
    "tags",
    "handle",
)
_quoted = encode_basestring_ascii  # how json.dumps writes a string (ensure_ascii)
_COMPACT = json.JSONEncoder(separators=(",", ":"))
# `_COMPACT.encode`'s own C encoder, made once: `encode` makes one a call, a third of the 2.6
# µs a push's `stock.changed` event took to write (500 of them a push of 500 SKUs)
_MAKE_ENCODER = getattr(json.encoder, "c_make_encoder", None)  # (not in typeshed)
_C_ENCODER = _MAKE_ENCODER and _MAKE_ENCODER(
    None, _COMPACT.default, encode_basestring_ascii, None, ":", ",", False, False, True
)  # (markers None: no check for a value holding itself; payloads are plain data)


# The C scanner `json.loads` ends in: called straight, a list `product_row` wrote (always
# starting with "[") is read for half of `json.loads`' 1.3 µs (its type checks and whitespace
# matches are for any text); a search rebuild reads one or two a product (ADR 0063).
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _json_list(text: str) -> Any:
    """`json.loads(text)` of a JSON list this store wrote."""
    try:
        found, end = _SCAN(text, 0)
    except StopIteration:  # not a value where it starts (never written so: read as any text)
        return json.loads(text)
    return found if end == len(text) else json.loads(text)


def _compact(value: Any) -> str:
    """`_COMPACT.encode(value)` for a dict or list."""
    if _C_ENCODER is None:  # (a Python built without the json accelerator)
        return _COMPACT.encode(value)
    return "".join(_C_ENCODER(value, 0))


_MOVEMENT_COLUMNS = "node, seq, sku, quantity, kind, at, reference, actor, tag, tag_id"
_INSERT_MOVEMENT = f"INSERT INTO movements ({_MOVEMENT_COLUMNS}) VALUES ({', '.join('?' * 10)})"


def product_row(p: Product) -> tuple[Any, ...]:
    """PRODUCT_COLUMNS (the values of `product_record`, lists as JSON), then KEY_COLUMNS."""
    sale, size, preorder = p.sale_price, p.size, p.preorder_until
    return (
        p.sku.value, p.gtin.digits if p.gtin else None, p.title, p.description, p.brand,
        p.category, _json_pairs(p.attributes), str(p.price.amount),
        str(sale.amount) if sale else None, p.price.currency, _json(p.media), p.weight_g,
        str(size) if size else None, p.fragility.value, p.limited_edition,
        preorder.isoformat() if preorder else None, _json(p.tags), p.handle,
        folded(p.title), folded(p.sku.value), folded(p.category), folded(p.brand),
    )  # fmt: skip


def _json(value: tuple[Any, ...]) -> str:
    return json.dumps(value) if value else "[]"  # most products have no media or tags


def _json_pairs(pairs: tuple[tuple[str, str], ...]) -> str:
    """`json.dumps(pairs)`, character for character, without making an encoder per row."""
    quoted = [f"[{_quoted(name)}, {_quoted(value)}]" for name, value in pairs]
    return f"[{', '.join(quoted)}]"


def _movement(row: sqlite3.Row | tuple[Any, ...]) -> Movement:
    node, seq, sku, quantity, kind, at, reference, actor, tag, tag_id = row
    return movement_from_record(
        {
            "node": node,
            "seq": seq,
            "sku": sku,
            "quantity": quantity,
            "kind": kind,
            "at": at,
            "reference": reference,
            "actor": actor,
            "tag": tag,
            "tag_id": tag_id,
        }
    )


_TEXT: dict[object, str] = {e: e.value for e in (*MovementKind, *Tag)}  # bound as plain str


def _movement_rows(movements: list[Movement]) -> list[tuple[Any, ...]]:
    """Rows for the `movements` table; a batch's movements often share one time, formatted
    once."""
    rows: list[tuple[Any, ...]] = []
    text = _TEXT
    at, stamp = None, ""
    for m in movements:
        if m.at != at:
            at, stamp = m.at, m.at.isoformat()
        tag = text[m.tag] if m.tag else ""
        rows.append(
            (m.node, m.seq, m.sku, m.quantity, text[m.kind], stamp, m.reference, m.actor, tag,
             m.tag_id)
        )  # fmt: skip
    return rows


class SqliteCatalog:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def upsert(self, products: Sequence[Product]) -> None:
        written = (*PRODUCT_COLUMNS, *KEY_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in written[1:])
        self._conn.executemany(
            f"INSERT INTO products ({', '.join(written)}) VALUES ({', '.join('?' * len(written))})"
            f" ON CONFLICT (sku) DO UPDATE SET {updates}",
            [product_row(p) for p in products],
        )

    def set_kits(self, kits: Mapping[str, Sequence[tuple[str, int]]]) -> None:
        for kit, parts in kits.items():
            self._conn.execute("DELETE FROM kit_parts WHERE kit = ?", (kit,))
            self._conn.executemany(
                "INSERT INTO kit_parts (kit, part, quantity, position) VALUES (?, ?, ?, ?)",
                [(kit, part, quantity, n) for n, (part, quantity) in enumerate(parts)],
            )

    def kits_among(self, skus: Iterable[str]) -> dict[str, Kit]:
        wanted = sorted(set(skus))
        if not wanted:
            return {}
        rows = self._conn.execute(
            "SELECT kit, part, quantity FROM kit_parts"
            " WHERE kit IN (SELECT value FROM json_each(?)) ORDER BY kit, position",
            (_COMPACT.encode(wanted),),
        )
        return kits_of(rows)

    def get(self, sku: str) -> Product | None:
        found = self._select("WHERE sku = ?", [sku])
        return found[0] if found else None

    def by_gtin(self, gtin: str) -> Product | None:
        found = self._select("WHERE gtin = ?", [gtin])
        return found[0] if found else None

    def all(self) -> Iterator[Product]:
        cur = self._conn.execute(f"SELECT {', '.join(PRODUCT_COLUMNS)} FROM products ORDER BY sku")
        return map(_stored, cur)

    def searched(self) -> Iterator[Searched]:
        cur = self._conn.execute(
            "SELECT sku, gtin, title, brand, category, description, coalesce(sale_price, price),"
            " currency, attributes, tags FROM products ORDER BY sku"
        )
        return map(_searched, cur)

    def page(self, where: ProductFilter, after: str, limit: int) -> list[Product]:
        clauses, params = _filtered(where)
        return self._select(
            f"WHERE sku > ? {clauses} ORDER BY sku LIMIT ?", [after, *params, limit]
        )

    def with_handle(self, handle: str) -> list[Product]:
        return self._select("WHERE handle = ? ORDER BY sku", [handle])

    def _select(self, rest: str, params: list[Any]) -> list[Product]:
        rows = self._conn.execute(
            f"SELECT {', '.join(PRODUCT_COLUMNS)} FROM products {rest}", params
        )
        return [_stored(row) for row in rows]

    def missing(self, skus: Iterable[str]) -> set[str]:
        wanted = sorted(set(skus))
        if not wanted:
            return set()
        if len(wanted) == 1:  # a till's one line: its key looked up
            known = self._conn.execute("SELECT 1 FROM products WHERE sku = ?", wanted).fetchone()
            return set() if known else set(wanted)
        # one statement, whatever the count; only the missing come back (mostly none)
        rows = self._conn.execute(
            "SELECT j.value FROM json_each(?) AS j"
            " WHERE NOT EXISTS (SELECT 1 FROM products WHERE sku = j.value)",
            (_COMPACT.encode(wanted),),
        )
        return {row[0] for row in rows}

    def gtin_owners(self, gtins: Iterable[str]) -> dict[str, str]:
        wanted = sorted(set(gtins))
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            query = f"SELECT gtin, sku FROM products WHERE gtin IN ({', '.join('?' * len(chunk))})"
            found.update(self._conn.execute(query, chunk).fetchall())
        return found

    def count(self, where: ProductFilter | None = None) -> int:
        clauses, params = _filtered(where or ProductFilter())
        query = f"SELECT count(*) FROM products WHERE 1 {clauses}"
        return int(self._conn.execute(query, params).fetchone()[0])


def _stored(row: tuple[Any, ...]) -> Product:
    """A product from its row (PRODUCT_COLUMNS), which `upsert` wrote from a checked
    `Product`: read back without checking its values again (`stored_product`, ADR 0035)."""
    (sku, gtin, title, description, brand, category, attributes, price, sale, currency, media,
     weight_g, size, fragility, limited, preorder, tags, handle) = row  # fmt: skip
    return stored_product(
        sku, gtin, title, description, brand, category,
        tuple(map(tuple, json.loads(attributes))) if attributes != "[]" else (),
        price, sale, currency,
        tuple(json.loads(media)) if media != "[]" else (),
        weight_g,
        Size.parse(size) if size else None,
        _FRAGILITY[fragility],
        bool(limited),
        date.fromisoformat(preorder) if preorder else None,
        tuple(json.loads(tags)) if tags != "[]" else (),
        handle,
    )  # fmt: skip


_FRAGILITY = {f.value: f for f in Fragility}


def _searched(row: tuple[Any, ...]) -> Searched:
    """`searched(_stored(row))` from the columns it needs: prices are kept as `str(Decimal)`
    (`product_row`), so the effective one is read as it is."""
    sku, gtin, title, brand, category, description, price, currency, attributes, tags = row
    return (
        sku, gtin, title, brand, category, description, price, currency,
        tuple(map(tuple, _json_list(attributes))) if attributes != "[]" else (),
        tuple(_json_list(tags)) if tags != "[]" else (),
    )  # fmt: skip


def _filtered(where: ProductFilter) -> tuple[str, list[str]]:
    """`AND ...` conditions on the folded keys (see catalog_schema), and their parameters."""
    clauses: list[str] = []
    params: list[str] = []
    if where.text:
        clauses.append("AND (instr(title_key, ?) > 0 OR instr(sku_key, ?) > 0)")
        params += [folded(where.text)] * 2
    for column, value in (("category_key", where.category), ("brand_key", where.brand)):
        if value:
            clauses.append(f"AND {column} = ?")
            params.append(folded(value))
    if where.gtin:
        clauses.append("AND gtin = ?")
        params.append(where.gtin)
    return " ".join(clauses), params


class SqliteNodes:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add(self, node: Node) -> None:
        self._conn.execute(
            f"INSERT INTO nodes ({', '.join(NODE_FIELDS)})"
            f" VALUES ({', '.join('?' * len(NODE_FIELDS))})",
            _node_row(node),
        )

    def update(self, node: Node) -> None:
        fields = ", ".join(f"{name} = ?" for name in NODE_FIELDS[1:])
        self._conn.execute(
            f"UPDATE nodes SET {fields} WHERE code = ?", (*_node_row(node)[1:], node.code.value)
        )

    def get(self, code: str) -> Node | None:
        row = self._conn.execute(
            f"SELECT {', '.join(NODE_FIELDS)} FROM nodes WHERE code = ?", (code,)
        ).fetchone()
        return None if row is None else self._node(row)

    def all(self) -> list[Node]:
        rows = self._conn.execute(f"SELECT {', '.join(NODE_FIELDS)} FROM nodes ORDER BY code")
        return [self._node(row) for row in rows]

    @staticmethod
    def _node(row: tuple[Any, ...]) -> Node:
        return node_from_record(dict(zip(NODE_FIELDS, row, strict=True)))


def _node_row(node: Node) -> tuple[Any, ...]:
    r = node_record(node)
    r["capabilities"] = json.dumps(r["capabilities"])
    return tuple(r[name] for name in NODE_FIELDS)


# what `SqliteLedger._load` reads besides the head and on-hand: whether a SKU asked (?2) is
# missing from the catalog, or nothing
_KNOWN = (
    "EXISTS (SELECT 1 FROM json_each(?2) AS j"
    " WHERE NOT EXISTS (SELECT 1 FROM products WHERE sku = j.value))"
)
_KNOWN_ONE = "NOT EXISTS (SELECT 1 FROM products WHERE sku = ?2)"  # the same, for one SKU (?2)
_UNCHECKED = "0"


class SqliteLedger:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def head(self, node: str) -> int:
        row = self._conn.execute("SELECT head FROM ledger_heads WHERE node = ?", (node,)).fetchone()
        return 0 if row is None else int(row[0])

    def load(self, node: str, skus: Iterable[str]) -> Ledger:
        found = self._load(node, skus, _UNCHECKED)
        assert found is not None  # (only the catalog check answers none)
        return found

    def load_known(self, node: str, skus: Iterable[str]) -> Ledger | None:
        return self._load(node, skus, _KNOWN)

    def _load(self, node: str, skus: Iterable[str], check: str) -> Ledger | None:
        wanted = list(dict.fromkeys(skus))
        if not wanted:
            return Ledger(node, self.head(node), {})
        if len(wanted) == 1:  # a till's one line: its on-hand bound and read as it is
            (sku,) = wanted
            head, quantity, missing = self._conn.execute(
                "SELECT (SELECT head FROM ledger_heads WHERE node = ?1),"
                " (SELECT quantity FROM on_hand WHERE node = ?1 AND sku = ?2), "
                + (_KNOWN_ONE if check is _KNOWN else _UNCHECKED),
                (node, sku),
            ).fetchone()
            return None if missing else Ledger(node, head or 0, {sku: quantity or 0})
        # one statement and one row, however many SKUs: the head, and each SKU's on-hand in
        # the order asked (null where it has no row) as one JSON array. A row a SKU costs a
        # step of the cursor, and the GIL let go and taken back, more than the lookup (ADR 0023)
        head, quantities, missing = self._conn.execute(
            "SELECT (SELECT head FROM ledger_heads WHERE node = ?1),"
            " (SELECT json_group_array((SELECT quantity FROM on_hand WHERE node = ?1"
            " AND sku = j.value)) FROM json_each(?2) AS j), " + check,
            (node, _COMPACT.encode(wanted)),
        ).fetchone()
        if missing:
            return None
        on_hand = {sku: q or 0 for sku, q in zip(wanted, json.loads(quantities), strict=True)}
        return Ledger(node, head or 0, on_hand)

    def save(self, ledger: Ledger) -> None:
        if not ledger.new and not ledger.rows:
            return
        # a `MovementRow` is stored as it is
        rows: list[Any] = [*_movement_rows(ledger.new), *ledger.rows]
        if len(rows) == 1:  # a till's one line
            self._conn.execute(_INSERT_MOVEMENT, rows[0])
        else:
            self._conn.executemany(_INSERT_MOVEMENT, rows)
        on_hand, grant = ledger.on_hand, MovementKind.GRANT.value
        # a grant's SKU is not written (its on-hand did not move, and it need not be loaded)
        moved: Iterable[str] = (
            {row[2] for row in rows if row[4] != grant}
            if grant in map(row_kind, rows)
            else dict.fromkeys(map(row_sku, rows))  # no grant (most pushes): the SKUs read in C
        )
        quantities = {sku: on_hand[sku] for sku in moved}
        if len(quantities) == 1:  # a till's one line: its row, with no JSON to make and read
            self._conn.execute(
                "INSERT INTO on_hand (node, sku, quantity) VALUES (?, ?, ?)"
                " ON CONFLICT (node, sku) DO UPDATE SET quantity = excluded.quantity",
                (ledger.node, *next(iter(quantities.items()))),
            )
        elif quantities:  # once per SKU, in one statement: {sku: quantity} read by json_each
            self._conn.execute(
                "INSERT INTO on_hand (node, sku, quantity) SELECT ?, key, value FROM json_each(?)"
                " WHERE true ON CONFLICT (node, sku) DO UPDATE SET quantity = excluded.quantity",
                (ledger.node, _COMPACT.encode(quantities)),
            )
        self._conn.execute(
            "INSERT INTO ledger_heads (node, head) VALUES (?, ?) "
            "ON CONFLICT (node) DO UPDATE SET head = excluded.head",
            (ledger.node, ledger.head),
        )
        ledger.new.clear()
        ledger.rows.clear()

    def movement(self, node: str, seq: int) -> Movement | None:
        row = self._conn.execute(
            f"SELECT {_MOVEMENT_COLUMNS} FROM movements WHERE node = ? AND seq = ?", (node, seq)
        ).fetchone()
        return None if row is None else _movement(row)

    def movements(self, node: str, after: int = 0, limit: int = 1000) -> list[Movement]:
        rows = self._conn.execute(
            f"SELECT {_MOVEMENT_COLUMNS} FROM movements WHERE node = ? AND seq > ? "
            "ORDER BY seq LIMIT ?",
            (node, after, limit),
        )
        return [_movement(row) for row in rows]

    def on_hand_at(self, node: str, sku: str, position: int) -> int:
        # on-hand now less what moved after `position`: the rows from there on, in key order
        # (no index by SKU to keep up on every append: ADR 0018)
        row = self._conn.execute(
            "SELECT coalesce((SELECT quantity FROM on_hand WHERE node = ?1 AND sku = ?2), 0)"
            " - (SELECT coalesce(sum(quantity), 0) FROM movements"
            " WHERE node = ?1 AND seq > ?3 AND sku = ?2 AND kind != 'grant')",
            (node, sku, position),
        ).fetchone()
        return int(row[0])

    def sales(self, node: str) -> SalesHistory:
        # times are stored in UTC (`Movement` keeps one spelling): text orders them. Both read
        # the rows in key order (`+sku`: never through an index by SKU, a lookup a row)
        first, last = self._conn.execute(
            "SELECT min(at), max(at) FROM movements WHERE node = ?", (node,)
        ).fetchone()
        rows = self._conn.execute(
            "SELECT sku, -sum(quantity) FROM movements WHERE node = ? AND kind = ? GROUP BY +sku",
            (node, MovementKind.SELL.value),
        ).fetchall()
        return SalesHistory(
            {sku: int(units) for sku, units in rows if units},
            datetime.fromisoformat(first) if first else None,
            datetime.fromisoformat(last) if last else None,
        )

    def stock(self, node: str | None = None, sku: str | None = None) -> list[StockLine]:
        rows = self._conn.execute(
            "SELECT node, sku, quantity FROM on_hand "
            "WHERE (?1 IS NULL OR node = ?1) AND (?2 IS NULL OR sku = ?2) ORDER BY sku, node",
            (node, sku),
        )
        return [StockLine(n, s, q) for n, s, q in rows]

    def record_count(self, result: CountResult, at: datetime, actor: str) -> None:
        self._conn.execute(
            "INSERT INTO stock_counts (node, sku, counted, position, expected, adjustment_seq,"
            " deficit, at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                result.node,
                result.sku,
                result.counted,
                result.position,
                result.expected,
                result.adjustment.seq if result.adjustment else None,
                result.deficit,
                at.isoformat(),
                actor,
            ),
        )

    def kept_sale(self, node: str, key: str) -> KeptSale | None:
        row = self._conn.execute(
            "SELECT asked, first_seq, last_seq FROM sale_keys WHERE node = ? AND key = ?",
            (node, key),
        ).fetchone()
        return None if row is None else KeptSale(node, key, row[0], row[1], row[2])

    def keep_sale(self, sale: KeptSale) -> None:
        self._conn.execute(
            "INSERT INTO sale_keys (node, key, asked, first_seq, last_seq) VALUES (?, ?, ?, ?, ?)",
            (sale.node, sale.key, sale.asked, sale.first, sale.last),
        )

    def prune_sale_keys(self, before: datetime) -> int:
        """A key goes with its sale's age: the time of the sale's last movement (UTC text)."""
        return self._conn.execute(
            "DELETE FROM sale_keys WHERE EXISTS (SELECT 1 FROM movements m"
            " WHERE m.node = sale_keys.node AND m.seq = sale_keys.last_seq AND m.at < ?)",
            (before.astimezone(UTC).isoformat(),),
        ).rowcount


class SqliteOutbox:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add(self, topic: str, key: str, payload: dict[str, Any], at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO outbox (topic, key, payload, created_at) VALUES (?, ?, ?, ?)",
            (topic, key, _compact(payload), at.isoformat()),
        )

    def add_many(
        self, topic: str, messages: Iterable[tuple[str, dict[str, Any]]], at: datetime
    ) -> None:
        when = at.isoformat()
        self._conn.executemany(
            "INSERT INTO outbox (topic, key, payload, created_at) VALUES (?, ?, ?, ?)",
            [(topic, key, _compact(payload), when) for key, payload in messages],
        )

    def after(self, last_id: int, limit: int = 1000) -> list[OutboxMessage]:
        rows = self._conn.execute(
            "SELECT id, topic, key, payload, created_at FROM outbox WHERE id > ? "
            "ORDER BY id LIMIT ?",
            (last_id, limit),
        )
        return [
            OutboxMessage(i, t, k, json.loads(p), datetime.fromisoformat(c))
            for i, t, k, p, c in rows
        ]

    def of_topic(
        self, topic: str, last_id: int, limit: int = 1000
    ) -> tuple[list[OutboxMessage], int]:
        messages = [
            OutboxMessage(i, t, k, json.loads(p), datetime.fromisoformat(c))
            for i, t, k, p, c in self._conn.execute(
                "SELECT id, topic, key, payload, created_at FROM outbox WHERE topic = ?"
                " AND id > ? ORDER BY id LIMIT ?",
                (topic, last_id, limit),
            )
        ]
        if len(messages) == limit:
            return messages, messages[-1].id
        (head,) = self._conn.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()
        return messages, max(last_id, int(head))


class SqliteMeta:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

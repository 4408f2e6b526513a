"""A fleet's starting state, made in minutes instead of hours, for bench/pg_hub.py.

One template node really syncs for the first time (its receipts through the hub's sync
service, and the grants the hub's replies make, back), then its state is copied to every
other node of the fleet, with the node's code replaced:
- at the hub (PostgreSQL), by `INSERT ... SELECT` inside the server (indexes other than the
  keys dropped for the load and made again after): the ledger mirror,
  on-hand, the ledger head, the rights, the split and walk-in rates, the split marks, the
  peer record and the `stock.changed` webhook events the first push emitted;
- at each node, by copying the template's SQLite file and renaming the node in it (ledger,
  on-hand, head, rights and sync marks; the pulled catalog is the same for every node).

What a real first sync would leave, with the template's times (the first syncs of a fleet
all at once). `tests/sync/test_fleet_clone.py` checks it against real first syncs of a small
fleet, table by table, at the hub and at each node. The pushes measured afterwards are the
nodes' own, through the hub's HTTP sync endpoint.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

HUB_TABLES = (
    "movements",
    "on_hand",
    "ledger_heads",
    "hub_rights",
    "hub_split_rates",
    "hub_walk_in_rates",
    "hub_split_marks",
    "sync_peers",
)
NODE_TABLES = ("movements", "on_hand", "ledger_heads", "node_rights", "sync_sides")
STOCK_TOPIC = "webhook_stock"  # service.webhook_events: a push's, keyed "<node>#<seq>", node


def clone_hub(
    url: str, template: str, codes: Sequence[str], schema: str | None = None, batch: int = 10
) -> dict[str, int]:
    """Copy `template`'s sync state at the hub to each of `codes` (never synced), `batch`
    nodes per transaction. Returns how far each clone's events stand past the template's in
    the hub's outbox: a node's catalog mark is the outbox position its first reply read to
    (`clone_node`'s `shift`)."""
    with psycopg.connect(url) as conn:
        if schema is not None:
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        conn.execute("SET synchronous_commit TO off")  # a bench's load: made again if lost
        with _without_secondary_indexes(conn, (*HUB_TABLES, "outbox")):
            for start in range(0, len(codes), batch):
                chosen = list(codes[start : start + batch])
                for table in HUB_TABLES:
                    conn.execute(_copy_rows(conn, table), (chosen, template))
                conn.execute(
                    "INSERT INTO outbox (topic, key, payload, created_at)"
                    " SELECT o.topic, c.code || substr(o.key, length(%s) + 1),"
                    " jsonb_set(o.payload, '{node}', to_jsonb(c.code)), o.created_at"
                    " FROM outbox o CROSS JOIN unnest(%s::text[]) AS c(code)"
                    " WHERE o.topic = %s AND o.key LIKE %s ORDER BY c.code, o.id",
                    (template, chosen, STOCK_TOPIC, f"{template}#%"),
                )
                conn.commit()
        last: dict[str, int] = {
            str(code): int(most)
            for code, most in conn.execute(
                "SELECT split_part(key, '#', 1), max(id) FROM outbox WHERE topic = %s GROUP BY 1",
                (STOCK_TOPIC,),
            )
        }
    return {code: last[code] - last[template] for code in codes}


@contextmanager
def _without_secondary_indexes(conn: psycopg.Connection, tables: Sequence[str]) -> Iterator[None]:
    """The tables' indexes other than their keys dropped while rows are loaded, and made again
    after (one sort each instead of a B-tree insert a row), then the tables analysed."""
    found = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = current_schema()"
        " AND tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
        " WHERE c.conname = i.indexname AND c.connamespace = current_schema()::regnamespace)",
        (list(tables),),
    ).fetchall()
    for name, _ in found:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    conn.commit()
    try:
        yield
    finally:
        conn.rollback()
        for _, definition in found:
            conn.execute(definition)
        for table in tables:
            conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
        conn.commit()


def _copy_rows(conn: psycopg.Connection, table: str) -> sql.Composed:
    columns = [
        str(name)
        for (name,) in conn.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
            (table,),
        )
    ]
    chosen = [
        sql.SQL("c.code") if name == "node" else sql.SQL("t.{}").format(sql.Identifier(name))
        for name in columns
    ]
    return sql.SQL(
        "INSERT INTO {table} ({columns}) SELECT {chosen} FROM {table} t"
        " CROSS JOIN unnest(%s::text[]) AS c(code) WHERE t.node = %s"
    ).format(
        table=sql.Identifier(table),
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        chosen=sql.SQL(", ").join(chosen),
    )


def clone_node(template_file: Path, template: str, code: str, file: Path, shift: int) -> None:
    """The template node's SQLite file (WAL included) as node `code`'s."""
    source, conn = sqlite3.connect(template_file), sqlite3.connect(file)
    try:
        source.backup(conn)
        with conn:
            for table in NODE_TABLES:
                conn.execute(f"UPDATE {table} SET node = ? WHERE node = ?", (code, template))
            conn.execute(  # the node's own outbox: its movements, keyed "<node>#<seq>"
                "UPDATE outbox SET key = ? || substr(key, length(?) + 1),"
                " payload = json_set(payload, '$.node', ?) WHERE key LIKE ? || '#%'",
                (code, template, code, template),
            )
            conn.execute("UPDATE sync_sides SET catalog_mark = catalog_mark + ?", (shift,))
    finally:
        source.close()
        conn.close()

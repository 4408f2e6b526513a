"""A promise on PostgreSQL writes a row into no index that no query uses (ADR 0042, migration
189): `order_parts_by_node (node, step)` served no query (`open_at` reads `node = $1 OR
transfer_to = $1`, and `transfer_to` has no index), and `hub_reservations_by_sku (node,
sku)` overlapped `hub_reservations_open`, now on (node, state, sku)."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from microindex.adapters.postgres.order_store import PostgresPromiseDatabase

pytestmark = pytest.mark.postgres


def _indexes(conn: psycopg.Connection[tuple[str, str]], table: str) -> dict[str, str]:
    rows = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = current_schema() AND tablename = %s",
        (table,),
    )
    return {str(name): str(definition).split(" USING btree ")[1] for name, definition in rows}


def test_a_promises_parts_and_reservations_go_into_no_index_no_query_uses(
    postgres_url: str, new_postgres_schema: Callable[[], str]
) -> None:
    hub = PostgresPromiseDatabase(postgres_url, new_postgres_schema())
    try:
        conn = hub.connection()
        assert _indexes(conn, "order_parts") == {
            "order_parts_pkey": "(ident, node)",
            "order_parts_at_risk": "(node) WHERE (at_risk <> ''::text)",
            # `open_at`'s (migration 193, ADR 0046): a live part's entry, gone once it ends
            "order_parts_live": "(ident) WHERE ((step = 'promised'::text)"
            " OR (step = 'confirmed'::text) OR (step = 'picked'::text)"
            " OR (step = 'packed'::text) OR (step = 'handed_over'::text))",
        }
        assert _indexes(conn, "hub_reservations") == {
            "hub_reservations_pkey": "(ident)",
            "hub_reservations_open": "(node, state, sku)",
        }
    finally:
        hub.close()


def test_a_nodes_open_reservations_of_some_skus_are_found_through_one_index(
    postgres_url: str, new_postgres_schema: Callable[[], str]
) -> None:
    """`PostgresAccounts.load`'s read of a node's open reservations of some SKUs, which
    `hub_reservations_by_sku` served, is an index scan of `hub_reservations_open`."""
    hub = PostgresPromiseDatabase(postgres_url, new_postgres_schema())
    try:
        conn = hub.connection()
        conn.execute(
            "INSERT INTO hub_reservations SELECT 'r' || g, 'N' || g % 3, 'SKU-' || g % 500, 1,"
            " now(), CASE WHEN g % 10 = 0 THEN 'pending' ELSE 'taken' END, false"
            " FROM generate_series(1, 5000) AS g"
        )
        conn.execute("ANALYZE hub_reservations")
        plan = "\n".join(
            str(line)
            for (line,) in conn.execute(
                "EXPLAIN SELECT * FROM hub_reservations WHERE node = 'N1'"
                " AND state = ANY('{pending}'::text[]) AND sku = ANY('{SKU-1,SKU-2}'::text[])"
            )
        )
        assert "hub_reservations_open" in plan, plan
        assert "Seq Scan" not in plan, plan
        conn.rollback()
    finally:
        hub.close()

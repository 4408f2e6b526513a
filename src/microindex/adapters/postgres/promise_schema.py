"""PostgreSQL's promise writes as functions, their statements planned once a session (ADR 0032)."""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

from psycopg.errors import InvalidSqlStatementName
from psycopg.pq.abc import PGresult

from microindex.adapters.postgres.connection import (
    Connection,
    Statement,
    exchange,
    opens_transaction,
)

# The SQLSTATE `rights_spend` raises when a SKU's rights went since the promise's view read
# them (its DETAIL: the JSON `[sku, node, requested, held]`); the adapter raises NotEnoughRights.
SHORT_RIGHTS = "MI001"

# `rights_spend(node, spent, reservations, requests)`: what a promise writes at one node, sent
# with the order and the COMMIT. It locks the node's account (its peer row, made if need be, as
# `PostgresAccounts.load` does), numbers `requests` from the node's next request number, spends
# `spent` (`{sku: units}`) only where `h >= units` (the escrow test: a SKU short raises
# SHORT_RIGHTS, so nothing of the transaction stays), then writes `reservations`
# (`[[ident, sku, quantity, expires_at, state, seen_aside], ...]`) and `requests`
# (`[[kind, sku, quantity, ident, reference, actor, position, asked_at], ...]`).
RIGHTS_SPEND_MIGRATION = (
    179,
    "a promise's lock, escrow and reservations at a node in one function, planned once a session",
    f"""
    CREATE FUNCTION rights_spend(
        p_node text, p_spent json, p_reservations json, p_requests json
    ) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
        v_asked integer := json_array_length(p_requests);
        v_first bigint;
        v_sku text;
        v_units integer;
        v_held integer;
    BEGIN
        INSERT INTO sync_peers (node, incarnation, counter, requests_through, next_request,
            last_sync_s, tau_s, overdraft, deficit, epoch)
        VALUES (p_node, 0, 0, 0, 1 + v_asked, -1, 0, 0, 0, '')
        ON CONFLICT (node) DO UPDATE SET next_request = sync_peers.next_request + v_asked
        RETURNING next_request - v_asked INTO v_first;
        FOR v_sku, v_units IN
            SELECT s.key, s.value::integer FROM json_each_text(p_spent) AS s
            ORDER BY s.key COLLATE "C"
        LOOP  -- SKU by SKU, in order: each UPDATE's plan kept for the session is a key lookup
            UPDATE hub_rights SET h = h - v_units
            WHERE hub_rights.node = p_node AND hub_rights.sku = v_sku AND hub_rights.h >= v_units;
            IF NOT FOUND THEN
                SELECT h - owed INTO v_held FROM hub_rights
                WHERE hub_rights.node = p_node AND hub_rights.sku = v_sku;
                RAISE EXCEPTION 'only % of % in stock rights at %, not %',
                    coalesce(v_held, 0), v_sku, p_node, v_units
                    USING ERRCODE = '{SHORT_RIGHTS}',
                    DETAIL = json_build_array(v_sku, p_node, v_units, coalesce(v_held, 0))::text;
            END IF;
        END LOOP;
        INSERT INTO hub_reservations (ident, node, sku, quantity, expires_at, state, seen_aside)
        SELECT m->>0, p_node, m->>1, (m->>2)::integer, (m->>3)::timestamptz, m->>4,
            (m->>5)::boolean
        FROM json_array_elements(p_reservations) AS m
        ON CONFLICT (ident) DO UPDATE SET state = excluded.state,
            quantity = excluded.quantity, seen_aside = excluded.seen_aside;
        INSERT INTO hub_requests (node, seq, kind, sku, quantity, ident, reference, actor,
            position, asked_at)
        SELECT p_node, v_first + e.n - 1, m->>0, m->>1, (m->>2)::integer, m->>3, m->>4,
            m->>5, (m->>6)::bigint, (m->>7)::timestamptz
        FROM json_array_elements(p_requests) WITH ORDINALITY AS e (m, n)
        ON CONFLICT DO NOTHING;
    END
    $$
    """,
)

# `order_add(ident, digest, method, placed_at, promised_by, lease_until, request, why, parts,
# events)`: a new order's rows, as `PostgresOrders.add` sent them (the order, its parts
# `[[node, lines, step, ready_by, arrives_by, transfer_to, arrived_at, at_risk], ...]` and its
# events `[[node, step, at, actor, note], ...]`, numbered in that order), in one call.
ORDER_ADD_MIGRATION = (
    181,
    "a new order's rows in one function, planned once a session",
    """
    CREATE FUNCTION order_add(
        p_ident text, p_digest text, p_method text, p_placed timestamptz,
        p_promised timestamptz, p_lease timestamptz, p_request jsonb, p_why jsonb,
        p_parts json, p_events json
    ) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO orders VALUES (p_ident, p_digest, p_method, p_placed, p_promised, p_lease,
            p_request, p_why);
        INSERT INTO order_parts (ident, node, lines, step, ready_by, arrives_by, transfer_to,
            arrived_at, at_risk)
        SELECT p_ident, m->>0, (m->1)::jsonb, m->>2, (m->>3)::timestamptz,
            (m->>4)::timestamptz, m->>5, (m->>6)::timestamptz, m->>7
        FROM json_array_elements(p_parts) AS m;
        INSERT INTO order_events (ident, node, step, at, actor, note)
        SELECT p_ident, m->>0, m->>1, (m->>2)::timestamptz, m->>3, m->>4
        FROM json_array_elements(p_events) WITH ORDINALITY AS e (m, n) ORDER BY n;
    END
    $$
    """,
)

# `promise_view(skus)`: the rows `PostgresAccounts.view_statement` read (each tagged with what it
# is: 0 the epochs, 1 H, 2 the heard nodes' walk-in rates, 3 the online rates), planned once a
# session. Each SKU's rows are read by its own statements (`sku = v_sku`), whose plan kept for
# the session finds them through the index whatever the catalog's size: a plan of
# `sku = ANY($1)` made once for every order scans every SKU's rows (ADR 0032).
PROMISE_VIEW_MIGRATION = (
    182,
    "a promise's view of the hub's rights in one function, planned once a session",
    """
    CREATE FUNCTION promise_view(p_skus text[]) RETURNS TABLE (
        part integer, node text, sku text, value double precision, at_s double precision,
        label text
    ) LANGUAGE plpgsql STABLE AS $$
    DECLARE
        v_sku text;
    BEGIN
        RETURN QUERY
        SELECT 0, p.node::text, NULL::text, NULL::float8, NULL::float8, p.epoch FROM sync_peers p
        UNION ALL SELECT 0, NULL, NULL, NULL, NULL, m.value FROM meta m WHERE m.key = 'sync_epoch';
        FOREACH v_sku IN ARRAY p_skus LOOP
            RETURN QUERY
            SELECT 1, r.node::text, r.sku::text, (r.h - r.owed)::float8, NULL::float8, NULL::text
            FROM hub_rights r WHERE r.sku = v_sku
            UNION ALL SELECT 2, w.node, w.sku, w.rate, NULL, NULL
            FROM hub_walk_in_rates w JOIN sync_peers p ON p.node = w.node WHERE w.sku = v_sku
            UNION ALL SELECT 3, NULL, o.sku, o.rate, o.at_s, NULL
            FROM hub_online_rates o WHERE o.sku = v_sku;
        END LOOP;
    END
    $$
    """,
)

# A promise's two messages as two calls (ADR 0036), beside the functions above (a worker of the
# code before still calls those). Arguments are jsonb: parsed once, where `json` is parsed
# again by every `->>`. Each node's SKUs come sorted (by code point, as `COLLATE "C"` sorts)
# and are walked with subscripts, the writes after the escrow are one statement each (data
# modifying CTEs): every statement a function runs costs its executor start-up and end.
#
# `promise_read(key, skus)`: `promise_view`'s rows, and a row tagged -1 when the order `key`
# exists (the adapter then reads it: a key seen before is rare). `key` NULL: the view alone.
#
# `promise_write(spends, rates, orders)`: what a promise holds back to its commit.
# `spends`: `[[node, [[sku, units], ...], reservations, requests], ...]`, each as
# `rights_spend` took them (the SKUs sorted); `rates`: `[[sku, rate, at_s], ...]` (the online
# rates, upserted); `orders`: `[[ident, digest, method, placed_at, promised_by, lease_until,
# request, why, parts, events], ...]`, each as `order_add` took it.
PROMISE_WRITE_MIGRATION = (
    185,
    "a promise's read and its writes as one call each, their arguments jsonb",
    f"""
    CREATE FUNCTION promise_read(p_key text, p_skus text[]) RETURNS TABLE (
        part integer, node text, sku text, value double precision, at_s double precision,
        label text
    ) LANGUAGE plpgsql STABLE AS $$
    DECLARE
        v_sku text;
    BEGIN
        RETURN QUERY
        SELECT -1, NULL::text, NULL::text, NULL::float8, NULL::float8, NULL::text
        FROM orders o WHERE o.ident = p_key
        UNION ALL SELECT 0, p.node::text, NULL, NULL, NULL, p.epoch FROM sync_peers p
        UNION ALL SELECT 0, NULL, NULL, NULL, NULL, m.value FROM meta m WHERE m.key = 'sync_epoch';
        FOREACH v_sku IN ARRAY p_skus LOOP
            RETURN QUERY
            SELECT 1, r.node::text, r.sku::text, (r.h - r.owed)::float8, NULL::float8, NULL::text
            FROM hub_rights r WHERE r.sku = v_sku
            UNION ALL SELECT 2, w.node, w.sku, w.rate, NULL, NULL
            FROM hub_walk_in_rates w JOIN sync_peers p ON p.node = w.node WHERE w.sku = v_sku
            UNION ALL SELECT 3, NULL, o.sku, o.rate, o.at_s, NULL
            FROM hub_online_rates o WHERE o.sku = v_sku;
        END LOOP;
    END
    $$;

    CREATE FUNCTION promise_write(p_spends jsonb, p_rates jsonb, p_orders jsonb)
    RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
        v_spend jsonb;
        v_node text;
        v_asked integer;
        v_first bigint;
        v_sku text;
        v_units integer;
        v_held integer;
    BEGIN
        FOR i IN 0 .. jsonb_array_length(p_spends) - 1 LOOP
            v_spend := p_spends->i;
            v_node := v_spend->>0;
            v_asked := jsonb_array_length(v_spend->3);
            UPDATE sync_peers SET next_request = sync_peers.next_request + v_asked
            WHERE sync_peers.node = v_node RETURNING next_request - v_asked INTO v_first;
            IF NOT FOUND THEN  -- as `PostgresAccounts.load` makes it
                INSERT INTO sync_peers (node, incarnation, counter, requests_through,
                    next_request, last_sync_s, tau_s, overdraft, deficit, epoch)
                VALUES (v_node, 0, 0, 0, 1 + v_asked, -1, 0, 0, 0, '')
                ON CONFLICT (node) DO UPDATE SET next_request = sync_peers.next_request + v_asked
                RETURNING next_request - v_asked INTO v_first;
            END IF;
            FOR j IN 0 .. jsonb_array_length(v_spend->1) - 1 LOOP
                v_sku := v_spend->1->j->>0;
                v_units := v_spend->1->j->>1;
                UPDATE hub_rights SET h = h - v_units
                WHERE hub_rights.node = v_node AND hub_rights.sku = v_sku
                    AND hub_rights.h >= v_units;
                IF NOT FOUND THEN
                    SELECT h - owed INTO v_held FROM hub_rights
                    WHERE hub_rights.node = v_node AND hub_rights.sku = v_sku;
                    RAISE EXCEPTION 'only % of % in stock rights at %, not %',
                        coalesce(v_held, 0), v_sku, v_node, v_units
                        USING ERRCODE = '{SHORT_RIGHTS}',
                        DETAIL = json_build_array(v_sku, v_node, v_units,
                            coalesce(v_held, 0))::text;
                END IF;
            END LOOP;
            WITH reserved AS (
                INSERT INTO hub_reservations (ident, node, sku, quantity, expires_at, state,
                    seen_aside)
                SELECT m->>0, v_node, m->>1, (m->>2)::integer, (m->>3)::timestamptz, m->>4,
                    (m->>5)::boolean
                FROM jsonb_array_elements(v_spend->2) AS m
                ON CONFLICT (ident) DO UPDATE SET state = excluded.state,
                    quantity = excluded.quantity, seen_aside = excluded.seen_aside
            )
            INSERT INTO hub_requests (node, seq, kind, sku, quantity, ident, reference, actor,
                position, asked_at)
            SELECT v_node, v_first + e.n - 1, m->>0, m->>1, (m->>2)::integer, m->>3, m->>4,
                m->>5, (m->>6)::bigint, (m->>7)::timestamptz
            FROM jsonb_array_elements(v_spend->3) WITH ORDINALITY AS e (m, n)
            ON CONFLICT DO NOTHING;
        END LOOP;
        WITH rated AS (
            INSERT INTO hub_online_rates (sku, rate, at_s)
            SELECT m->>0, (m->>1)::float8, (m->>2)::float8 FROM jsonb_array_elements(p_rates) AS m
            ON CONFLICT (sku) DO UPDATE SET rate = excluded.rate, at_s = excluded.at_s
        ), placed AS (
            INSERT INTO orders (ident, digest, method, placed_at, promised_by, lease_until,
                request, why)
            SELECT m->>0, m->>1, m->>2, (m->>3)::timestamptz, (m->>4)::timestamptz,
                (m->>5)::timestamptz, m->6, m->7
            FROM jsonb_array_elements(p_orders) AS m
        ), parted AS (
            INSERT INTO order_parts (ident, node, lines, step, ready_by, arrives_by,
                transfer_to, arrived_at, at_risk)
            SELECT o->>0, m->>0, m->1, m->>2, (m->>3)::timestamptz, (m->>4)::timestamptz,
                m->>5, (m->>6)::timestamptz, m->>7
            FROM jsonb_array_elements(p_orders) AS o, jsonb_array_elements(o->8) AS m
        )
        INSERT INTO order_events (ident, node, step, at, actor, note)
        SELECT o->>0, m->>0, m->>1, (m->>2)::timestamptz, m->>3, m->>4
        FROM jsonb_array_elements(p_orders) WITH ORDINALITY AS a (o, i),
            jsonb_array_elements(o->9) WITH ORDINALITY AS e (m, n)
        ORDER BY i, n;
    END
    $$;
    """,
)


# Two indexes a promise wrote a row into that no query needs (ADR 0042): `order_parts_by_node
# (node, step)` serves no query (`open_at` reads `node = $1 OR transfer_to = $1`, and
# `transfer_to` has no index, so the planner scans), and `hub_reservations_by_sku (node, sku)`
# overlapped `hub_reservations_open (node, state)`: one index on (node, state, sku) serves
# the open reservations at a node and those of some SKUs there.
PROMISE_INDEXES_MIGRATION = (
    189,
    "a promise writes no index that no query uses: one index for a node's open reservations",
    """
    DROP INDEX order_parts_by_node;
    DROP INDEX hub_reservations_by_sku;
    DROP INDEX hub_reservations_open;
    CREATE INDEX hub_reservations_open ON hub_reservations (node, state, sku);
    """,
)

# `promise_read` reads each SKU's walk-in rates without joining them to `sync_peers` (ADR
# 0066): the join kept the heard nodes' rates only, and the read's first rows are already every
# node in `sync_peers` (its epoch), so the adapter keeps those nodes' rates itself
# (`PostgresAccounts.read_view`). Each SKU's statement no longer reads `sync_peers` nor builds
# a hash table of it: about 8 µs less of the server's CPU a SKU read (54 against 62).
PROMISE_READ_RATES_MIGRATION = (
    198,
    "a promise's read takes each SKU's walk-in rates alone: the heard nodes kept by the adapter",
    """
    CREATE OR REPLACE FUNCTION promise_read(p_key text, p_skus text[]) RETURNS TABLE (
        part integer, node text, sku text, value double precision, at_s double precision,
        label text
    ) LANGUAGE plpgsql STABLE AS $$
    DECLARE
        v_sku text;
    BEGIN
        RETURN QUERY
        SELECT -1, NULL::text, NULL::text, NULL::float8, NULL::float8, NULL::text
        FROM orders o WHERE o.ident = p_key
        UNION ALL SELECT 0, p.node::text, NULL, NULL, NULL, p.epoch FROM sync_peers p
        UNION ALL SELECT 0, NULL, NULL, NULL, NULL, m.value FROM meta m WHERE m.key = 'sync_epoch';
        FOREACH v_sku IN ARRAY p_skus LOOP
            RETURN QUERY
            SELECT 1, r.node::text, r.sku::text, (r.h - r.owed)::float8, NULL::float8, NULL::text
            FROM hub_rights r WHERE r.sku = v_sku
            UNION ALL SELECT 2, w.node, w.sku, w.rate, NULL, NULL
            FROM hub_walk_in_rates w WHERE w.sku = v_sku
            UNION ALL SELECT 3, NULL, o.sku, o.rate, o.at_s, NULL
            FROM hub_online_rates o WHERE o.sku = v_sku;
        END LOOP;
    END
    $$;
    """,
)

_JSON = json.JSONEncoder(separators=(",", ":"))

# Both calls prepared once a session (ADR 0045): `EXECUTE` them and the server neither parses
# nor plans the `SELECT` around the function, nor lexes its arguments as literals of a
# statement (they come as the prepared statement's parameters). psycopg prepares statements
# of its own and, when it rolls back a transaction while it holds some (or runs a DROP,
# ALTER or ROLLBACK), sends `DEALLOCATE ALL`, which drops ours too: a promise whose `EXECUTE`
# finds its statement gone prepares both again in a fresh transaction (`read_result`). The
# write goes prepared only in the transaction its read went prepared in, which nothing of a
# promise rolls back in between (`write_call(prepared=...)`).
_PREPARE: list[Statement] = [
    (
        "PREPARE promise_read_call (text, text[]) AS SELECT * FROM promise_read($1, $2)",
        (),
    ),
    (
        "PREPARE promise_write_call (jsonb, jsonb, jsonb) AS SELECT promise_write($1, $2, $3)",
        (),
    ),
]
# The connections whose session holds both, as far as this process knows.
_PREPARED: weakref.WeakSet[Connection] = weakref.WeakSet()


def write_call(
    spends: Sequence[Any], rates: Sequence[Any], orders: Sequence[Any], prepared: bool = False
) -> list[Statement]:
    """The `promise_write` call that writes what a promise held back (none if nothing is):
    its arguments JSON texts, bound as text. `prepared`: as `EXECUTE promise_write_call`,
    in the transaction whose `read_result` went prepared."""
    if not (spends or rates or orders):
        return []
    query = (
        "EXECUTE promise_write_call(%s, %s, %s)"
        if prepared
        else "SELECT promise_write(%s::jsonb, %s::jsonb, %s::jsonb)"
    )
    return [(query, (_JSON.encode(spends), _JSON.encode(rates), _JSON.encode(orders)))]


def read_result(conn: Connection, key: str | None, skus: Iterable[str]) -> tuple[PGresult, bool]:
    """The rows of the `promise_read` call: the view of `skus` (and whether the order `key`
    exists), and whether it went prepared: it does when it opens the transaction (with the
    BEGIN in its message, and the PREPAREs the first time on `conn`)."""
    array = text_array(skus)
    if not opens_transaction(conn):
        (result,) = exchange(conn, [(_READ, (key, array))])
        return result, False
    call: Statement = ("EXECUTE promise_read_call(%s, %s)", (key, array))
    try:
        *_, result = exchange(conn, [call] if conn in _PREPARED else [*_PREPARE, call])
    except InvalidSqlStatementName:  # psycopg deallocated them: this transaction holds nothing
        conn.rollback()
        *_, result = exchange(conn, [*_PREPARE, call])
    _PREPARED.add(conn)
    return result, True


_READ = "SELECT * FROM promise_read(%s, %s::text[])"


def text_array(values: Iterable[str]) -> str:
    """A `text[]` literal: each value double-quoted, its backslashes and quotes escaped (the
    literal itself is then bound as text)."""
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"

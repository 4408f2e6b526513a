"""PostgreSQL's promise writes as functions, their statements planned once a session (ADR 0032)."""

from __future__ import annotations

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

"""PostgreSQL's ledger write as a function, whose statements' plans each session keeps."""

from __future__ import annotations

# `ledger_save(node, rows, head, skus, deltas, make)`: append `rows` (the JSON text
# `[[seq, sku, quantity, kind, at, reference, actor, tag, tag_id], ...]`) to the node's
# movements, move its head to `head` and add `deltas` to the on-hand of `skus`; with `make`,
# the on-hand rows not there yet are made. The same writes as the statements a unit of work
# sent with its COMMIT before (ADR 0021), but a batch bound on the client is parsed and
# planned at every append, where a function's statements are planned once a session (ADR 0027).
LEDGER_SAVE_MIGRATION = (
    178,
    "the ledger's writes in one function, planned once a session",
    """
    CREATE FUNCTION ledger_save(
        p_node text, p_rows json, p_head bigint, p_skus text[], p_deltas integer[],
        p_make boolean
    ) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        IF p_make THEN
            WITH appended AS (
                INSERT INTO movements
                    (node, seq, sku, quantity, kind, at, reference, actor, tag, tag_id)
                SELECT p_node, (m->>0)::bigint, m->>1, (m->>2)::integer, m->>3,
                    (m->>4)::timestamptz, m->>5, m->>6, m->>7, m->>8
                FROM json_array_elements(p_rows) AS m
            ), head AS (
                UPDATE ledger_heads SET head = p_head WHERE node = p_node
            ), d AS (
                SELECT * FROM unnest(p_skus, p_deltas) AS d (sku, delta)
            ), added AS (
                UPDATE on_hand SET quantity = on_hand.quantity + d.delta FROM d
                WHERE on_hand.node = p_node AND on_hand.sku = d.sku RETURNING on_hand.sku
            )
            INSERT INTO on_hand (node, sku, quantity)
            SELECT p_node, sku, delta FROM d WHERE sku NOT IN (SELECT sku FROM added);
        ELSE
            WITH appended AS (
                INSERT INTO movements
                    (node, seq, sku, quantity, kind, at, reference, actor, tag, tag_id)
                SELECT p_node, (m->>0)::bigint, m->>1, (m->>2)::integer, m->>3,
                    (m->>4)::timestamptz, m->>5, m->>6, m->>7, m->>8
                FROM json_array_elements(p_rows) AS m
            ), head AS (
                UPDATE ledger_heads SET head = p_head WHERE node = p_node
            )
            UPDATE on_hand SET quantity = on_hand.quantity + d.delta
            FROM unnest(p_skus, p_deltas) AS d (sku, delta)
            WHERE on_hand.node = p_node AND on_hand.sku = d.sku;
        END IF;
    END
    $$
    """,
)

# `ledger_load(node, skus, check)`: with `check`, NULL when a SKU of `skus` (a JSON array of
# text, in code point order) is not in the catalog; else the node's head row locked (made at 0
# first for a node's first movement), then its on-hand rows of `skus` in SKU order, the absent
# ones made at 0 and locked too: `[head, {sku: quantity}, [the SKUs made]]`. The catalog check
# and the locking read an append sent as two statements, in one call planned once a session
# (ADR 0029).
LEDGER_LOAD_MIGRATION = (
    180,
    "the ledger's catalog check and locking read in one function, planned once a session",
    """
    CREATE FUNCTION ledger_load(p_node text, p_skus json, p_check boolean) RETURNS json
    LANGUAGE plpgsql AS $$
    DECLARE
        v_skus text[] := ARRAY(SELECT json_array_elements_text(p_skus));
        v_head bigint;
        v_on_hand json;
        v_count integer;
        v_made text[];
    BEGIN
        IF p_check AND EXISTS (
            SELECT FROM unnest(v_skus) AS s (sku)
            WHERE NOT EXISTS (SELECT FROM products WHERE products.sku = s.sku)
        ) THEN
            RETURN NULL;
        END IF;
        SELECT head INTO v_head FROM ledger_heads WHERE node = p_node FOR UPDATE;
        IF NOT FOUND THEN
            INSERT INTO ledger_heads (node, head) VALUES (p_node, 0)
            ON CONFLICT (node) DO NOTHING;
            SELECT head INTO v_head FROM ledger_heads WHERE node = p_node FOR UPDATE;
        END IF;
        SELECT json_object_agg(o.sku, o.quantity), count(*) INTO v_on_hand, v_count
        FROM (SELECT sku, quantity FROM on_hand WHERE node = p_node AND sku = ANY(v_skus)
              ORDER BY sku FOR UPDATE) AS o;
        IF v_count < cardinality(v_skus) THEN
            WITH made AS (
                INSERT INTO on_hand (node, sku, quantity)
                SELECT p_node, s.sku, 0 FROM unnest(v_skus) AS s (sku)
                WHERE NOT EXISTS (
                    SELECT FROM on_hand WHERE node = p_node AND on_hand.sku = s.sku
                )
                ORDER BY s.sku ON CONFLICT (node, sku) DO NOTHING RETURNING on_hand.sku
            )
            SELECT array_agg(sku) INTO v_made FROM made;
            SELECT json_object_agg(o.sku, o.quantity) INTO v_on_hand
            FROM (SELECT sku, quantity FROM on_hand WHERE node = p_node AND sku = ANY(v_skus)
                  ORDER BY sku FOR UPDATE) AS o;
        END IF;
        RETURN json_build_array(v_head, coalesce(v_on_hand, '{}'), coalesce(v_made, '{}'));
    END
    $$
    """,
)

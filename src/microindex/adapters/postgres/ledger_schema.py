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

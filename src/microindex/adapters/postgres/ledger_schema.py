"""PostgreSQL's ledger reads and writes as functions, their statements planned once a session."""

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

# `ledger_save(node, rows, head, deltas, make, messages)` (migration 180, in place of 178's):
# the same writes, with `deltas` as the JSON object `{sku: delta}` (SKU order), and then, unless
# `messages` is null, the outbox's lock and its messages (the JSON text `[[topic, key, payload
# text, at], ...]`, numbered in that order): a save's one call, where the outbox's lock and
# INSERT went as two more statements parsed and planned at every commit (ADR 0029).
_LEDGER_SAVE = """
    DROP FUNCTION ledger_save(text, json, bigint, text[], integer[], boolean);
    CREATE FUNCTION ledger_save(
        p_node text, p_rows json, p_head bigint, p_deltas json, p_make boolean, p_messages json
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
                SELECT key AS sku, value::integer AS delta FROM json_each_text(p_deltas)
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
            UPDATE on_hand SET quantity = on_hand.quantity + d.value::integer
            FROM json_each_text(p_deltas) AS d
            WHERE on_hand.node = p_node AND on_hand.sku = d.key;
        END IF;
        IF p_messages IS NOT NULL THEN
            LOCK TABLE outbox IN SHARE ROW EXCLUSIVE MODE;
            INSERT INTO outbox (topic, key, payload, created_at)
            SELECT m->>0, m->>1, (m->>2)::jsonb, (m->>3)::timestamptz
            FROM json_array_elements(p_messages) WITH ORDINALITY AS e (m, n) ORDER BY n;
        END IF;
    END
    $$;
"""

# `ledger_load(node, skus, check)`: with `check`, NULL when a SKU of `skus` (a JSON array of
# text, in code point order) is not in the catalog; else the node's head row locked (made at 0
# first for a node's first movement), then its on-hand rows of `skus` in SKU order, the absent
# ones made at 0 and locked too: `[head, {sku: quantity}, [the SKUs made]]`. The catalog check
# and the locking read an append sent as two statements, in one call planned once a session
# (ADR 0029).
LEDGER_APPEND_MIGRATION = (
    180,
    "an append's catalog check and locking read in one function, its outbox message in its save",
    _LEDGER_SAVE
    + """
    CREATE FUNCTION ledger_load(p_node text, p_skus json, p_check boolean) RETURNS json
    LANGUAGE plpgsql AS $$
    DECLARE
        v_head bigint;
        v_on_hand json;
        v_count integer;
        v_made text[];
    BEGIN
        -- one statement, as a node and SKUs seen before usually need: the catalog check, the
        -- head row locked, then (once it is) its on-hand rows in SKU order (a plain aggregate:
        -- grouping by the head would set up a hash table at every call)
        SELECT max(h.head), json_object_agg(o.sku, o.quantity) FILTER (WHERE o.sku IS NOT NULL),
            count(o.sku)
        INTO v_head, v_on_hand, v_count
        FROM (
            SELECT head FROM ledger_heads WHERE node = p_node AND NOT (p_check AND EXISTS (
                SELECT FROM json_array_elements_text(p_skus) AS s (sku)
                WHERE NOT EXISTS (SELECT FROM products WHERE products.sku = s.sku)
            )) FOR UPDATE
        ) AS h LEFT JOIN LATERAL (
            SELECT sku, quantity FROM on_hand WHERE node = p_node AND h.head >= 0
            AND sku IN (SELECT json_array_elements_text(p_skus)) ORDER BY sku FOR UPDATE
        ) AS o ON true;
        IF v_head IS NULL THEN  -- a SKU the catalog lacks, or the node's first movement
            IF p_check AND EXISTS (
                SELECT FROM json_array_elements_text(p_skus) AS s (sku)
                WHERE NOT EXISTS (SELECT FROM products WHERE products.sku = s.sku)
            ) THEN
                RETURN NULL;
            END IF;
            INSERT INTO ledger_heads (node, head) VALUES (p_node, 0)
            ON CONFLICT (node) DO NOTHING;
            SELECT head INTO v_head FROM ledger_heads WHERE node = p_node FOR UPDATE;
            v_count := -1;
        END IF;
        IF v_count < json_array_length(p_skus) THEN  -- on-hand rows made (at 0) to be locked
            WITH made AS (
                INSERT INTO on_hand (node, sku, quantity)
                SELECT p_node, s.sku, 0 FROM json_array_elements_text(p_skus) AS s (sku)
                WHERE NOT EXISTS (
                    SELECT FROM on_hand WHERE node = p_node AND on_hand.sku = s.sku
                )
                ORDER BY s.sku ON CONFLICT (node, sku) DO NOTHING RETURNING on_hand.sku
            )
            SELECT array_agg(sku) INTO v_made FROM made;
            SELECT json_object_agg(o.sku, o.quantity) INTO v_on_hand
            FROM (SELECT sku, quantity FROM on_hand WHERE node = p_node
                  AND sku IN (SELECT json_array_elements_text(p_skus))
                  ORDER BY sku FOR UPDATE) AS o;
        END IF;
        RETURN json_build_array(v_head, coalesce(v_on_hand, '{}'), coalesce(v_made, '{}'));
    END
    $$
    """,
)

# Migration 184 (ADR 0033): a single append, the commonest (a till's sale, a delivery), in
# statements of index probes. The forms above plan for a batch: a hash of the catalog for the
# check, a hash join over all of the node's on-hand rows for the lock and for the update, JSON
# walked row by row; for one SKU that was most of an append's server CPU.
# `ledger_load` keeps its arguments and its answer: one SKU whose head and on-hand rows are
# there is one statement of three index probes (the head locked first, then its on-hand row,
# as before); anything else goes on as in migration 180. `ledger_append(...)` is `ledger_save`
# for one movement and at most one outbox message (`p_topic` null: none), each value an
# argument of its own: no JSON to parse, the message's payload read once, as jsonb.
LEDGER_ONE_MIGRATION = (
    184,
    "a single append's load and writes as index probes, its values as plain arguments",
    """
    CREATE OR REPLACE FUNCTION ledger_load(p_node text, p_skus json, p_check boolean)
    RETURNS json LANGUAGE plpgsql AS $$
    DECLARE
        v_head bigint;
        v_on_hand json;
        v_count integer;
        v_made text[];
        v_sku text;
    BEGIN
        IF json_array_length(p_skus) = 1 THEN  -- one SKU whose rows are there: index probes
            v_sku := p_skus->>0;
            SELECT h.head, json_build_object(v_sku, o.quantity) INTO v_head, v_on_hand
            FROM (
                SELECT head FROM ledger_heads WHERE node = p_node AND (NOT p_check OR EXISTS (
                    SELECT FROM products WHERE products.sku = v_sku
                )) FOR UPDATE
            ) AS h JOIN LATERAL (
                SELECT quantity FROM on_hand WHERE node = p_node AND sku = v_sku
                AND h.head >= 0 FOR UPDATE
            ) AS o ON true;
            IF FOUND THEN
                RETURN json_build_array(v_head, v_on_hand, '[]'::json);
            END IF;
        END IF;
        -- as migration 180's: the catalog check, the head row locked, then (once it is) its
        -- on-hand rows in SKU order
        SELECT max(h.head), json_object_agg(o.sku, o.quantity) FILTER (WHERE o.sku IS NOT NULL),
            count(o.sku)
        INTO v_head, v_on_hand, v_count
        FROM (
            SELECT head FROM ledger_heads WHERE node = p_node AND NOT (p_check AND EXISTS (
                SELECT FROM json_array_elements_text(p_skus) AS s (sku)
                WHERE NOT EXISTS (SELECT FROM products WHERE products.sku = s.sku)
            )) FOR UPDATE
        ) AS h LEFT JOIN LATERAL (
            SELECT sku, quantity FROM on_hand WHERE node = p_node AND h.head >= 0
            AND sku IN (SELECT json_array_elements_text(p_skus)) ORDER BY sku FOR UPDATE
        ) AS o ON true;
        IF v_head IS NULL THEN  -- a SKU the catalog lacks, or the node's first movement
            IF p_check AND EXISTS (
                SELECT FROM json_array_elements_text(p_skus) AS s (sku)
                WHERE NOT EXISTS (SELECT FROM products WHERE products.sku = s.sku)
            ) THEN
                RETURN NULL;
            END IF;
            INSERT INTO ledger_heads (node, head) VALUES (p_node, 0)
            ON CONFLICT (node) DO NOTHING;
            SELECT head INTO v_head FROM ledger_heads WHERE node = p_node FOR UPDATE;
            v_count := -1;
        END IF;
        IF v_count < json_array_length(p_skus) THEN  -- on-hand rows made (at 0) to be locked
            WITH made AS (
                INSERT INTO on_hand (node, sku, quantity)
                SELECT p_node, s.sku, 0 FROM json_array_elements_text(p_skus) AS s (sku)
                WHERE NOT EXISTS (
                    SELECT FROM on_hand WHERE node = p_node AND on_hand.sku = s.sku
                )
                ORDER BY s.sku ON CONFLICT (node, sku) DO NOTHING RETURNING on_hand.sku
            )
            SELECT array_agg(sku) INTO v_made FROM made;
            SELECT json_object_agg(o.sku, o.quantity) INTO v_on_hand
            FROM (SELECT sku, quantity FROM on_hand WHERE node = p_node
                  AND sku IN (SELECT json_array_elements_text(p_skus))
                  ORDER BY sku FOR UPDATE) AS o;
        END IF;
        RETURN json_build_array(v_head, coalesce(v_on_hand, '{}'), coalesce(v_made, '{}'));
    END
    $$;

    CREATE FUNCTION ledger_append(
        p_node text, p_seq bigint, p_sku text, p_quantity integer, p_kind text,
        p_at timestamptz, p_reference text, p_actor text, p_tag text, p_tag_id text,
        p_delta integer, p_make boolean,
        p_topic text, p_key text, p_payload jsonb, p_created timestamptz
    ) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO movements (node, seq, sku, quantity, kind, at, reference, actor, tag, tag_id)
        VALUES (p_node, p_seq, p_sku, p_quantity, p_kind, p_at, p_reference, p_actor, p_tag,
            p_tag_id);
        UPDATE ledger_heads SET head = p_seq WHERE node = p_node;
        IF p_delta IS NULL THEN  -- a grant: on-hand is not touched
            NULL;
        ELSE
            UPDATE on_hand SET quantity = quantity + p_delta
            WHERE node = p_node AND sku = p_sku;
            IF p_make AND NOT FOUND THEN  -- recorded without loading it first
                INSERT INTO on_hand (node, sku, quantity) VALUES (p_node, p_sku, p_delta);
            END IF;
        END IF;
        IF p_topic IS NOT NULL THEN
            LOCK TABLE outbox IN SHARE ROW EXCLUSIVE MODE;
            INSERT INTO outbox (topic, key, payload, created_at)
            VALUES (p_topic, p_key, p_payload, p_created);
        END IF;
    END
    $$;
    """,
)

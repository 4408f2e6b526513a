"""The PostgreSQL schemas tests are given (tests/postgres.py): each as a freshly migrated one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg import sql

from microindex.adapters.postgres.unit_of_work import PostgresDatabase
from tests.contract.test_migrations import _postgres_schema
from tests.postgres import PREFIX, SchemaPool

pytestmark = pytest.mark.postgres
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def pool(postgres_url: str) -> Iterator[SchemaPool]:
    """A pool of its own, so that what these tests give back reaches no other test."""
    made = SchemaPool(postgres_url)
    yield made
    made.close()


def _fill(url: str, schema: str) -> None:
    """Rows in a parent and a child table, and identities used."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        conn.execute("INSERT INTO meta VALUES ('epoch', 'e1')")
        conn.execute(
            "INSERT INTO outbox (topic, key, payload, created_at) VALUES ('t', 'k', '{}', %s)",
            (AT,),
        )
        push = conn.execute(
            "INSERT INTO channel_pushes (channel, kind, at, items) VALUES ('web', 'full', %s, 1)"
            " RETURNING id",
            (AT,),
        ).fetchone()
        assert push is not None
        conn.execute("INSERT INTO channel_items VALUES (%s, 'A', 'd', '{}')", (push[0],))


def _contents(url: str, schema: str) -> tuple[object, ...]:
    """Rows in the tables `_fill` fills, and the next identity (used up by asking)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        rows = [
            conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()
            for t in ("meta", "outbox", "channel_pushes", "channel_items")
        ]
        ident = conn.execute(
            "INSERT INTO outbox (topic, key, payload, created_at) VALUES ('t', 'k', '{}', %s)"
            " RETURNING id",
            (AT,),
        ).fetchone()
        conn.execute("DELETE FROM outbox")
    return (*rows, ident)


def test_a_schema_given_back_is_handed_out_again_as_a_freshly_migrated_one(
    pool: SchemaPool, postgres_url: str
) -> None:
    fresh = pool.name()
    migrated = PostgresDatabase(postgres_url, fresh)
    migrated.migrate()
    migrated.close()
    used = pool.take()
    _fill(postgres_url, used)
    pool.give_back(used)
    again = pool.take()
    assert again == used
    empty_and_first_id = ((0,), (0,), (0,), (0,), (1,))
    assert _contents(postgres_url, again) == _contents(postgres_url, fresh) == empty_and_first_id
    shapes = []
    for schema in (again, fresh):
        database = PostgresDatabase(postgres_url, schema)
        assert database.migrate() == []
        shapes.append(_postgres_schema(database))
        database.close()
    assert shapes[0] == shapes[1]
    pool.drop(fresh)


def test_a_schema_a_test_changed_is_dropped_not_handed_out_again(
    pool: SchemaPool, postgres_url: str
) -> None:
    changed = pool.take()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER TABLE {} ADD COLUMN x int").format(sql.Identifier(changed, "meta"))
        )
    pool.give_back(changed)
    assert pool.take() != changed
    with psycopg.connect(postgres_url) as conn:
        gone = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (changed,)).fetchone()
    assert gone is None


def test_schemas_left_by_a_run_killed_over_an_hour_ago_are_dropped_when_the_next_starts(
    postgres_url: str,
) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        row = conn.execute("SELECT extract(epoch FROM now())::bigint").fetchone()
        assert row is not None
        old, recent = f"{PREFIX}{row[0] - 3700}_dead_1", f"{PREFIX}{row[0] - 60}_other_1"
        for name in (old, recent):
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
        SchemaPool(postgres_url).close()
        left = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname IN (%s, %s)", (old, recent)
        ).fetchall()
        conn.execute(sql.SQL("DROP SCHEMA {}").format(sql.Identifier(recent)))
    assert left == [(recent,)]

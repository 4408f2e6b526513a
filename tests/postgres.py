"""Migrated PostgreSQL schemas for tests, migrated once and emptied between tests.

Migrating a schema is DDL: about 150 relations (tables, indexes, TOAST, sequences) made and
later dropped, 0.2 s on an idle server and 1-2 s on a busy one. Copying a migrated schema costs
as much (it is the same DDL), and so does TRUNCATE (a new file per relation); a database made
from a template is made quickly but DROP DATABASE takes seconds on a shared server. Emptying the
tables of a schema a test has finished with is a few milliseconds, so the pool migrates a schema
only when none is free, and hands a schema to the next test only once it is as a fresh one is:
its tables empty, its identity sequences at their start, its relations, columns, constraints
and recorded migrations those of the first schema it migrated (the template). A schema that
differs, or cannot be emptied, is dropped instead.

Every schema is named `mi_test_<server epoch seconds>_<random>_<n>`, the first two parts its
run's: a run killed midway leaves schemas that a later run drops once they are an hour old.
"""

from __future__ import annotations

import uuid
from graphlib import TopologicalSorter

import psycopg
from psycopg import sql

from microindex.adapters.postgres.connection import connect
from microindex.adapters.postgres.migrations import migrate

PREFIX = "mi_test_"
STALE_AFTER_S = 3600

_SHAPE = """
SELECT c.relname, c.relkind, c.relnatts, c.relchecks,
    (SELECT count(*) FROM pg_constraint k WHERE k.conrelid = c.oid),
    (SELECT count(*) FROM pg_index i WHERE i.indrelid = c.oid)
FROM pg_class c WHERE c.relnamespace = %s::regnamespace ORDER BY c.relname
"""
_FOREIGN_KEYS = """
SELECT child.relname, parent.relname FROM pg_constraint c
JOIN pg_class child ON child.oid = c.conrelid JOIN pg_class parent ON parent.oid = c.confrelid
WHERE c.contype = 'f' AND c.connamespace = %s::regnamespace
"""
_TABLES = """
SELECT relname FROM pg_class
WHERE relnamespace = %s::regnamespace AND relkind = 'r' AND relname <> 'schema_migrations'
"""
_SEQUENCES = "SELECT sequencename, start_value FROM pg_sequences WHERE schemaname = %s"


class SchemaPool:
    """Hands out migrated, empty schemas on one server; takes them back after each test."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._admin = psycopg.connect(url, autocommit=True)
        now = self._admin.execute("SELECT extract(epoch FROM now())::bigint").fetchone()
        assert now is not None
        self._run = f"{PREFIX}{now[0]}_{uuid.uuid4().hex[:8]}_"
        self._made = 0
        self._free: list[str] = []
        self._tables: list[str] = []
        self._sequences: list[tuple[str, sql.Literal]] = []
        self._drop_stale(int(now[0]))
        self._template = self._migrated()
        self._shape = self._shape_of(self._template)
        self._plan(self._template)
        self._free.append(self._template)

    def name(self) -> str:
        """A new name of this run, for a schema that does not exist yet."""
        self._made += 1
        return f"{self._run}{self._made}"

    def take(self) -> str:
        """A migrated schema with nothing in it."""
        if self._free:
            return self._free.pop()
        schema = self._migrated()
        if self._shape_of(schema) != self._shape:  # MIGRATIONS patched by the test, say
            self.drop(schema)
            raise AssertionError(f"schema {schema} migrated unlike the template {self._template}")
        return schema

    def give_back(self, schema: str) -> None:
        """Empties `schema` for the next test, or drops it if it is no longer the template."""
        try:
            if self._shape_of(schema) == self._shape:
                self._empty(schema)
                self._free.append(schema)
                return
        except psycopg.Error:
            pass  # locked or broken: it is dropped below, as a test's schema always was
        self.drop(schema)

    def drop(self, *schemas: str) -> None:
        """Drops `schemas` and all in them, one by one (each holds a lock per relation)."""
        for schema in schemas:
            self._admin.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
            )

    def close(self) -> None:
        """Drops every schema of this run, those still out (a test's that failed) too."""
        self.drop(*self._named(self._run))
        self._free.clear()
        self._admin.close()

    def _named(self, prefix: str) -> list[str]:
        rows = self._admin.execute(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", (prefix,)
        )
        return [name for (name,) in rows]

    def _migrated(self) -> str:
        schema = self.name()
        conn = connect(self.url, schema)
        try:
            migrate(conn, schema)
        finally:
            conn.close()
        return schema

    def _shape_of(self, schema: str) -> tuple[object, ...]:
        relations = self._admin.execute(_SHAPE, (schema,)).fetchall()
        versions = self._admin.execute(
            sql.SQL("SELECT version, name FROM {} ORDER BY version").format(
                sql.Identifier(schema, "schema_migrations")
            )
        ).fetchall()
        return (*relations, *versions)

    def _empty(self, schema: str) -> None:
        """Deletes every row, those that others point to last, and restarts every sequence."""
        deletes = sql.SQL("; ").join(
            sql.SQL("DELETE FROM {}").format(sql.Identifier(schema, table))
            for table in self._tables
        )
        restarts = sql.SQL(", ").join(
            sql.SQL("setval({}, {}, false)").format(
                sql.Literal(sql.Identifier(schema, name).as_string(self._admin)), start
            )
            for name, start in self._sequences
        )
        with self._admin.transaction():
            self._admin.execute("SET LOCAL lock_timeout = '5s'")
            self._admin.execute(deletes)
            if self._sequences:
                self._admin.execute(sql.SQL("SELECT ") + restarts)

    def _plan(self, schema: str) -> None:
        """The tables of `schema` in the order to empty them, children first, and its sequences."""
        order: TopologicalSorter[str] = TopologicalSorter()
        for (table,) in self._admin.execute(_TABLES, (schema,)):
            order.add(table)
        for child, parent in self._admin.execute(_FOREIGN_KEYS, (schema,)):
            if child != parent:
                order.add(parent, child)  # a parent waits for its children
        self._tables = list(order.static_order())
        self._sequences = [
            (name, sql.Literal(start))
            for name, start in self._admin.execute(_SEQUENCES, (schema,)).fetchall()
        ]

    def _drop_stale(self, now: int) -> None:
        """Drops the schemas of runs that started over an hour ago and did not drop them."""
        stale = [
            schema
            for schema in self._named(PREFIX)
            if (started := schema.removeprefix(PREFIX).split("_")[0]).isdigit()
            and int(started) < now - STALE_AFTER_S
        ]
        self.drop(*stale)

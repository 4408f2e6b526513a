"""Fixtures shared by every test folder: the PostgreSQL server and a fresh schema per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test server: MICROINDEX_TEST_PG_URL or the local default.

    Unreachable, PostgreSQL tests are skipped on a laptop and fail in CI (CI=true).
    """
    url = os.environ.get("MICROINDEX_TEST_PG_URL", DEFAULT_PG_URL)
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as error:
        message = f"PostgreSQL not reachable at {url}: start it or set MICROINDEX_TEST_PG_URL"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} ({error})", pytrace=False)
        pytest.skip(message)
    return url


@pytest.fixture
def new_postgres_schema(postgres_url: str) -> Iterator[Callable[[], str]]:
    """Hands out unique schema names; every schema so named is dropped after the test.

    The schemas themselves are created by `PostgresDatabase.migrate`.
    """
    names: list[str] = []

    def new() -> str:
        names.append(f"test_{uuid.uuid4().hex[:12]}")
        return names[-1]

    yield new
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


@pytest.fixture
def postgres_schema(new_postgres_schema: Callable[[], str]) -> str:
    """A fresh schema name for this test, dropped (with everything in it) afterwards."""
    return new_postgres_schema()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hub_url(request: pytest.FixtureRequest) -> str | None:
    """A workspace's hub: None for its own SQLite file, else a URL into a fresh PostgreSQL
    schema (`Settings.hub_url`)."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres_url")
    schema: str = request.getfixturevalue("postgres_schema")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"

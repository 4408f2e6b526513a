"""Fixtures shared by every test folder: the demo shop to copy, the PostgreSQL server and an
empty, migrated schema per test."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from tests.demo import build_pristine
from tests.postgres import SchemaPool

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


@pytest.fixture(scope="session")
def pristine_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo shop built once per run, then only copied (`tests.demo.open_copy`)."""
    return build_pristine(tmp_path_factory.mktemp("pristine") / "shop")


@pytest.fixture(scope="session")
def postgres_schemas(postgres_url: str) -> Iterator[SchemaPool]:
    """This run's migrated schemas (`tests/postgres.py`): migrated once, emptied between tests."""
    pool = SchemaPool(postgres_url)
    yield pool
    pool.close()


@pytest.fixture
def new_postgres_schema(postgres_schemas: SchemaPool) -> Iterator[Callable[[], str]]:
    """Hands out migrated schemas with nothing in them, each as a freshly migrated one is;
    after the test they are emptied for the next (or dropped, if the test changed them).

    Ask for this fixture before opening a database on its schemas: fixtures are torn down
    last-requested first, so the database is closed before its schema is taken back.
    """
    names: list[str] = []

    def new() -> str:
        names.append(postgres_schemas.take())
        return names[-1]

    yield new
    for name in names:
        postgres_schemas.give_back(name)


@pytest.fixture
def empty_postgres_schema(postgres_schemas: SchemaPool) -> Iterator[Callable[[], str]]:
    """For tests of migrations: unique names of schemas not made yet (`migrate` makes them),
    dropped after the test."""
    names: list[str] = []

    def new() -> str:
        names.append(postgres_schemas.name())
        return names[-1]

    yield new
    postgres_schemas.drop(*names)


@pytest.fixture
def postgres_schema(new_postgres_schema: Callable[[], str]) -> str:
    """A migrated schema for this test, empty, taken back (emptied or dropped) afterwards."""
    return new_postgres_schema()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hub_url(request: pytest.FixtureRequest) -> str | None:
    """A workspace's hub: None for its own SQLite file, else a URL into a migrated, empty
    PostgreSQL schema (`Settings.hub_url`)."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres_url")
    schema: str = request.getfixturevalue("postgres_schema")
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"

"""Database backends for tests: SQLite always; PostgreSQL when configured (required in CI)."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from gatehouse.adapters.db.schema import metadata

PG_ENV = "GATEHOUSE_TEST_DATABASE_URL"
REDIS_ENV = "GATEHOUSE_TEST_REDIS_URL"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(env: str, what: str) -> str:
    """The URL in ``env``; skip without it on a laptop, fail without it in CI."""
    url = os.environ.get(env)
    if url:
        return url
    if in_ci():
        pytest.fail(f"{env} is not set: CI must test {what} for real")
    pytest.skip(f"{env} not set: {what} tests skipped (set it to run them)")


async def _sqlite_template(session_dir: Path) -> Path:
    """An empty SQLite database with every table, made once per test session and copied for
    each test: copying takes a millisecond, creating the tables a good part of a second."""
    template = session_dir / "gatehouse-template.db"
    if not template.exists():
        building = session_dir / f"gatehouse-template-{secrets.token_hex(4)}.db"
        engine = create_async_engine(f"sqlite+aiosqlite:///{building}")
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        await engine.dispose()
        building.replace(template)
    return template


# PostgreSQL schemas this process made and emptied, ready for the next test: creating the 36
# tables and their indexes costs the server more than half a second on a loaded machine,
# emptying them (DELETE, sequences restarted) a few milliseconds. Each pytest-xdist worker is a
# process of its own, so no schema is ever handed to two tests at once.
_free_schemas: list[str] = []
_used_schemas: set[str] = set()


def _emptying(schema: str, sequences: list[str]) -> str:
    """SQL that brings ``schema`` back to a freshly created one: no row, every sequence at its
    start (children's rows first, for the foreign keys)."""
    deletes = "".join(f'DELETE FROM "{t.name}";' for t in reversed(metadata.sorted_tables))
    restarts = "".join(f'ALTER SEQUENCE "{name}" RESTART;' for name in sequences)
    return f'SET LOCAL search_path TO "{schema}";{deletes}{restarts}'


async def _new_schema(engine: AsyncEngine) -> str:
    schema = "t_" + secrets.token_hex(6)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.execute(text(f'SET search_path TO "{schema}"'))
        await conn.run_sync(metadata.create_all)
    _used_schemas.add(schema)
    return schema


async def _give_back(engine: AsyncEngine, schema: str) -> None:
    """Empty ``schema`` for the next test; drop it instead when it is not as created (a table
    or sequence more or less than a fresh schema has)."""
    async with engine.begin() as conn:
        found = await conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}
        )
        tables = set(found.scalars())
        found = await conn.execute(
            text("SELECT sequencename FROM pg_sequences WHERE schemaname = :s"), {"s": schema}
        )
        sequences = sorted(found.scalars())
        if tables == set(metadata.tables) and len(sequences) == _SEQUENCES:
            raw = await conn.get_raw_connection()
            await raw.driver_connection.execute(_emptying(schema, sequences))
            _free_schemas.append(schema)
            return
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    _used_schemas.discard(schema)


# serial (BIGSERIAL) columns: each owns a sequence in its schema
_SEQUENCES = sum(
    1
    for table in metadata.tables.values()
    for column in table.columns
    if column is table.autoincrement_column
)


def drop_free_schemas() -> None:
    """Drop the schemas this process made (at the end of the test session)."""
    url = os.environ.get(PG_ENV)
    if not url or not _used_schemas:
        return

    async def drop() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                for schema in sorted(_used_schemas):
                    await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            await engine.dispose()

    asyncio.run(drop())
    _used_schemas.clear()
    _free_schemas.clear()


@asynccontextmanager
async def database(kind: str, tmp_path: Path) -> AsyncIterator[tuple[str, str | None]]:
    """A fresh, empty schema: yields (url, schema); emptied afterwards for the next test."""
    if kind == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(await _sqlite_template(tmp_path.parent), path)
        yield f"sqlite+aiosqlite:///{path}", None
        return
    url = require(PG_ENV, "PostgreSQL")
    engine = create_async_engine(url)
    try:
        schema = _free_schemas.pop() if _free_schemas else await _new_schema(engine)
        try:
            yield url, schema
        finally:
            await _give_back(engine, schema)
    finally:
        await engine.dispose()

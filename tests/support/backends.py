"""Database backends for tests: SQLite always; PostgreSQL when configured (required in CI)."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

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


@asynccontextmanager
async def database(kind: str, tmp_path: Path) -> AsyncIterator[tuple[str, str | None]]:
    """A fresh, empty schema: yields (url, schema); the schema is dropped afterwards."""
    if kind == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(await _sqlite_template(tmp_path.parent), path)
        yield f"sqlite+aiosqlite:///{path}", None
        return
    url = require(PG_ENV, "PostgreSQL")
    schema = "t_" + secrets.token_hex(6)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.execute(text(f'SET search_path TO "{schema}"'))
        await conn.run_sync(metadata.create_all)
    try:
        yield url, schema
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()

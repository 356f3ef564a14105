"""Database engines: SQLite (embedded default) and PostgreSQL, with the settings each needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from gatehouse.adapters.db import sqlite_driver
from gatehouse.adapters.db.identity import tables as identity_tables
from gatehouse.adapters.db.sync import tables as sync_tables


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, schema: str | None = None) -> AsyncEngine:
    """An engine for ``url``; ``schema`` puts PostgreSQL tables in that schema (tests)."""
    identity_tables.map_entities()
    sync_tables.map_entities()
    if is_sqlite(url):
        # One connection: SQLite has one writer anyway, and a single connection makes
        # lock upgrades ("database is locked") impossible inside one process. See ADR 0002.
        engine = create_async_engine(
            url,
            module=sqlite_driver.dbapi(),  # statements on the loop's thread or one hop (module)
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    connect_args: dict[str, Any] = {}
    if schema:
        connect_args["server_settings"] = {"search_path": schema}
    return create_async_engine(
        url, pool_size=10, max_overflow=20, pool_pre_ping=True, connect_args=connect_args
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[Any]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)

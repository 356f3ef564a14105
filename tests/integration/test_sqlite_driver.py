"""The one-hop SQLite driver (adapters/db/sqlite_driver.py) behaves as a DB-API cursor should:
rows, row counts, last row ids, executemany, RETURNING, errors, transactions."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from gatehouse.adapters.db.engine import make_engine
from gatehouse.adapters.db.sqlite_driver import OneHopCursor

metadata = MetaData()
items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(20), nullable=False, unique=True),
    Column("n", Integer, nullable=False, default=0),
)


async def test_statements_rows_counts_and_errors(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            raw = await conn.get_raw_connection()
            assert isinstance(raw.driver_connection, object)
            assert isinstance(raw.dbapi_connection.cursor(), OneHopCursor)  # type: ignore[union-attr]
            first = await conn.execute(insert(items).values(name="a"))
            assert first.inserted_primary_key == (1,)  # from lastrowid
            await conn.execute(insert(items), [{"name": "b"}, {"name": "c"}])  # executemany
            bumped = await conn.execute(update(items).where(items.c.name != "a").values(n=5))
            assert bumped.rowcount == 2
            returned = await conn.execute(
                update(items).where(items.c.name == "a").values(n=7).returning(items.c.n)
            )
            assert returned.scalar_one() == 7
        async with engine.connect() as conn:
            rows = (await conn.execute(select(items.c.name, items.c.n).order_by(items.c.id))).all()
            assert [tuple(r) for r in rows] == [("a", 7), ("b", 5), ("c", 5)]
            assert (await conn.execute(text("select count(*) from items"))).scalar_one() == 3
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(insert(items).values(name="z"))
                await conn.execute(insert(items).values(name="a"))  # unique name taken
        async with engine.connect() as conn:  # the failed transaction left nothing behind
            names = (await conn.execute(select(items.c.name))).scalars().all()
            assert sorted(names) == ["a", "b", "c"]
    finally:
        await engine.dispose()


SLOW = text(
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000000) "
    "SELECT count(*) FROM c"
)


async def test_a_statement_cancelled_twice_leaves_nothing_waiting(tmp_path: Path) -> None:
    # A request cancelled half-way through a statement, then again while SQLAlchemy ends
    # the invalidated connection (a server shutting down does that): no task may be left
    # waiting on a driver thread that has stopped, and the engine goes on with a new one.
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:

        async def slow() -> None:
            async with engine.connect() as conn:
                await conn.execute(SLOW)

        threads = threading.active_count()
        running = asyncio.create_task(slow())
        await asyncio.sleep(0.05)
        running.cancel()
        await asyncio.sleep(0.05)
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        # the slow statement ends (about a second; later on a loaded machine), then so must
        # every task ending the connection: one waiting on a stopped thread never would
        deadline = asyncio.get_running_loop().time() + 60  # a liveness bound, not a timing
        while threading.active_count() > threads:  # the driver's thread ends after the statement
            assert asyncio.get_running_loop().time() < deadline, "the driver's thread never ended"
            await asyncio.sleep(0.05)
        stuck: list[asyncio.Task[object]] = []
        for _ in range(300):  # then up to 30 s more: a bound on a broken driver
            stuck = [t for t in asyncio.all_tasks() if "terminate" in repr(t.get_coro())]
            if not stuck:
                break
            await asyncio.sleep(0.1)
        assert stuck == []
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()


def _count_to(n: int) -> str:
    counted = "SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < " + str(n)
    return f"(WITH RECURSIVE c(x) AS ({counted}) SELECT count(*) FROM c)"


class _Ticker:
    """Counts turns of the event loop while a statement runs: a loop held by a statement
    would count none."""

    def __init__(self) -> None:
        self.turns = 0
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            self.turns += 1
            await asyncio.sleep(0.001)

    async def stop(self) -> int:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        return self.turns


async def test_statements_run_on_the_loop_thread_but_deletes_and_ddl(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    seen: list[tuple[str, int]] = []
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection._connection  # type: ignore[union-attr]

            def here(tag: str) -> int:
                seen.append((tag, threading.get_ident()))
                return 0

            driver.create_function("here", 1, here)
            await conn.execute(text("INSERT INTO items (name, n) VALUES ('a', here('insert'))"))
            await conn.execute(text("UPDATE items SET n = here('update')"))
            await conn.execute(select(text("here('select')")))
            await conn.execute(text("DELETE FROM items WHERE n != here('delete')"))
        loop_thread = threading.get_ident()
        where = {tag: ident == loop_thread for tag, ident in seen}
        assert where == {"insert": True, "update": True, "select": True, "delete": False}
    finally:
        await engine.dispose()


async def test_a_statement_that_meets_another_process_lock_waits_off_the_loop(
    tmp_path: Path,
) -> None:
    # Another process (here another connection) holds the write lock: the INSERT may not
    # wait for it on the loop's thread (the loop would stop, and nothing could let it go).
    path = tmp_path / "x.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO items (name, n) VALUES ('theirs', 1)")
        ticker = _Ticker()

        async def write() -> None:
            async with engine.begin() as conn:
                await conn.execute(insert(items).values(name="ours"))

        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10  # a loop held by the INSERT would stay held 30 s
        writing = asyncio.create_task(write())
        while ticker.turns < 20:  # the loop turns while the INSERT waits for the lock
            assert loop.time() < deadline, "the event loop was held while waiting for a lock"
            await asyncio.sleep(0.001)
        assert not writing.done()
        other.execute("COMMIT")
        await asyncio.wait_for(writing, 30)
        assert await ticker.stop() >= 20
        other.close()
        async with engine.connect() as conn:
            names = (await conn.execute(select(items.c.name).order_by(items.c.name))).scalars()
            assert list(names) == ["ours", "theirs"]
    finally:
        await engine.dispose()


async def test_a_long_select_moves_off_the_loop_and_the_transaction_goes_on(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        async with engine.begin() as conn:
            await conn.execute(insert(items).values(name="kept"))
            ticker = _Ticker()
            counted = await conn.execute(text(f"SELECT {_count_to(3_000_000)}"))
            assert counted.scalar_one() == 3_000_000
            assert await ticker.stop() > 0  # the loop turned while it ran
            # a long write is never stopped half-way (that would roll the transaction back)
            await conn.execute(text(f"UPDATE items SET n = {_count_to(1_000_000)}"))
        async with engine.connect() as conn:
            rows = (await conn.execute(select(items.c.name, items.c.n))).all()
            assert [tuple(r) for r in rows] == [("kept", 1_000_000)]
    finally:
        await engine.dispose()

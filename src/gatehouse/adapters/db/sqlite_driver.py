"""SQLAlchemy's aiosqlite driver with one thread hop per statement instead of three or four.

aiosqlite runs each call on the connection's own thread, and SQLAlchemy's adapter makes a
call for each step of a statement: open a cursor, execute, fetch the rows, close the cursor.
Every call is a trip through a queue to that thread and back to the event loop (a future, a
wake-up of the loop through its self-pipe), which on the sign-in path cost more than the
SQL itself (~30 µs of CPU per hop; profile in docs/benchmarks.md, "Sign-in"). Here the four
steps run as one function on the connection's thread, and the cursor's description, row
count, last row id and rows come back together. Same SQL, same connection, same thread, same
transaction; server-side (streaming) cursors keep SQLAlchemy's own class.

Used through ``create_async_engine(url, module=dbapi())``: the URL stays ``sqlite+aiosqlite``.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_, in_greenlet

_Outcome = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    """On the connection's thread: the whole statement, cursor opened and closed here."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statements each take a single trip to the driver's thread."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # no driver cursor up front (opening one is a trip of its own): see _run
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        return None  # nothing is open on the driver's side between statements

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._hop(operation, () if parameters is None else parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        await self._hop(operation, seq_of_parameters, many=True)

    async def _hop(self, operation: str, parameters: Any, *, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._adapt_connection._execute_mutex:
            outcome: _Outcome = await connection._execute(  # type: ignore[no-untyped-call]
                _run, connection._conn, operation, parameters, many
            )
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows)

    def nextset(self) -> None:
        return None  # sqlite3 has no further result sets

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor  # type: ignore[assignment]

    def rollback(self) -> None:
        # The pool rolls back every connection it gets back, also after a commit: with no
        # transaction open, sqlite3's own rollback() does nothing, so skip the trip to the
        # driver's thread that would ask it to. (``in_transaction`` reads SQLite's autocommit
        # flag; no statement is running on a connection being rolled back.)
        driver = self._connection._connection
        if driver is not None and not driver.in_transaction:
            return
        super().rollback()

    def terminate(self) -> None:
        # SQLAlchemy ends an invalidated connection (a statement cancelled half-way) by
        # closing it "gracefully" in a shielded task, and stops the driver's thread if its
        # wait for that is cancelled in turn; the shielded close then queues a second stop
        # that no thread will ever run, and waits for it forever (a task left pending at
        # the event loop's shutdown, seen in CI). For SQLite the graceful close *is* the
        # stop: queue it once — sqlite3's close and the thread's end, after any statement
        # already queued — and wait for it where SQLAlchemy can (not from the GC).
        stopped = self._connection.stop()
        if stopped is not None and in_greenlet():
            await_(stopped)


class OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The DB-API module SQLAlchemy's aiosqlite dialect is handed instead of its own."""

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        creator_fn = kw.pop("async_creator_fn", None)
        connection = creator_fn(*arg, **kw) if creator_fn else self.aiosqlite.connect(*arg, **kw)
        if not creator_fn:
            connection._thread.daemon = True  # as SQLAlchemy's own connect does
        return OneHopConnection(self, await_(connection))


def dbapi() -> OneHopDbapi:
    return OneHopDbapi(aiosqlite, sqlite3)

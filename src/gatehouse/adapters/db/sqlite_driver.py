"""SQLAlchemy's aiosqlite driver, with each statement run on the event loop's thread when it
cannot hold the loop up, and otherwise in one trip to the driver's thread.

aiosqlite runs each call on the connection's own thread, and SQLAlchemy's adapter makes a
call for each step of a statement: open a cursor, execute, fetch the rows, close the cursor.
Every call is a trip through a queue to that thread and back to the event loop (a future, a
wake-up of the loop through its self-pipe, the GIL handed over twice), which on the sign-in
path cost more than the SQL itself (profile in docs/benchmarks.md, "Sign-in"). Yet the SQL of
a statement that finds its rows by an index takes a few microseconds, less than the trip, and
under load — when the machine's cores are busy (Argon2 hashing on both) — each trip also
costs context switches and cold caches.

So a statement runs in one of two places, on the same connection and in the same transaction:

- **On the loop's thread, at once** (no trip, no greenlet switch): SELECT, INSERT (but
  INSERT … SELECT) and UPDATE, SAVEPOINT and RELEASE. Such a statement never waits for
  another process's lock there — the connection's ``busy_timeout`` is 0 — and a SELECT
  that is still running after ``INLINE_BUDGET`` is stopped (SQLite's progress handler;
  stopping a SELECT leaves the transaction as it was). Either way it is then run again, whole,
  on the driver's thread (a statement that met a lock or was stopped changed nothing; if
  SQLite rolled the transaction back instead, the error is raised as it came).
- **On the driver's thread**, in one trip (cursor, execute, fetch and close together), with
  the lock wait the engine was given (``BUSY_WAIT_MS``): everything else — DELETE (the
  prunes may remove many rows), INSERT … SELECT, DDL, PRAGMA, WITH — plus what the first
  place handed over, and COMMIT and ROLLBACK (a commit may checkpoint the WAL, with fsyncs).

Server-side (streaming) cursors keep SQLAlchemy's own class. Used through
``create_async_engine(url, module=dbapi())``: the URL stays ``sqlite+aiosqlite``. The
connection is opened with ``check_same_thread=False``; the pool hands it to one unit of work
at a time, whose statements come one after another, and a statement still running on the
driver's thread (``_execute_mutex`` held) makes the next one queue behind it there.
"""

from __future__ import annotations

import collections
import sqlite3
import time
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_, in_greenlet

_Outcome = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows

BUSY_WAIT_MS = 30_000  # how long a statement on the driver's thread waits for a lock
INLINE_BUDGET = 0.002  # seconds a SELECT may run on the loop's thread before it moves
PROGRESS_STEPS = 2_000  # SQLite VM steps between two looks at the clock
SQLITE_BUSY = 5  # also its extended codes (BUSY_RECOVERY, BUSY_SNAPSHOT, BUSY_TIMEOUT)
SQLITE_INTERRUPT = 9

SELECT, WRITE, THREAD = 0, 1, 2  # where a statement runs: see the module's docstring
_PLACES: dict[str, int] = {}  # SQL text -> place (SQLAlchemy caches its SQL strings)


def place(operation: str) -> int:
    found = _PLACES.get(operation)
    if found is None:
        head = operation.lstrip()[:9].upper()
        if head.startswith("SELECT"):
            found = SELECT
        elif head.startswith(("UPDATE", "SAVEPOINT", "RELEASE")) or (
            head.startswith("INSERT") and " SELECT " not in operation.upper()
        ):
            found = WRITE
        else:
            found = THREAD
        if len(_PLACES) >= 4096:  # SQL with values inlined could grow it without end
            _PLACES.clear()
        _PLACES[operation] = found
    return found


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    """The whole statement, cursor opened and closed here."""
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


def _waiting(connection: sqlite3.Connection, work: Any, *args: Any) -> Any:
    """On the driver's thread: ``work`` with the engine's lock wait (0 on the loop's thread)."""
    connection.execute(f"PRAGMA busy_timeout={BUSY_WAIT_MS}")
    try:
        return work(*args)
    finally:
        connection.execute("PRAGMA busy_timeout=0")


def _commit(connection: sqlite3.Connection) -> None:
    """On the driver's thread. A commit in WAL mode holds the write lock already and waits
    for nothing, so it first goes without the lock wait (setting it costs two statements);
    if it does meet a lock (a journal that is not WAL), it waits as the engine was told."""
    try:
        connection.commit()
    except sqlite3.OperationalError as error:
        if getattr(error, "sqlite_errorcode", 0) & 0xFF != SQLITE_BUSY:
            raise
        _waiting(connection, connection.commit)


class _Budget:
    """A progress handler that stops a statement once it runs past its deadline. It is set
    only while a SELECT runs on the loop's thread, so nothing else pays for it."""

    __slots__ = ("deadline",)

    def __init__(self) -> None:
        self.deadline = 0.0

    def __call__(self) -> int:
        return 1 if time.perf_counter() > self.deadline else 0


def _inline(
    connection: sqlite3.Connection,
    budget: _Budget,
    operation: str,
    parameters: Any,
    many: bool,
    timed: bool,
) -> _Outcome | None:
    """The statement run here, on the loop's thread; None when it must run on the driver's
    thread instead (it met another process's lock, or a SELECT — ``timed`` — ran past its
    budget)."""
    was_open = connection.in_transaction
    if timed:
        budget.deadline = time.perf_counter() + INLINE_BUDGET
        connection.set_progress_handler(budget, PROGRESS_STEPS)
    try:
        return _run(connection, operation, parameters, many)
    except sqlite3.OperationalError as error:
        code = getattr(error, "sqlite_errorcode", 0) & 0xFF
        moved = code == SQLITE_BUSY or (timed and code == SQLITE_INTERRUPT)
        if moved and (not was_open or connection.in_transaction):
            return None  # nothing changed: run it again where it may wait
        raise  # SQLite rolled the transaction back: say so, as the driver's thread would
    finally:
        if timed:
            connection.set_progress_handler(None, 0)


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

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._statement(operation, () if parameters is None else parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._statement(operation, seq_of_parameters, many=True)

    def _statement(self, operation: str, parameters: Any, *, many: bool) -> None:
        try:
            outcome = await_(self._run(operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows)

    async def _run(self, operation: str, parameters: Any, many: bool) -> _Outcome:
        # A coroutine even when the statement runs here at once: SQLAlchemy's AsyncConnection
        # checks that the driver awaited (a coroutine that returns at once costs ~1 µs).
        adapt: OneHopConnection = self._adapt_connection  # type: ignore[assignment]
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        driver: sqlite3.Connection | None = connection._connection
        where = place(operation) if driver is not None else THREAD
        if where != THREAD and not adapt._execute_mutex.locked():
            assert driver is not None
            outcome = _inline(driver, adapt.budget, operation, parameters, many, where == SELECT)
            if outcome is not None:
                return outcome
        async with adapt._execute_mutex:
            moved: _Outcome = await connection._execute(  # type: ignore[no-untyped-call]
                _waiting, connection._conn, _run, connection._conn, operation, parameters, many
            )
        return moved

    def nextset(self) -> None:
        return None  # sqlite3 has no further result sets

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("budget",)
    _cursor_cls = OneHopCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: aiosqlite.Connection) -> None:
        super().__init__(dbapi, connection)  # type: ignore[arg-type]
        self.budget = _Budget()
        driver = connection._conn
        driver.execute("PRAGMA busy_timeout=0")  # on the loop's thread, never wait: see above

    def commit(self) -> None:
        self._on_thread(_commit)  # on the driver's thread: a commit may checkpoint the WAL

    def _on_thread(self, work: Any) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        if connection._connection is None:
            return  # closed: as SQLAlchemy's adapter, nothing to commit or roll back
        try:
            await_(connection._execute(work, connection._conn))  # type: ignore[no-untyped-call]
        except Exception as error:
            self._handle_exception(error)

    def rollback(self) -> None:
        # The pool rolls back every connection it gets back, also after a commit: with no
        # transaction open, sqlite3's own rollback() does nothing, so skip the trip to the
        # driver's thread that would ask it to. (``in_transaction`` reads SQLite's autocommit
        # flag; no statement is running on a connection being rolled back.)
        driver = self._connection._connection
        if driver is not None and not driver.in_transaction:
            return
        self._on_thread(sqlite3.Connection.rollback)

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
        kw["check_same_thread"] = False  # statements also run on the loop's thread (above)
        connection = creator_fn(*arg, **kw) if creator_fn else self.aiosqlite.connect(*arg, **kw)
        if not creator_fn:
            connection._thread.daemon = True  # as SQLAlchemy's own connect does
        return OneHopConnection(self, await_(connection))


def dbapi() -> OneHopDbapi:
    return OneHopDbapi(aiosqlite, sqlite3)

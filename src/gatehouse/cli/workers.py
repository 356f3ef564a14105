"""``gatehouse serve --workers N``: N server processes behind one port, one Runtime each.

The parent migrates the database and creates the demo user once, binds the port (one
``SO_REUSEPORT`` socket per child, so the kernel balances connections), and hands the sockets
to N children (uvicorn's multiprocess supervisor: it restarts a child
that dies or hangs). Each child builds its own Runtime in its own event loop when uvicorn
starts the app (the app factory :func:`worker_app`), so the children share nothing but the
socket, PostgreSQL and Redis — exactly like N nodes on N machines (docs/sync.md):

- events reach the sockets of other children through the Redis bus; the principal cache of
  every child is evicted through its shared channel;
- rate limits are counted in Redis, the sign-in throttle in the database (row locks);
- the matching engine takes each account with ``FOR UPDATE SKIP LOCKED`` and matches an
  order at most once per tick; an alert fires once (a conditional update); pruning is an
  idempotent delete — so running those per child never does anything twice.

Hence N > 1 needs PostgreSQL and Redis: the embedded SQLite default is one process with one
connection (ADR 0002), and without Redis an event written in one child would never reach a
socket held by another. :func:`refusal` says so before anything starts.
"""

from __future__ import annotations

import gc
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn
from uvicorn.supervisors.multiprocess import Multiprocess, Process

from gatehouse.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
APP_FACTORY = "gatehouse.cli.workers:worker_app"


def refusal(settings: Settings, workers: int) -> str | None:
    """Why ``workers`` processes cannot serve with these settings (None: they can)."""
    if workers <= 1:
        return None
    from gatehouse.adapters.db.engine import is_sqlite  # SQLAlchemy loads when a command runs

    if is_sqlite(settings.effective_database_url):
        return (
            f"--workers {workers} needs PostgreSQL (GATEHOUSE_DATABASE_URL): the embedded "
            "SQLite database is served by one process. Use --workers 1, or move to PostgreSQL."
        )
    if not settings.redis_url:
        return (
            f"--workers {workers} needs Redis (GATEHOUSE_REDIS_URL): without it an event "
            "written by one worker would not reach the sockets held by another."
        )
    return None


class WorkerApp:
    """The ASGI app of one child: builds its Runtime on the server's own loop at start-up
    (lifespan), then hands everything to the Gatehouse app built on it."""

    def __init__(self) -> None:
        self._app: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            if scope["type"] != "lifespan":
                raise RuntimeError("a worker serves only after its start-up")
            from gatehouse.api.app import create_app
            from gatehouse.bootstrap import build

            runtime = await build(Settings(), run_migrations=False)  # the parent migrated
            self._app = create_app(runtime)
            gc.freeze()  # as in a single process: long-lived start-up objects leave the GC
        await self._app(scope, receive, send)


def worker_app() -> WorkerApp:
    """uvicorn's app factory in each child (``gatehouse.cli.workers:worker_app``)."""
    return WorkerApp()


class Supervisor(Multiprocess):
    """uvicorn's supervisor giving child ``i`` listening socket ``i`` (one per child, all on
    the same port with ``SO_REUSEPORT``, so the kernel spreads connections evenly: with one
    shared socket the first child to wake accepts a whole burst of keep-alive connections
    and serves them alone). A child started later (a restart) listens on every socket.
    ``ready`` is called once every child has started serving."""

    def __init__(
        self, config: uvicorn.Config, sockets: list[Any], ready: Callable[[list[int]], None]
    ) -> None:
        super().__init__(config, sockets)
        self._ready = ready

    def init_processes(self) -> None:
        for index in range(self.processes_num):
            process = Process(self.config, [self.sockets[index % len(self.sockets)]])
            process.start()
            self.processes.append(process)
        timeout = float(self.config.timeout_worker_healthcheck) * 6
        if all(p.wait_until_ready(timeout, self.should_exit) for p in self.processes):
            self._ready([p.pid for p in self.processes if p.pid is not None])
        else:
            self.should_exit.set()  # a child could not start: stop the others too


def bind_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` TCP sockets bound to one address with ``SO_REUSEPORT`` (port 0: a free one,
    the same for all)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = int(sock.getsockname()[1])
            sock.set_inheritable(True)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def run_workers(
    workers: int,
    host: str,
    port: int,
    options: dict[str, Any],
    ready: Callable[[int, list[int]], None],
) -> None:
    """Serve on ``host:port`` with ``workers`` children until SIGINT/SIGTERM."""
    config = uvicorn.Config(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **options,
    )
    sockets = bind_sockets(host, port, workers)
    bound = int(sockets[0].getsockname()[1])
    try:
        Supervisor(config, sockets, lambda pids: ready(bound, pids)).run()
    finally:
        for sock in sockets:
            sock.close()

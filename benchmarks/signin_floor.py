"""The floor under a sign-in: the same two requests and the same work, with nothing between.

    .venv/bin/python -m benchmarks.signin_floor <port> <database file>

Started by ``benchmarks/signin.py`` as the second baseline of its run (the first is the raw
Argon2id verify rate). A bare Starlette app on uvicorn (httptools, on asyncio's own loop, as
``gatehouse serve`` runs) answers the benchmark's two calls — ``POST /v1/api/auth/login`` and ``POST
/v1/api/auth/login/{id}/verify`` — with the work at the core of a Gatehouse sign-in and
nothing else: the same Argon2id hasher (``Argon2Hasher``, its threads named ``argon2`` so the
benchmark can subtract them), the same TOTP check and sealed secret, and the same 17 SQL
statements in the same three transactions on a copy of the benchmark's own database (the same
tables, indexes and users), each run with Python's ``sqlite3`` on the event loop's thread.
No framework between the request and the SQL: no routing beyond Starlette's, no middleware,
no ORM, no unit of work, no validation models, no domain objects.

What it leaves out, so the floor is a little lower than a faithful copy would be: the
rate-limit windows, the throttle's verdict rules (the rows are read, locked and written, the
rules are not applied), the error paths, the response's session view beyond its token.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import secrets
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gatehouse.adapters.crypto.argon2_hasher import Argon2Hasher
from gatehouse.adapters.crypto.keys import ServerKeys, load_or_create_master_key
from gatehouse.adapters.crypto.sealing import SecretSealer
from gatehouse.domain.identity.factors import totp
from gatehouse.settings import Settings

USER = (
    "SELECT users.id, users.username, users.email, users.phone, users.password_hash, "
    "users.paper_username, users.paper_password_hash, users.live_account_id, "
    "users.paper_account_id, users.role, users.created_at, users.must_change_password, "
    "users.admin_locked, users.totp_secret_sealed, users.totp_last_step, users.event_seq, "
    "users.mobile_idle_seconds, users.extra, 0 AS known_device FROM users "
    "WHERE users.username = ? OR users.paper_username = ? LIMIT 1"
)
LOCK_THROTTLES = (
    'INSERT INTO throttles ("key", failures) VALUES (?, 0), (?, 0) ON CONFLICT ("key") '
    'DO UPDATE SET "key" = excluded."key" '
    'RETURNING "key", failures, last_failure_at, locked_until'
)
SAVE_THROTTLE = (
    'UPDATE throttles SET failures = ?, last_failure_at = ?, locked_until = ? WHERE "key" = ?'
)
FACTOR_FACTS = (
    "SELECT (SELECT code_cards.id FROM code_cards WHERE code_cards.user_id = ? "
    "AND code_cards.active IS 1 LIMIT 1)"
)
INSERT_ATTEMPT = (
    "INSERT INTO login_attempts (public_id, user_id, platform, environment, created_at, "
    "expires_at, client_address, device_name, user_agent, state, code_failures, "
    "challenge_factor, challenge_expires_at, challenge, session_public_id, throttle_key) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL, '{}', NULL, ?)"
)
INSERT_AUDIT = (
    "INSERT INTO audit_log (at, event, user_id, username, platform, environment, "
    "client_address, factor, actor, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?)"
)
RELEASE_THROTTLES = (
    "UPDATE throttles SET failures = (throttles.failures - 1), locked_until = NULL "
    'WHERE throttles."key" IN (?, ?) AND throttles.failures > 0'
)
ATTEMPT_WITH_USER = (
    "SELECT login_attempts.*, users.* FROM login_attempts "
    "JOIN users ON users.id = login_attempts.user_id WHERE login_attempts.public_id = ?"
)
PEEK_THROTTLES = (
    'SELECT "key", failures, last_failure_at, locked_until FROM throttles WHERE "key" IN (?, ?)'
)
TOTP_STEP = "UPDATE users SET totp_last_step = ? WHERE users.id = ?"
INSERT_SESSION = (
    "INSERT INTO sessions (public_id, token_hash, user_id, platform, environment, created_at, "
    "last_seen_at, expires_at, idle_seconds, device_name, client_address, user_agent, "
    "ended_at, end_reason, scope, device_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 'trade', NULL) RETURNING id"
)
END_ATTEMPT = "UPDATE login_attempts SET state = ?, session_public_id = ? WHERE id = ?"
CLEAR_THROTTLE = (
    "UPDATE throttles SET failures = 0, last_failure_at = NULL, locked_until = NULL "
    'WHERE throttles."key" = ? AND (throttles.failures != 0 '
    "OR throttles.last_failure_at IS NOT NULL OR throttles.locked_until IS NOT NULL)"
)
INSERT_DEVICE = (
    "INSERT INTO known_devices (token_hash, user_id, platform, created_at) VALUES (?, ?, ?, ?)"
)
NEXT_SEQ = (
    "UPDATE users SET event_seq = (users.event_seq + 1) WHERE users.id = ? RETURNING event_seq"
)
INSERT_EVENT = (
    "INSERT INTO events (user_id, seq, type, account, at, data) VALUES (?, ?, ?, ?, ?, ?)"
)


def stamp(at: datetime) -> str:
    """A timestamp as SQLAlchemy stores it in SQLite."""
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


@contextlib.contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN … COMMIT, or ROLLBACK when the block raises."""
    db.execute("BEGIN")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def answer(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status, media_type="application/json")


def build(path: str) -> Starlette:
    settings = Settings()
    hasher = Argon2Hasher(
        memory_kib=settings.argon2_memory_kib,
        time_cost=settings.argon2_time_cost,
        parallelism=settings.argon2_parallelism,
    )
    keys = ServerKeys.derive(load_or_create_master_key(settings.home, settings.secret_key))
    sealer = SecretSealer(keys.sealing)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.row_factory = sqlite3.Row

    async def login(request: Request) -> Response:
        body = await request.json()
        name, password = str(body["username"]).lower(), str(body["password"])
        platform = str(body.get("platform", "web"))
        address = request.client.host if request.client else ""
        now = datetime.now(UTC)
        with transaction(db):
            user = db.execute(USER, (name, name)).fetchone()
            keys = (f"account:{user['id'] if user else name}", f"address:{address}")
            rows = db.execute(LOCK_THROTTLES, sorted(keys)).fetchall()
            db.executemany(
                SAVE_THROTTLE,
                [(r["failures"] + 1, stamp(now), r["locked_until"], r["key"]) for r in rows],
            )
        ok = await hasher.verify(user["password_hash"] if user else None, password)
        if not ok or user is None:
            return answer({"error": "invalid_credentials"}, 401)
        public_id = secrets.token_urlsafe(16)
        with transaction(db):
            db.execute(FACTOR_FACTS, (user["id"],)).fetchone()
            db.execute(
                INSERT_ATTEMPT,
                (public_id, user["id"], platform, "live", stamp(now),
                 stamp(now + timedelta(minutes=5)), address, "", "", "second_factor", keys[0]),
            )  # fmt: skip
            db.execute(
                INSERT_AUDIT,
                (stamp(now), "login.password_ok", user["id"], user["username"], platform,
                 "live", address, "", "{}"),
            )  # fmt: skip
            db.execute(RELEASE_THROTTLES, keys)
        return answer({"login_id": public_id, "state": "second_factor", "factors": ["totp"]})

    async def verify(request: Request) -> Response:
        body = await request.json()
        address = request.client.host if request.client else ""
        now = datetime.now(UTC)
        with transaction(db):
            found = db.execute(ATTEMPT_WITH_USER, (request.path_params["login_id"],)).fetchone()
            if found is None:
                return answer({"error": "login_not_found"}, 404)
            attempt_id, user_id = found[0], found["user_id"]
            key = found["throttle_key"]
            db.execute(PEEK_THROTTLES, (key, f"address:{address}")).fetchall()
            secret = sealer.open(found["totp_secret_sealed"], context=f"totp:{user_id}")
            matched = totp.verify(
                secret, str(body["code"]), at=now, last_used_step=found["totp_last_step"]
            )
            db.execute(TOTP_STEP, (matched.step, user_id))
            token = secrets.token_urlsafe(32)
            session_id = secrets.token_urlsafe(16)
            db.execute(
                INSERT_SESSION,
                (session_id, hashlib.sha256(token.encode()).hexdigest(), user_id,
                 found["platform"], "live", stamp(now), stamp(now),
                 stamp(now + timedelta(hours=24)), 3600, "", address, ""),
            ).fetchone()  # fmt: skip
            db.execute(END_ATTEMPT, ("completed", session_id, attempt_id))
            db.execute(CLEAR_THROTTLE, (key,))
            device = secrets.token_urlsafe(32)
            db.execute(
                INSERT_DEVICE,
                (hashlib.sha256(device.encode()).hexdigest(), user_id, found["platform"],
                 stamp(now)),
            )  # fmt: skip
            db.execute(
                INSERT_AUDIT,
                (stamp(now), "login.succeeded", user_id, found["username"], found["platform"],
                 "live", address, "totp", json.dumps({"session_id": session_id})),
            )  # fmt: skip
            seq = db.execute(NEXT_SEQ, (user_id,)).fetchone()[0]
            db.execute(
                INSERT_EVENT,
                (user_id, seq, "session.started", "", stamp(now),
                 json.dumps({"session_id": session_id, "platform": found["platform"]})),
            )  # fmt: skip
        return answer({"session_id": session_id, "token": token, "device_token": device})

    return Starlette(
        routes=[
            Route("/v1/api/auth/login", login, methods=["POST"]),
            Route("/v1/api/auth/login/{login_id}/verify", verify, methods=["POST"]),
            Route("/healthz", lambda _: answer({"status": "ok"})),
        ]
    )


if __name__ == "__main__":
    port, path = int(sys.argv[1]), sys.argv[2]
    asyncio.run(
        uvicorn.Server(
            uvicorn.Config(build(path), host="127.0.0.1", port=port, log_level="warning")
        ).serve()
    )

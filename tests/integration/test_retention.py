"""The node's pruning of identity's short-lived rows and of the event log (docs/retention.md):
the rows no longer needed go, a bounded batch a transaction, and the rows still needed stay —
on SQLite and on PostgreSQL (the ``runtime`` fixture runs each test on both)."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Table, select
from tests.support.signin import bearer, full_signin, login
from tests.support.state import throttle_failures
from tests.support.sync import append, user_id

from gatehouse.adapters.db.identity import tables as t
from gatehouse.adapters.db.identity import tables_gateway, tables_key, tables_recovery
from gatehouse.bootstrap import Runtime
from gatehouse.domain.clock import FakeClock
from gatehouse.domain.identity.factors import totp
from gatehouse.domain.identity.factors.push import PushChallenge
from gatehouse.domain.identity.gateway_devices import GatewayChallenge, GatewayDevice
from gatehouse.domain.identity.key_devices import KeyActivation
from gatehouse.domain.identity.login_flow import LoginAttempt, LoginState
from gatehouse.domain.identity.recovery import RecoveryAttempt, RecoveryToken
from gatehouse.domain.identity.retention import throttle_retention
from gatehouse.domain.identity.sessions import EndReason, Session
from gatehouse.domain.identity.throttle import Throttle, account_key, address_key
from gatehouse.service.identity import retention
from gatehouse.service.ports import UnitOfWork
from gatehouse.service.sync import log

WRONG = "Wrong-Horse-42-battery"
ADDRESS_FAILURES = 5


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"throttle_address_failures": ADDRESS_FAILURES, "rate_limit_login": "1000/minute"}


Seed = Callable[[UnitOfWork, int, str, datetime], Awaitable[None]]


@dataclass(frozen=True)
class Kind:
    """One kind of row: how to store one that expires (the outbox: was sent) at an instant,
    where it lives, what the node's log calls it, and how long past that instant it stays."""

    name: str
    table: Table
    id_column: str
    seed: Seed
    prune: Callable[..., Awaitable[int]]
    batch: Callable[[UnitOfWork, datetime, int], Awaitable[int]]
    kept_past: timedelta


async def seed_push(uow: UnitOfWork, uid: int, rid: str, at: datetime) -> None:
    await uow.key.add_challenge(
        PushChallenge(
            nonce=rid,
            login_id="l-" + rid,
            user_id=uid,
            number=42,
            choices=[17, 42, 73],
            platform="web",
            environment="live",
            client_address="10.0.0.1",
            created_at=at - timedelta(seconds=120),
            expires_at=at,
        )
    )


async def seed_activation(uow: UnitOfWork, uid: int, rid: str, at: datetime) -> None:
    await uow.key.add_activation(
        KeyActivation(rid, uid, "activation", created_at=at - timedelta(seconds=600), expires_at=at)
    )


async def seed_token(uow: UnitOfWork, uid: int, rid: str, at: datetime) -> None:
    await uow.recovery.add_token(
        RecoveryToken(rid, uid, "email", created_at=at - timedelta(seconds=1800), expires_at=at)
    )


async def seed_attempt(uow: UnitOfWork, uid: int, rid: str, at: datetime) -> None:
    await uow.recovery.add_attempt(
        RecoveryAttempt(
            rid, "alice", ["q1", "q2", "q3"], created_at=at - timedelta(seconds=600), expires_at=at
        )
    )


async def seed_nonce(uow: UnitOfWork, uid: int, rid: str, at: datetime) -> None:
    """A nonce of a gateway device that was revoked: it never asks for another one, so the
    nonces it was handed (``add_challenge`` drops a device's expired ones only then) stay."""
    if await uow.gateways.get("gw1") is None:
        start = at - timedelta(days=30)
        device = GatewayDevice("gw1", uid, "bot", "k" * 43, "live", "trade", start, start)
        await uow.gateways.add(device)
        await uow.gateways.revoke("gw1", at=start, by="test")
    # handed out well before (a challenge's own ``add_challenge`` drops the device's nonces
    # expired by then: none of these)
    created = at - timedelta(days=3)
    await uow.gateways.add_challenge(GatewayChallenge(rid, "gw1", created, at))


async def seed_sms(uow: UnitOfWork, uid: int, rid: str, at: datetime) -> None:
    await uow.sms_outbox.add(to="+15551234567", text=f"Gatehouse code {rid}", at=at)


def attempt_row(uid: int, rid: str, at: datetime, session: str | None = None) -> LoginAttempt:
    """A sign-in attempt that expires at ``at``: completed into ``session``, or left open."""
    return LoginAttempt(
        rid,
        uid,
        "workstation",
        "live",
        created_at=at - timedelta(minutes=5),
        expires_at=at,
        state=LoginState.COMPLETED.value if session else LoginState.SECOND_FACTOR.value,
        session_public_id=session,
    )


async def add_session(
    uow: UnitOfWork, uid: int, rid: str, *, created: datetime, expires: datetime, ended=None
) -> None:
    """A session and the completed sign-in attempt behind it (``a-`` and its id)."""
    await uow.sessions.add(
        Session(
            public_id=rid,
            token_hash="h-" + rid,
            user_id=uid,
            platform="workstation",
            environment="live",
            created_at=created,
            last_seen_at=created,
            expires_at=expires,
            idle_seconds=7200,
            ended_at=ended,
            end_reason=None if ended is None else EndReason.LOGOUT.value,
        )
    )
    opened_by = attempt_row(uid, "a-" + rid, created + timedelta(minutes=5), session=rid)
    await uow.logins.insert(opened_by)  # created with the session


async def seed_ended_session(uow: UnitOfWork, uid: int, rid: str, at: datetime) -> None:
    """A session signed out at ``at``, its expiry still a day later (``live``: not ended)."""
    ended = None if rid == "live" else at
    created, expires = at - timedelta(hours=1), at + timedelta(days=1)
    await add_session(uow, uid, rid, created=created, expires=expires, ended=ended)


async def seed_expired_session(uow: UnitOfWork, uid: int, rid: str, at: datetime) -> None:
    """A session never ended (say, idle and never used again), whose lifetime ends at ``at``."""
    await add_session(uow, uid, rid, created=at - timedelta(days=1), expires=at)


async def seed_unfinished(uow: UnitOfWork, uid: int, rid: str, at: datetime) -> None:
    """A sign-in attempt that opened no session (left at its second factor), expiring at ``at``."""
    await uow.logins.insert(attempt_row(uid, rid, at))


def _batch(method: str, repository: str) -> Callable[[UnitOfWork, datetime, int], Awaitable[int]]:
    async def one(uow: UnitOfWork, before: datetime, limit: int) -> int:
        prune: Any = getattr(getattr(uow, repository), method)
        return int(await prune(before=before, limit=limit))

    return one


def _sessions_batch(method: str) -> Callable[[UnitOfWork, datetime, int], Awaitable[int]]:
    async def one(uow: UnitOfWork, before: datetime, limit: int) -> int:
        gone = await getattr(uow.sessions, method)(before=before, limit=limit)
        await uow.logins.prune_of_sessions(gone)
        return len(gone)

    return one


K = tables_key
R = tables_recovery
KINDS = {
    "push": Kind(
        "push requests",
        K.push_challenges,
        "nonce",
        seed_push,
        retention.push_challenges,
        _batch("prune_challenges", "key"),
        timedelta(days=1),
    ),
    "activation": Kind(
        "Key activation codes",
        K.key_activations,
        "code_hash",
        seed_activation,
        retention.key_activations,
        _batch("prune_activations", "key"),
        timedelta(hours=1),
    ),
    "token": Kind(
        "recovery tokens",
        R.recovery_tokens,
        "token_hash",
        seed_token,
        retention.recovery_tokens,
        _batch("prune_tokens", "recovery"),
        timedelta(days=1),
    ),
    "attempt": Kind(
        "recovery attempts",
        R.recovery_attempts,
        "public_id",
        seed_attempt,
        retention.recovery_attempts,
        _batch("prune_attempts", "recovery"),
        timedelta(hours=1),
    ),
    "nonce": Kind(
        "gateway sign-in nonces",
        tables_gateway.gateway_challenges,
        "nonce",
        seed_nonce,
        retention.gateway_nonces,
        _batch("prune_challenges", "gateways"),
        timedelta(hours=1),
    ),
    "sms": Kind(
        "SMS outbox messages",
        t.sms_outbox,
        "text",
        seed_sms,
        retention.sms_outbox,
        _batch("prune", "sms_outbox"),
        timedelta(days=7),  # GATEHOUSE_SMS_OUTBOX_DAYS
    ),
    "session-ended": Kind(
        "ended sessions",
        t.sessions,
        "public_id",
        seed_ended_session,
        retention.ended_sessions,
        _sessions_batch("prune_ended"),
        timedelta(days=30),  # GATEHOUSE_SESSION_RETENTION_DAYS
    ),
    "session-expired": Kind(
        "ended sessions",
        t.sessions,
        "public_id",
        seed_expired_session,
        retention.ended_sessions,
        _sessions_batch("prune_expired"),
        timedelta(days=30),
    ),
    "unfinished-login": Kind(
        "unfinished sign-in attempts",
        t.login_attempts,
        "public_id",
        seed_unfinished,
        retention.unfinished_logins,
        _batch("prune_unfinished", "logins"),
        timedelta(days=30),
    ),
}


async def stored(runtime: Runtime, kind: Kind) -> set[str]:
    column = kind.table.c[kind.id_column]
    async with runtime.engine.connect() as conn:
        found = {str(r[0]) for r in (await conn.execute(select(column))).all()}
    return {v.removeprefix("Gatehouse code ") for v in found}


async def seed(runtime: Runtime, kind: Kind, rows: dict[str, datetime]) -> None:
    uid = await user_id(runtime, "alice")
    async with runtime.ctx.uow() as uow:
        for rid, at in rows.items():
            await kind.seed(uow, uid, rid, at)
        await uow.commit()


@pytest.mark.parametrize("which", sorted(KINDS))
async def test_rows_past_their_retention_go_and_the_others_stay(runtime, alice, clock, which):
    kind = KINDS[which]
    now, minute = clock.now(), timedelta(minutes=1)
    await seed(
        runtime,
        kind,
        {
            "gone": now - kind.kept_past - minute,  # past expiry and past its grace
            "grace": now - kind.kept_past + minute,  # past expiry, grace not over yet
            "live": now + 5 * minute if which != "sms" else now,  # unexpired (a code just sent)
        },
    )
    pruned = await runtime.sync.prune_identity_now()
    assert pruned[kind.name] == 1
    assert sum(pruned.values()) == 1  # nothing of any other kind
    assert await stored(runtime, kind) == {"grace", "live"}

    clock.advance(seconds=120)  # now its grace is over too
    assert (await runtime.sync.prune_identity_now())[kind.name] == 1
    assert await stored(runtime, kind) == {"live"}


@pytest.mark.parametrize("which", sorted(KINDS))
async def test_a_backlog_goes_in_bounded_batches_oldest_first(runtime, alice, clock, which):
    kind = KINDS[which]
    long_ago = clock.now() - kind.kept_past - timedelta(days=1)
    old = {f"old-{n}": long_ago + timedelta(minutes=n) for n in range(5)}
    await seed(runtime, kind, {**old, "live": clock.now()})

    before = clock.now() - kind.kept_past
    async with runtime.ctx.uow() as uow:  # one batch deletes at most its limit, oldest first
        assert await kind.batch(uow, before, 2) == 2
        await uow.commit()
    assert await stored(runtime, kind) == {"old-2", "old-3", "old-4", "live"}
    assert await kind.prune(runtime.ctx, batch=2) == 3  # batches (2, 1) until a short one
    assert await stored(runtime, kind) == {"live"}
    assert await kind.prune(runtime.ctx, batch=2) == 0


async def attempts_behind(runtime: Runtime) -> dict[str, str | None]:
    """Every stored sign-in attempt: its id, and the session it completed into."""
    c = t.login_attempts.c
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(select(c.public_id, c.session_public_id))).all()
    return {str(r[0]): r[1] for r in rows}


@pytest.mark.parametrize("which", ["session-ended", "session-expired"])
async def test_a_session_goes_with_the_attempts_behind_it_and_only_those(
    runtime, alice, clock, which
):
    kind = KINDS[which]
    long_ago = clock.now() - kind.kept_past - timedelta(days=1)
    old = {f"old-{n}": long_ago + timedelta(minutes=n) for n in range(5)}
    await seed(runtime, kind, {**old, "live": clock.now()})
    uid = await user_id(runtime, "alice")
    async with runtime.ctx.uow() as uow:  # an attempt that opened no session, still open
        await uow.logins.insert(attempt_row(uid, "open", clock.now() + timedelta(minutes=5)))
        await uow.commit()

    before = clock.now() - kind.kept_past
    async with runtime.ctx.uow() as uow:
        assert await kind.batch(uow, before, 2) == 2
        await uow.commit()
    left = {f"old-{n}" for n in range(2, 5)} | {"live"}
    assert await attempts_behind(runtime) == {"open": None} | {"a-" + s: s for s in left}
    assert await kind.prune(runtime.ctx, batch=2) == 3
    assert await attempts_behind(runtime) == {"open": None, "a-live": "live"}


async def last_full_signin(runtime: Runtime, session_id: str) -> datetime | None:
    async with runtime.ctx.uow() as uow:
        return await uow.passkeys.last_full_signin(session_id)


async def test_sign_ins_are_pruned_but_what_a_live_session_reads_stays(
    client, runtime, alice, clock
):
    """Real sign-ins (Workstation: 2 h idle, 24 h lifetime) over a month: the sessions over
    more than GATEHOUSE_SESSION_RETENTION_DAYS (30) ago go with their attempts, and the
    attempts that opened no session as long past their expiry; a live session, one ended
    inside the retention, the attempts behind them (so ``last_full_signin`` answers the same),
    an open attempt and one just expired all stay."""
    ws = {"platform": "workstation"}

    async def started() -> str:
        answer = await login(client, alice.username, alice.password, **ws)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["login_id"])

    async def sign_out(session: dict[str, Any]) -> None:
        out = await client.post("/v1/api/logout", headers=bearer(session["token"]))
        assert out.status_code == 200, out.text

    signed_out = await full_signin(client, alice, clock, **ws)  # ends 32 days before the prune
    await sign_out(signed_out)
    left_idle = await full_signin(client, alice, clock, **ws)  # never ended: expires in 24 h
    abandoned = await started()  # left at its second factor; expires in 5 minutes
    clock.advance(days=3)
    recent = await full_signin(client, alice, clock, **ws)
    await sign_out(recent)  # 29 days before the prune: inside the retention
    clock.advance(days=29)
    lapsed = await started()
    clock.advance(minutes=6)  # expired a minute ago
    live = await full_signin(client, alice, clock, **ws)
    clock.advance(seconds=30)  # and a step-up inside it: a newer full sign-in behind it
    headers = bearer(live["token"])
    step = await client.post(
        "/v1/api/me/step-up", json={"password": alice.password}, headers=headers
    )
    assert step.status_code == 200, step.text
    confirmed = await client.post(
        f"/v1/api/me/step-up/{step.json()['login_id']}/verify",
        json={"factor": "totp", "code": totp.code_at(alice.totp_secret, at=clock.now())},
        headers=headers,
    )
    assert confirmed.status_code == 200, confirmed.text
    pending = await started()

    ids = {s["session_id"] for s in (signed_out, left_idle, recent, live)}
    behind = {sid: await last_full_signin(runtime, sid) for sid in ids}
    assert all(behind.values())
    assert behind[live["session_id"]] == clock.now()  # the step-up's, not the sign-in's

    pruned = await runtime.sync.prune_identity_now()
    assert pruned["ended sessions"] == 2  # one signed out, one expired
    assert pruned["unfinished sign-in attempts"] == 1

    async with runtime.engine.connect() as conn:
        sessions = {r[0] for r in (await conn.execute(select(t.sessions.c.public_id))).all()}
    assert sessions == {recent["session_id"], live["session_id"]}
    attempts = await attempts_behind(runtime)
    assert sorted(s for s in attempts.values() if s) == sorted(
        [recent["session_id"], live["session_id"], live["session_id"]]  # its sign-in, step-up
    )
    assert {a for a, s in attempts.items() if s is None} == {lapsed, pending}
    assert abandoned not in attempts

    for sid in (recent["session_id"], live["session_id"]):
        assert await last_full_signin(runtime, sid) == behind[sid]
    for sid in (signed_out["session_id"], left_idle["session_id"]):
        assert await last_full_signin(runtime, sid) is None

    me = await client.get("/v1/api/me", headers=headers)
    assert me.status_code == 200, me.text  # the live session still works
    # a client coming back with a token ended inside the retention is told it expired; one
    # whose session was pruned only that it is not signed in (both: sign in again)
    told = await client.get("/v1/api/me", headers=bearer(recent["token"]))
    assert (told.status_code, told.json()["error"]) == (401, "session_expired")
    gone = await client.get("/v1/api/me", headers=bearer(signed_out["token"]))
    assert (gone.status_code, gone.json()["error"]) == (401, "not_authenticated")
    assert await runtime.sync.prune_identity_now() == dict.fromkeys(pruned, 0)


@pytest.mark.parametrize(
    "settings_overrides", [{"session_retention_days": 1, "rate_limit_login": "1000/minute"}]
)
async def test_a_live_session_keeps_its_attempts_however_short_the_retention(runtime, alice, clock):
    """GATEHOUSE_SESSION_RETENTION_DAYS=1 and a Mobile session (30 days' lifetime) opened 3
    days ago: its sign-in attempt expired long past the retention, but it stays while the
    session is unexpired and unended, and so ``last_full_signin`` still answers."""
    now, uid = clock.now(), await user_id(runtime, "alice")
    async with runtime.ctx.uow() as uow:
        opened = now - timedelta(days=3)
        await add_session(uow, uid, "mobile", created=opened, expires=opened + timedelta(days=30))
        ended = now - timedelta(days=2)  # over two days ago: past this retention
        await add_session(
            uow, uid, "over", created=ended, expires=now + timedelta(days=1), ended=ended
        )
        await uow.logins.insert(attempt_row(uid, "lapsed", now - timedelta(days=2)))
        await uow.commit()
    assert await last_full_signin(runtime, "mobile") == opened

    pruned = await runtime.sync.prune_identity_now()
    assert (pruned["ended sessions"], pruned["unfinished sign-in attempts"]) == (1, 1)
    assert await attempts_behind(runtime) == {"a-mobile": "mobile"}
    assert await last_full_signin(runtime, "mobile") == opened


async def test_the_sms_outbox_keeps_a_code_just_sent_readable(runtime, alice, clock):
    """The README tour and the tests read codes from the outbox: one still valid stays."""
    async with runtime.ctx.uow() as uow:
        await uow.sms_outbox.add(to=alice.phone, text="old", at=clock.now() - timedelta(days=8))
        await uow.commit()
    await runtime.ctx.sms.send(alice.phone, "Gatehouse code 123456")
    await runtime.sync.prune_identity_now()
    async with runtime.ctx.uow() as uow:
        assert [m["text"] for m in await uow.sms_outbox.latest(to=alice.phone)] == [
            "Gatehouse code 123456"
        ]


# --- throttles ------------------------------------------------------------------------------
# a known device's key is "device:" and its token's hash; "known" still has its device row
KEYS = ("account:", "name:", "gateway:", "recovery:", "address:", "known", "gone")


def throttle_grid(now: datetime) -> list[Throttle]:
    """Rows of every kind of key, count, age and lockout (each with a key of its own)."""
    rows, n = [], itertools.count()
    ages = (None, 60, 43199, 43200, 86400, 86401, 30 * 86400)
    for kind, failures, age, lock in itertools.product(
        KEYS, (0, 1, 9, 10, 50, 99, 100), ages, (None, -60, 60)
    ):
        if age is None and failures:
            continue
        last = None if age is None else now - timedelta(seconds=age)
        until = None if lock is None else now + timedelta(seconds=lock)
        number = next(n)
        key = f"{kind}{number}" if kind.endswith(":") else f"device:{kind[0]}{number:063d}"
        rows.append(Throttle(key, failures, last, until))
    return rows


async def stored_throttles(runtime: Runtime) -> set[str]:
    async with runtime.engine.connect() as conn:
        return {str(r[0]) for r in (await conn.execute(select(t.throttles.c.key))).all()}


async def test_throttle_rows_go_exactly_when_they_hold_nothing(runtime, alice, clock):
    """Every kind of row, on this backend's SQL: deleted exactly when the domain's rule
    (whose rows behave as missing ones: tests/unit/test_retention_rules.py) says so."""
    now = clock.now()
    rows = throttle_grid(now)
    uid = await user_id(runtime, "alice")
    known = {r.key for r in rows if r.key.startswith("device:k")}
    async with runtime.ctx.uow() as uow:
        await uow.throttles.lock_many([r.key for r in rows])
        await uow.throttles.save(rows)
        for key in known:
            await uow.known_devices.add(uid, key.removeprefix("device:"), platform="api", at=now)
        await uow.commit()

    rule = throttle_retention(
        now,
        account=runtime.ctx.account_throttle,
        device=runtime.ctx.device_throttle,
        address=runtime.ctx.address_throttle,
    )
    expected = {
        r.key
        for r in rows
        if not rule.forgettable(r, device_known=not r.key.startswith("device:g"))
    }
    assert 0 < len(expected) < len(rows)
    deleted = await retention.throttles(runtime.ctx, batch=100)  # windows of 100 keys
    assert await stored_throttles(runtime) == expected
    assert deleted == len(rows) - len(expected)
    assert await retention.throttles(runtime.ctx, batch=100) == 0


async def test_throttle_windows_loop_to_the_end(runtime, alice, clock):
    now = clock.now()
    gone = [Throttle(f"address:10.0.0.{n}", 1, now - timedelta(days=1)) for n in range(5)]
    kept = [Throttle(f"address:10.0.1.{n}", 1, now - timedelta(hours=1)) for n in range(3)]
    async with runtime.ctx.uow() as uow:
        await uow.throttles.lock_many([r.key for r in gone + kept])
        await uow.throttles.save(gone + kept)
        await uow.commit()
    assert await retention.throttles(runtime.ctx, batch=2) == 5  # four windows of two keys
    assert await stored_throttles(runtime) == {r.key for r in kept}


async def fail(client: httpx.AsyncClient, clock: FakeClock, times: int) -> None:
    """Wrong passwords for alice, each as soon as the throttles allow it."""
    done = 0
    while done < times:
        answer = await login(client, "alice", WRONG)
        if answer.status_code == 429:
            clock.advance(answer.json()["retry_after"])
            continue
        assert answer.status_code == 401, answer.text
        done += 1


async def test_a_lockout_in_force_and_strangers_failures_survive_pruning(
    client, runtime, alice, clock
):
    """Strangers' failures on an account are never forgotten with time (the hard cap counts
    them); an address's lockout holds while it lasts, and its failures are forgotten after
    GATEHOUSE_THROTTLE_RESET_SECONDS — then its row goes."""
    uid = await user_id(runtime, "alice")
    await fail(client, clock, ADDRESS_FAILURES)
    address = address_key("127.0.0.1")
    assert await throttle_failures(runtime, address) == ADDRESS_FAILURES
    locked = await login(client, "alice", WRONG)  # the address's 15 minutes, not a delay
    assert locked.status_code == 429 and locked.json()["retry_after"] > 60, locked.text

    clock.advance(days=2)  # everything else is long expired by now
    await runtime.sync.prune_identity_now()
    assert await throttle_failures(runtime, account_key(uid)) == ADDRESS_FAILURES
    assert address not in await stored_throttles(runtime)  # forgotten after 12 h
    assert account_key(uid) in await stored_throttles(runtime)

    # a fresh lockout of the address, and pruning while it is in force
    await fail(client, clock, ADDRESS_FAILURES)
    await runtime.sync.prune_identity_now()
    assert await throttle_failures(runtime, address) == ADDRESS_FAILURES
    again = await login(client, "alice", WRONG)
    assert again.status_code == 429 and again.json()["retry_after"] > 60, again.text
    assert await throttle_failures(runtime, account_key(uid)) == 2 * ADDRESS_FAILURES


# --- the event log ----------------------------------------------------------------------
async def test_the_event_log_is_pruned_in_bounded_batches(runtime, alice, clock):
    uid = await user_id(runtime, "alice")
    for _ in range(5):
        clock.advance(seconds=1)
        await append(runtime, uid, 1)
    clock.advance(days=8)
    await append(runtime, uid, 1)
    async with runtime.ctx.uow() as uow:
        before = {e.seq: e.at for e in await uow.events.since(uid, 0)}
        cutoff = clock.now() - timedelta(days=7)
        assert await uow.events.prune(before=cutoff, limit=2) == 2
        await uow.commit()
    async with runtime.ctx.uow() as uow:
        after = {e.seq: e.at for e in await uow.events.since(uid, 0)}
    assert len(after) == len(before) - 2 and set(after) < set(before)
    gone = set(before) - set(after)
    assert max(before[s] for s in gone) <= min(after.values())  # the oldest two went
    # the rest of the old ones go in batches of two until a short one; the new one stays
    assert await log.prune(runtime.ctx, retention_days=7, batch=2) == len(before) - 3
    async with runtime.ctx.uow() as uow:
        assert [e.seq for e in await uow.events.since(uid, 0)] == [max(before)]

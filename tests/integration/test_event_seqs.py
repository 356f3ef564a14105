"""Event seqs are given at the commit, all of a transaction's at once: per user consecutive,
in the order the events were recorded, after what the user already had; a rolled-back
transaction takes none."""

from __future__ import annotations

from tests.conftest import make_user
from tests.support.sync import user_id

from gatehouse.bootstrap import Runtime


async def _record(runtime: Runtime, script: list[tuple[int, str]], *, commit: bool) -> list:
    async with runtime.ctx.uow() as uow:
        events = [
            await uow.events.append(
                user_id=uid, type="watchlist.changed", account="", data={"n": n},
                at=runtime.ctx.clock.now(),
            )
            for uid, n in script
        ]  # fmt: skip
        if commit:
            await uow.commit()
    return events


async def _seqs(runtime: Runtime, uid: int) -> list[tuple[int, object]]:
    async with runtime.ctx.uow() as uow:
        return [(e.seq, e.data["n"]) for e in await uow.events.since(uid, 0)]


async def test_seqs_are_consecutive_per_user_in_recording_order(runtime: Runtime):
    await make_user(runtime, "alice")
    await make_user(runtime, "bob", phone="+15551234568")
    alice, bob = await user_id(runtime, "alice"), await user_id(runtime, "bob")
    before = {uid: len(await _seqs(runtime, uid)) for uid in (alice, bob)}
    script = [(bob, "b1"), (alice, "a1"), (bob, "b2"), (alice, "a2"), (alice, "a3")]
    events = await _record(runtime, script, commit=True)
    assert [e.seq for e in events] == [
        before[bob] + 1,
        before[alice] + 1,
        before[bob] + 2,
        before[alice] + 2,
        before[alice] + 3,
    ]
    assert (await _seqs(runtime, alice))[before[alice] :] == [
        (before[alice] + 1, "a1"), (before[alice] + 2, "a2"), (before[alice] + 3, "a3")
    ]  # fmt: skip
    await _record(runtime, [(alice, "lost")], commit=False)  # rolled back: takes no seq
    [after] = await _record(runtime, [(alice, "a4")], commit=True)
    assert after.seq == before[alice] + 4
    assert [seq for seq, _ in await _seqs(runtime, alice)] == list(range(1, before[alice] + 5))

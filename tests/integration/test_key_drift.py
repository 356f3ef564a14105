"""Device clock drift: the answers tell the user their clock looks off, and by how much."""

from __future__ import annotations

from datetime import timedelta

from tests.support.signin import started_login, verify

from gatehouse.domain.identity.factors import totp


def code_off_by(secret, clock, steps):
    return totp.code_at(secret, at=clock.now() + timedelta(seconds=steps * totp.STEP_SECONDS))


async def test_a_code_one_step_off_signs_in_with_a_clock_notice(client, alice, clock):
    for steps in (-1, 1):
        clock.advance(60)
        login_id = await started_login(client, alice)
        code = code_off_by(alice.totp_secret, clock, steps)
        done = await verify(client, login_id, "totp", code)
        assert done.status_code == 200, done.text
        body = done.json()
        assert body["notices"] == ["clock_drift"]
        assert body["clock_offset_seconds"] == steps * 30
        assert "automatic" in body["clock_message"]
    clock.advance(60)  # on time: no notice
    again = await started_login(client, alice)
    ok = await verify(client, again, "totp", totp.code_at(alice.totp_secret, at=clock.now()))
    assert "notices" not in ok.json() and "clock_offset_seconds" not in ok.json()


async def test_a_code_from_a_slow_clock_is_refused_with_the_offset(client, alice, clock):
    login_id = await started_login(client, alice)
    refused = await verify(client, login_id, "totp", code_off_by(alice.totp_secret, clock, -4))
    assert refused.status_code == 401
    body = refused.json()
    assert body["error"] == "invalid_code"
    assert body["clock_offset_seconds"] == -120
    assert "120 seconds behind" in body["message"] and "automatic" in body["message"]
    far = await verify(client, login_id, "totp", code_off_by(alice.totp_secret, clock, -30))
    assert far.json()["error"] == "invalid_code" and "clock_offset_seconds" not in far.json()


async def test_a_code_from_a_fast_clock_is_refused_burns_nothing_and_never_becomes_valid(
    client, alice, clock
):
    told = await client.get("/v1/api/time")  # what `gatehouse key doctor` compares against
    assert told.json() == {"time": clock.now().isoformat(), "epoch": clock.now().timestamp()}
    ahead = code_off_by(alice.totp_secret, clock, 3)
    login_id = await started_login(client, alice)
    refused = await verify(client, login_id, "totp", ahead)
    assert refused.json()["clock_offset_seconds"] == 90
    assert "ahead" in refused.json()["message"]
    # the refused code used nothing up: the user's current code still works
    now = await verify(client, login_id, "totp", totp.code_at(alice.totp_secret, at=clock.now()))
    assert now.status_code == 200, now.text
    clock.advance(90)  # the early code's time has come, but the hint gave it away
    again = await started_login(client, alice)
    late = await verify(client, again, "totp", ahead)
    assert late.status_code == 401
    assert late.json()["error"] == "code_reused"
    clock.advance(30)
    ok = await verify(client, again, "totp", totp.code_at(alice.totp_secret, at=clock.now()))
    assert ok.status_code == 200, ok.text

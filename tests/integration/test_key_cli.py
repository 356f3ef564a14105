"""``gatehouse key`` commands for scripts, against a running server: enroll, list, codes,
approve a push, and the clock doctor. The commands use the machine's clock, so the server's
clock is set to it."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from tests.support.access import activation_code, push_number, session_token
from tests.support.signin import started_login
from typer.testing import CliRunner

from gatehouse.cli.app import app as cli_app
from gatehouse.domain.identity.factors import totp


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """The commands are clients: one database backend tells as much as two."""
    return str(request.param)


async def key(env: dict[str, str], *args: str):
    """Run ``gatehouse key …`` in a thread while this loop serves the requests it makes."""
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, cli_app, ["key", *args], env=env)


async def test_enroll_list_codes_approve_and_doctor(client, alice, clock, base_url, tmp_path):
    env = {
        "GATEHOUSE_KEY_FILE": str(tmp_path / "key" / "device.json"),
        "GATEHOUSE_KEY_PIN": "246810",
    }
    clock.set(datetime.now(UTC) - timedelta(seconds=30))  # signing in moves it a step on
    code = (await activation_code(client, await session_token(client, alice, clock)))["code"]

    enrolled = await key(env, "enroll", "--server", base_url, "--code", code, "--name", "CLI")
    assert enrolled.exit_code == 0, enrolled.output
    assert "Enrolled alice @ 127.0.0.1" in enrolled.output

    listed = await key(env, "list", "--json")
    assert [a["username"] for a in json.loads(listed.output)] == ["alice"]

    codes = await key(env, "codes", "--json")
    [shown] = json.loads(codes.output)
    now = datetime.now(UTC)
    nearby = {totp.code_at(alice.totp_secret, at=now + timedelta(seconds=s)) for s in (-30, 0, 30)}
    assert shown["code"] in nearby and 1 <= shown["seconds_left"] <= 30

    login_id = await started_login(client, alice)
    number = await push_number(client, login_id)
    approved = await key(env, "approve", "--pick", str(number))
    assert approved.exit_code == 0, approved.output
    assert "Numbers:" in approved.output and "Approved" in approved.output
    session = await client.get(f"/v1/api/auth/login/{login_id}?wait=5")
    assert session.status_code == 200 and session.json()["token"]
    nothing = await key(env, "approve", "--pick", "42")
    assert nothing.exit_code == 1 and "No push request" in nothing.output

    healthy = await key(env, "doctor")
    assert healthy.exit_code == 0, healthy.output
    assert "is active" in healthy.output
    clock.advance(90)  # now the server is 90 s ahead: the device looks 90 s behind
    slow = await key(env, "doctor", "--server", base_url)
    assert slow.exit_code == 1
    assert "behind" in slow.output and "automatic" in slow.output

    wrong_pin = await key({**env, "GATEHOUSE_KEY_PIN": "000000"}, "codes")
    assert wrong_pin.exit_code == 1 and "PIN" in wrong_pin.output

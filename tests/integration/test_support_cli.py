"""``gatehouse support``: the console on the command line, on the test's database."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from rich.console import Console
from tests.support.access import make_support_agent
from tests.support.signin import login
from typer.testing import CliRunner

from gatehouse import bootstrap
from gatehouse.bootstrap import build
from gatehouse.cli import support as support_cli
from gatehouse.cli.app import app as cli_app
from gatehouse.domain.identity.recovery import SecurityAnswer, normalize_answer
from gatehouse.service.identity import users
from gatehouse.service.support import messages


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """The commands call the same use cases the API tests cover on both databases."""
    return str(request.param)


@pytest.fixture
def support(runtime, monkeypatch):
    async def same_database(_settings, **_):
        return await build(runtime.settings, clock=runtime.ctx.clock, run_migrations=False)

    monkeypatch.setattr(bootstrap, "build", same_database)  # what the commands call
    # a terminal 200 wide, whatever width an earlier test in this process fixed the console at
    monkeypatch.setattr(support_cli, "out", Console(width=200))

    async def run(*args: str, stdin: str | None = None):
        runner = CliRunner()
        return await asyncio.to_thread(
            runner.invoke, cli_app, ["support", *args], input=stdin, env={"COLUMNS": "200"}
        )

    return run


async def test_the_support_commands(client, runtime, alice, support):
    agent = await make_support_agent(runtime)
    found = await support("find", alice.email)
    assert found.exit_code == 0 and "alice" in found.output
    shown = json.loads((await support("show", "alice", "--json")).output)
    assert shown["username"] == "alice" and shown["phone"] == "+1 ••• ••• 4567"

    temporary = await support("temp-password", "alice")
    assert temporary.exit_code == 0, temporary.output
    password = temporary.output.split("alice: ")[1].split()[0]
    assert (await login(client, alice.username, password)).json()["password_change_required"]

    code = await support("reenroll-code", "alice")
    assert "valid 24 h" in code.output and "gatehouse key enroll --server" in code.output
    reset = json.loads((await support("reset-factors", "alice", "--no-card", "--json")).output)
    assert reset["totp_removed"] is True
    assert (await support("unlock", "alice")).exit_code == 0

    user = await users.get(runtime.ctx, "alice")
    chosen = [("first_pet", "Rex"), ("first_job", "Paper boy"), ("first_car", "Fiat Panda")]
    stored = [
        SecurityAnswer(i, qid, await runtime.ctx.hasher.hash(normalize_answer(answer)))
        for i, (qid, answer) in enumerate(chosen)
    ]
    async with runtime.ctx.uow() as uow:
        await uow.recovery.set_answers(user.id, stored, runtime.ctx.clock.now())
        await uow.commit()
    verified = await support("verify-identity", "alice", stdin="REX\npaper-boy\nfiat panda\n")
    assert "3 of 3 answers match: verified." in verified.output, verified.output
    doubted = await support("verify-identity", "alice", stdin="Rex\nPaper boy\nFord\n")
    assert doubted.exit_code == 1 and "NOT verified" in doubted.output

    read = await support("show", "alice")  # as a person reads it
    assert "{" not in read.output and "True" not in read.output and "False" not in read.output
    lines = read.output.splitlines()
    assert [c.strip() for c in lines[9].split("│")[1:3]] == ["totp", "no"]  # reset above
    questions = lines.index(next(line for line in lines if line.startswith("security questions")))
    assert "What was the name of your first pet?" in "".join(lines[questions : questions + 9])
    assert "key devices: none" in lines
    activity = [line for line in lines[questions:] if "support.temporary_password" in line]
    assert len(activity) == 1 and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", activity[0])

    thread = await messages.create_thread(runtime.ctx, user, subject="Help", body="Locked out")
    thread_id = thread["thread"]["thread_id"]
    listed = json.loads((await support("threads", "--agent", agent.username, "--json")).output)
    assert listed["unread"] == 1
    replied = await support("reply", thread_id, "--body", "Unlocked you.", "--agent", "sam")
    assert replied.exit_code == 0, replied.output
    assert (await messages.unread(runtime.ctx, user)) == {"unread": 1}
    refused = await support("reply", thread_id, "--body", "x", "--agent", "alice")
    assert refused.exit_code == 1 and "not a support agent" in refused.output
    missing = await support("show", "nobody")
    assert missing.exit_code == 3

"""Forgotten password: a single-use link by real SMTP, followed to set a new password."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from tests.support.access import snapshot
from tests.support.mail import body_of, link_in, smtp_server
from tests.support.ports import free_port
from tests.support.signin import bearer, full_signin, login
from tests.support.state import audit_events

from gatehouse.adapters.mail.smtp import SmtpMailer
from gatehouse.domain.errors import ServiceUnavailable
from gatehouse.domain.identity.throttle import account_key
from gatehouse.service.identity.recovery import SAME_ANSWER, request_email

NEW_PASSWORD = "Fresh-Meadow-73-lantern"
PUBLIC = "https://broker.example.com"
FORGOT = "/v1/api/recovery/password"
RESET = "/v1/api/recovery/password/reset"


@pytest.fixture
def mailbox():
    with smtp_server() as box:
        yield box


@pytest.fixture
def settings_overrides(mailbox):
    return {"smtp_host": mailbox.host, "smtp_port": mailbox.port, "public_base_url": PUBLIC}


def token_of(link: str) -> str:
    return link.split("token=", 1)[1]


def local(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


async def lock_out(runtime, username: str) -> None:
    async with runtime.ctx.uow() as uow:
        user = await uow.users.by_username(username)
        throttle = await uow.throttles.get_or_new(account_key(user.id))
        for _ in range(runtime.ctx.account_throttle.hard_cap):
            throttle.record_failure(runtime.ctx.clock.now(), runtime.ctx.account_throttle)
        await uow.commit()


async def test_a_forgotten_password_is_reset_through_the_emailed_link(
    client, runtime, alice, clock, mailbox
):
    session = await full_signin(client, alice, clock)
    await lock_out(runtime, alice.username)
    assert (await login(client, alice.username, alice.password)).status_code == 423

    asked = await client.post("/v1/api/recovery/password", json={"username": "Alice"})
    assert asked.status_code == 202
    assert asked.json() == SAME_ANSWER
    [mail] = await mailbox.wait_for(1)
    assert mail["To"] == alice.email
    assert "Reset your Gatehouse password" in mail["Subject"]
    link = link_in(mail)
    assert link.startswith(f"{PUBLIC}/recover?token=")
    assert "30 minutes" in body_of(mail)

    page = await client.get(local(link))  # the test follows the link on its own server
    assert page.status_code == 200
    assert '<form method="post" action="/recover">' in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"

    reset = await client.post(
        "/v1/api/recovery/password/reset",
        json={"token": token_of(link), "password": NEW_PASSWORD},
    )
    assert reset.status_code == 200, reset.text
    assert reset.json() == {
        "status": "password_changed",
        "username": alice.username,
        "sessions_ended": 1,
    }
    assert (await client.get("/v1/api/me", headers=bearer(session["token"]))).status_code == 401
    assert (await login(client, alice.username, alice.password)).status_code == 401
    assert (await login(client, alice.username, NEW_PASSWORD)).status_code == 200  # unlocked

    again = await client.post(
        "/v1/api/recovery/password/reset",
        json={"token": token_of(link), "password": "X" + NEW_PASSWORD},
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_recovery_token"
    assert (await client.get(local(link))).status_code == 410
    events = await audit_events(runtime)
    assert {"recovery.email_sent", "recovery.password_reset", "password.changed"} <= set(events)


async def test_unknown_accounts_get_the_same_answer_and_no_mail(client, runtime, alice, mailbox):
    answers = [
        await client.post("/v1/api/recovery/password", json=body)
        for body in (
            {"username": "nobody"},
            {"email": "nobody@example.com"},
            {"email": alice.email.upper()},
        )
    ]
    assert [a.status_code for a in answers] == [202, 202, 202]
    assert all(a.json() == SAME_ANSWER for a in answers)
    messages = await mailbox.wait_for(1)
    assert [m["To"] for m in messages] == [alice.email]


async def test_the_reset_page_form_checks_the_password_before_using_the_link(
    client, runtime, alice, mailbox
):
    await client.post("/v1/api/recovery/password", json={"email": alice.email})
    token = token_of(link_in((await mailbox.wait_for(1))[0]))
    page = await client.get(f"/recover?token={token}")  # the rules it checks, said first
    assert runtime.ctx.password_policy.describe() in page.text and 'minlength="10"' in page.text
    form = {"token": token, "password": NEW_PASSWORD, "confirm": "something else"}
    mismatch = await client.post("/recover", data=form)
    assert mismatch.status_code == 400 and "not the same" in mismatch.text
    weak = await client.post("/recover", data={**form, "password": "short", "confirm": "short"})
    assert weak.status_code == 400 and "at least 10 characters" in weak.text
    done = await client.post("/recover", data={**form, "confirm": NEW_PASSWORD})
    assert done.status_code == 200, done.text
    assert "password of <strong>alice</strong> is changed" in done.text
    assert (await login(client, alice.username, NEW_PASSWORD)).status_code == 200
    used = await client.post("/recover", data={**form, "confirm": NEW_PASSWORD})
    assert used.status_code == 410


async def test_links_expire_retire_each_other_and_come_at_most_three_an_hour(
    client, runtime, alice, clock, mailbox
):
    for _ in range(4):
        asked = await client.post("/v1/api/recovery/password", json={"username": alice.username})
        assert asked.json() == SAME_ANSWER
    _, second, third = (token_of(link_in(m)) for m in await mailbox.wait_for(3))
    reset = RESET
    assert (await client.post(reset, json={"token": second, "password": NEW_PASSWORD})).is_success
    retired = await client.post(reset, json={"token": third, "password": "X" + NEW_PASSWORD})
    assert retired.json()["error"] == "invalid_recovery_token"

    clock.advance(3600)  # a new hour: a new link may be sent
    await client.post("/v1/api/recovery/password", json={"username": alice.username})
    fourth = token_of(link_in((await mailbox.wait_for(4))[3]))
    assert len(mailbox.messages) == 4
    clock.advance(1800)
    expired = await client.post(reset, json={"token": fourth, "password": "Y" + NEW_PASSWORD})
    assert expired.status_code == 400
    assert expired.json()["error"] == "invalid_recovery_token"


async def test_concurrent_requests_still_send_at_most_three_links_an_hour(runtime, alice, mailbox):
    # Each request answers at once and issues its link afterwards; twelve such deliveries
    # running together must count one another (a per-user row lock), on both backends.
    answers = [
        await request_email(runtime.ctx, username=alice.username, email=None, address=f"10.0.0.{i}")
        for i in range(12)
    ]
    await asyncio.gather(*(answer.deliver() for answer in answers if answer.deliver))
    assert len(await mailbox.wait_for(3)) == 3
    async with runtime.ctx.uow() as uow:
        user = await uow.users.by_username(alice.username)
        since = runtime.ctx.clock.now() - timedelta(hours=1)
        assert await uow.recovery.tokens_since(user.id, since) == 3


BAD_REQUESTS = [
    (FORGOT, {"username": "alice", "email": "a@example.com"}, "invalid_input"),
    (FORGOT, {}, "invalid_input"),
    (FORGOT, {"email": "not-an-email"}, "invalid_input"),
    (FORGOT, {"username": "a" * 65}, "invalid_input"),
    (FORGOT, {"username": 7}, "invalid_input"),
    (FORGOT, [], "invalid_input"),
    (RESET, {"token": "short", "password": NEW_PASSWORD}, "invalid_recovery_token"),
    (RESET, {"token": "A" * 43, "password": NEW_PASSWORD}, "invalid_recovery_token"),
    (RESET, {"token": "A" * 43}, "invalid_input"),
    (RESET, {"token": None, "password": NEW_PASSWORD}, "invalid_input"),
]


async def test_bad_recovery_requests_change_nothing(client, runtime, alice):
    before = await snapshot(runtime)
    for path, body, error in BAD_REQUESTS:
        refused = await client.post(path, json=body)
        assert refused.status_code == 400, (body, refused.text)
        assert refused.json()["error"] == error, (body, refused.text)
    assert await snapshot(runtime) == before


async def test_the_smtp_mailer_delivers_and_reports_an_unreachable_server():
    with smtp_server() as box:
        mailer = SmtpMailer(host=box.host, port=box.port, sender="Gatehouse <gh@example.com>")
        await mailer.send(to="someone@example.com", subject="Hello", text="Body text\n")
        [mail] = await box.wait_for(1)
    assert mail["From"] == "Gatehouse <gh@example.com>"
    assert re.search("Body text", body_of(mail))
    closed = SmtpMailer(host="127.0.0.1", port=free_port(), sender="gh@example.com", timeout=2)
    with pytest.raises(ServiceUnavailable):
        await closed.send(to="someone@example.com", subject="Hello", text="Body")

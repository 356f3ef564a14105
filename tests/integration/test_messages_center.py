"""The secure message center: threads, unread counts, support's shared inbox, live events."""

from __future__ import annotations

import pytest
from tests.conftest import make_user
from tests.support.access import events_of, make_support_agent, snapshot
from tests.support.signin import bearer, full_signin

THREADS = "/v1/api/messages/threads"


@pytest.fixture
async def agent(runtime):
    return await make_support_agent(runtime)


async def headers_of(client, user, clock):
    return bearer((await full_signin(client, user, clock))["token"])


async def test_a_user_and_support_talk_in_a_thread_with_unread_counts(
    client, runtime, alice, agent, clock
):
    mine, theirs = await headers_of(client, alice, clock), await headers_of(client, agent, clock)
    opened = await client.post(
        THREADS, json={"subject": "  Wire  transfer ", "body": "Where is my wire?"}, headers=mine
    )
    assert opened.status_code == 201, opened.text
    thread = opened.json()["thread"]
    assert thread["subject"] == "Wire transfer"
    thread_id = thread["thread_id"]

    inbox = (await client.get(THREADS, headers=theirs)).json()
    assert inbox["unread"] == 1
    assert [(t["username"], t["unread"]) for t in inbox["threads"]] == [("alice", 1)]
    assert (await client.get(THREADS, headers=mine)).json()["unread"] == 0

    answer = await client.post(
        f"{THREADS}/{thread_id}/messages", json={"body": "It arrives today."}, headers=theirs
    )
    assert answer.status_code == 201 and answer.json()["seq"] == 2
    assert (await client.get("/v1/api/messages/unread", headers=mine)).json() == {"unread": 1}
    read = await client.get(f"{THREADS}/{thread_id}", headers=mine)
    assert [(m["from"], m["body"]) for m in read.json()["messages"]] == [
        ("user", "Where is my wire?"),
        ("support", "It arrives today."),
    ]
    marked = await client.post(f"{THREADS}/{thread_id}/read", headers=mine)
    assert marked.json() == {"thread_id": thread_id, "read_up_to": 2, "unread": 0}
    read_by_support = await client.post(f"{THREADS}/{thread_id}/read", headers=theirs)
    assert read_by_support.json()["unread"] == 0

    # every new message reached the user's sessions as an account event
    events = [(kind, data) for kind, data in await events_of(runtime, "alice")]
    created = [data for kind, data in events if kind == "message.created"]
    assert [(d["thread_id"], d["seq"], d["from"]) for d in created] == [
        (thread_id, 1, "user"),
        (thread_id, 2, "support"),
    ]
    assert ("message.read", {"thread_id": thread_id, "seq": 2}) in events


async def test_support_writes_first_and_other_users_see_nothing(
    client, runtime, alice, agent, clock
):
    bob = await make_user(runtime, "bob", phone="+15557654321")
    theirs = await headers_of(client, agent, clock)
    sent = await client.post(
        THREADS,
        json={"username": "alice", "subject": "Document needed", "body": "Please upload ID."},
        headers=theirs,
    )
    assert sent.status_code == 201, sent.text
    thread_id = sent.json()["thread"]["thread_id"]
    mine = await headers_of(client, alice, clock)
    assert (await client.get("/v1/api/messages/unread", headers=mine)).json() == {"unread": 1}
    bobs = await headers_of(client, bob, clock)
    assert (await client.get(THREADS, headers=bobs)).json() == {"threads": [], "unread": 0}
    for method, path in [
        ("GET", f"{THREADS}/{thread_id}"),
        ("POST", f"{THREADS}/{thread_id}/read"),
    ]:
        hidden = await client.request(method, path, headers=bobs)
        assert hidden.status_code == 404
    reply = await client.post(f"{THREADS}/{thread_id}/messages", json={"body": "x"}, headers=bobs)
    assert reply.status_code == 404


async def test_bad_messages_change_nothing(client, runtime, alice, agent, clock):
    mine, theirs = await headers_of(client, alice, clock), await headers_of(client, agent, clock)
    thread_id = (
        await client.post(THREADS, json={"subject": "Hi", "body": "Hello"}, headers=mine)
    ).json()["thread"]["thread_id"]
    cases = [
        (mine, "POST", THREADS, {"subject": "", "body": "x"}, 400, "invalid_input"),
        (mine, "POST", THREADS, {"subject": "Hi", "body": "   "}, 400, "invalid_input"),
        (mine, "POST", THREADS, {"subject": "x" * 121, "body": "x"}, 400, "invalid_input"),
        (mine, "POST", THREADS, {"subject": "Hi", "body": "x" * 4001}, 400, "invalid_input"),
        (mine, "POST", THREADS, {"subject": "Hi"}, 400, "invalid_input"),
        (theirs, "POST", THREADS, {"subject": "Hi", "body": "x"}, 400, "invalid_input"),
        (
            theirs,
            "POST",
            THREADS,
            {"username": "sam", "subject": "Hi", "body": "x"},
            404,
            "not_found",
        ),
        (mine, "POST", f"{THREADS}/{thread_id}/messages", {"body": ""}, 400, "invalid_input"),
        (mine, "POST", f"{THREADS}/nope/messages", {"body": "x"}, 404, "not_found"),
        (mine, "GET", f"{THREADS}/nope", None, 404, "not_found"),
    ]
    before = await snapshot(runtime)
    for headers, method, path, body, status, error in cases:
        answer = await client.request(method, path, json=body, headers=headers)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["error"] == error, (body, answer.text)
    assert await snapshot(runtime) == before

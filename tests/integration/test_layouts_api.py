"""Workspace layouts: named JSON documents per user, size-limited, each change an event."""

from __future__ import annotations

from urllib.parse import quote

from tests.conftest import make_user
from tests.support.market import events_of, signed_in

from gatehouse.domain.lists.layouts import MAX_DOCUMENT_BYTES

LAYOUTS = "/v1/api/layouts"
DOCUMENT = {"panes": [{"kind": "watchlist", "id": "1234"}, {"kind": "chart", "conid": 265598}],
            "theme": "dark", "ratio": 0.5, "note": "naïve ☃"}  # fmt: skip


async def test_save_read_overwrite_list_and_delete(client, runtime, alice, clock):
    headers = await signed_in(client, alice, clock)
    saved = await client.put(f"{LAYOUTS}/Main desk", json=DOCUMENT, headers=headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["name"] == "Main desk" and saved.json()["created"] is True
    read = (await client.get(f"{LAYOUTS}/{quote('Main desk')}", headers=headers)).json()
    assert read["document"] == DOCUMENT and read["size"] == saved.json()["size"]

    clock.advance(5)
    again = await client.put(f"{LAYOUTS}/Main desk", json={"panes": []}, headers=headers)
    assert again.json()["created"] is False
    assert (await client.get(f"{LAYOUTS}/Main desk", headers=headers)).json()["document"] == {
        "panes": []
    }
    await client.put(f"{LAYOUTS}/alt-1.v2", json={}, headers=headers)
    listed = (await client.get(LAYOUTS, headers=headers)).json()["layouts"]
    assert [entry["name"] for entry in listed] == ["Main desk", "alt-1.v2"]
    assert "document" not in listed[0]

    gone = await client.delete(f"{LAYOUTS}/alt-1.v2", headers=headers)
    assert gone.json() == {"name": "alt-1.v2", "deleted": True}
    assert (await client.get(f"{LAYOUTS}/alt-1.v2", headers=headers)).status_code == 404
    events = await events_of(runtime, "alice", "layout.")
    assert [e.type for e in events] == ["layout.saved"] * 3 + ["layout.deleted"]
    assert events[0].data["name"] == "Main desk" and events[0].data["created"] is True
    assert "document" not in events[0].data
    assert events[3].data == {"name": "alt-1.v2"}


async def test_bad_layouts_change_nothing(client, runtime, alice, clock):
    headers = await signed_in(client, alice, clock)
    await client.put(f"{LAYOUTS}/keep", json={"v": 1}, headers=headers)
    before = [e.seq for e in await events_of(runtime, "alice")]
    oversize = {"blob": "x" * MAX_DOCUMENT_BYTES}
    for name, body, status, code in [
        ("keep", oversize, 413, "layout_too_large"),
        ("keep", [1, 2], 400, "invalid_input"),
        ("keep", "text", 400, "invalid_input"),
        (".hidden", {}, 400, "invalid_input"),
        ("x" * 65, {}, 400, "invalid_input"),
        ("trailing ", {}, 400, "invalid_input"),
    ]:
        answer = await client.put(f"{LAYOUTS}/{quote(name)}", json=body, headers=headers)
        assert (answer.status_code, answer.json()["error"]) == (status, code), name
    not_json = await client.put(
        f"{LAYOUTS}/keep", content=b"{", headers={**headers, "content-type": "application/json"}
    )
    assert not_json.status_code == 400
    assert (await client.delete(f"{LAYOUTS}/missing", headers=headers)).status_code == 404
    assert (await client.get(f"{LAYOUTS}/missing", headers=headers)).json()["error"] == (
        "layout_not_found"
    )
    assert [e.seq for e in await events_of(runtime, "alice")] == before
    assert (await client.get(f"{LAYOUTS}/keep", headers=headers)).json()["document"] == {"v": 1}

    bob = await make_user(runtime, "bob", phone="+15557654321")
    bobs = await signed_in(client, bob, clock)
    assert (await client.get(f"{LAYOUTS}/keep", headers=bobs)).status_code == 404
    assert (await client.get(LAYOUTS, headers=bobs)).json() == {"layouts": []}
    assert (await client.get(LAYOUTS)).status_code == 401

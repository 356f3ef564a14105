"""Watchlists, price alerts, workspace layouts and support messages through the SDK."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from gatehouse.clients.sdk.transport import Transport


def watchlist_rows(conids: Iterable[int | str]) -> list[dict[str, Any]]:
    """IBKR watchlist rows: a conid is ``{"C": conid}``, a text is a header ``{"H": text}``."""
    return [
        {"C": int(item)} if isinstance(item, int) or item.isdigit() else {"H": item}
        for item in conids
    ]


class Watchlists:
    """IBKR's watchlists of the user (``iserver/watchlist``)."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    async def all(self) -> list[dict[str, Any]]:
        """The user's lists: ``[{id, name, modified, ...}]``."""
        body = await self._t.request("GET", "/iserver/watchlists", params={"SC": "USER_WATCHLIST"})
        return list(body.get("data", {}).get("user_lists", []))

    async def get(self, list_id: str) -> dict[str, Any]:
        """``{id, name, rows, instruments: [{conid, ticker, name, ...}]}``."""
        body: dict[str, Any] = await self._t.request(
            "GET", "/iserver/watchlist", params={"id": list_id}
        )
        return body

    async def create(
        self, name: str, items: Iterable[int | str], *, list_id: str | None = None
    ) -> dict[str, Any]:
        """A new list of conids (and header texts); the server picks an id if none is given."""
        wanted: dict[str, Any] = {"name": name, "rows": watchlist_rows(items)}
        if list_id is not None:
            wanted["id"] = list_id
        body: dict[str, Any] = await self._t.request("POST", "/iserver/watchlist", json=wanted)
        return body

    async def replace(self, list_id: str, name: str, items: Iterable[int | str]) -> dict[str, Any]:
        """Replace the name and rows of an existing list."""
        body: dict[str, Any] = await self._t.request(
            "PUT",
            "/iserver/watchlist",
            json={"id": list_id, "name": name, "rows": watchlist_rows(items)},
        )
        return body

    async def delete(self, list_id: str) -> None:
        await self._t.request("DELETE", "/iserver/watchlist", params={"id": list_id})


class Alerts:
    """Price alerts: armed until the price crosses, then ``triggered`` (an event)."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    async def all(self) -> list[dict[str, Any]]:
        """``[{id, conid, symbol, operator, price, name, status, triggered_at, ...}]``."""
        body = await self._t.request("GET", "/alerts")
        return list(body.get("alerts", []))

    async def create(
        self, conid: int, operator: str, price: float | str | Decimal, *, name: str = ""
    ) -> dict[str, Any]:
        """An alert when the last price goes ``>=`` or ``<=`` ``price``."""
        wanted: dict[str, Any] = {"conid": conid, "operator": operator, "price": str(price)}
        if name:
            wanted["name"] = name
        body: dict[str, Any] = await self._t.request("POST", "/alerts", json=wanted)
        return body

    async def delete(self, alert_id: str) -> None:
        await self._t.request("DELETE", f"/alerts/{alert_id}")


class Layouts:
    """Named workspace layouts (JSON documents) shared by the user's terminals."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    async def all(self) -> list[dict[str, Any]]:
        """``[{name, size, updated_at}]``, by name."""
        body = await self._t.request("GET", "/layouts")
        return list(body.get("layouts", []))

    async def save(self, name: str, document: Mapping[str, Any]) -> dict[str, Any]:
        """Create or replace: ``{name, size, updated_at, created}``."""
        body: dict[str, Any] = await self._t.request("PUT", f"/layouts/{name}", json=document)
        return body

    async def get(self, name: str) -> dict[str, Any]:
        """The saved document itself."""
        body = await self._t.request("GET", f"/layouts/{name}")
        return dict(body.get("document") or {})

    async def delete(self, name: str) -> None:
        await self._t.request("DELETE", f"/layouts/{name}")


class Messages:
    """Message threads between the user and support."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    async def threads(self) -> list[dict[str, Any]]:
        """``[{thread_id, subject, created_at, updated_at, messages, unread}]``."""
        body = await self._t.request("GET", "/messages/threads")
        return list(body.get("threads", []))

    async def start(self, subject: str, text: str) -> dict[str, Any]:
        """A new thread with its first message: ``{thread, messages}``."""
        body: dict[str, Any] = await self._t.request(
            "POST", "/messages/threads", json={"subject": subject, "body": text}
        )
        return body

    async def read(self, thread_id: str) -> dict[str, Any]:
        """``{thread, messages: [{seq, from, author, body, created_at}]}``."""
        body: dict[str, Any] = await self._t.request("GET", f"/messages/threads/{thread_id}")
        return body

    async def post(self, thread_id: str, text: str) -> dict[str, Any]:
        body: dict[str, Any] = await self._t.request(
            "POST", f"/messages/threads/{thread_id}/messages", json={"body": text}
        )
        return body

    async def mark_read(self, thread_id: str) -> None:
        await self._t.request("POST", f"/messages/threads/{thread_id}/read")

    async def unread(self) -> int:
        body = await self._t.request("GET", "/messages/unread")
        return int(body.get("unread", 0))

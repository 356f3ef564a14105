"""Market data and contracts through the SDK (IBKR's shapes, docs/market-data.md).

Snapshot fields are IBKR field ids (``31`` last, ``84``/``86`` bid/ask, ...); the names
below are a convenience for the common ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gatehouse.clients.sdk.transport import Params, Transport

LAST, BID, ASK, BID_SIZE, ASK_SIZE = "31", "84", "86", "88", "85"
CHANGE, CHANGE_PERCENT, VOLUME, SYMBOL, COMPANY = "82", "83", "87", "55", "7051"
PRIOR_CLOSE, MARK, OPEN, HIGH, LOW = "7741", "7635", "7295", "70", "71"


def _csv(values: Iterable[int | str]) -> str:
    return ",".join(str(v) for v in values)


class MarketData:
    """Snapshots (all values are strings keyed by field id) and historical bars."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    async def snapshot(
        self, conids: Iterable[int], fields: Iterable[int | str] = ()
    ) -> list[dict[str, Any]]:
        """``[{"conid": 265598, "31": "229.80", "84": ..., ...}]``; no fields: every field."""
        params = {"conids": _csv(conids), "fields": _csv(fields) or None}
        return list(await self._t.request("GET", "/iserver/marketdata/snapshot", params=params))

    async def history(
        self,
        conid: int,
        bar: str = "1min",
        period: str = "1d",
        *,
        start_time: str | None = None,
    ) -> dict[str, Any]:
        """Bars oldest first: ``{"data": [{"o","h","l","c","v","t"}], "symbol", ...}``.

        A period without bars answers ``{"error": "No data.", ...}`` (with 200), as IBKR does.
        """
        params: Params = {"conid": conid, "bar": bar, "period": period, "startTime": start_time}
        body: dict[str, Any] = await self._t.request(
            "GET", "/iserver/marketdata/history", params=params
        )
        return body

    async def unsubscribe(self, conid: int) -> None:
        await self._t.request("POST", "/iserver/marketdata/unsubscribe", json={"conid": conid})

    async def unsubscribe_all(self) -> None:
        await self._t.request("GET", "/iserver/marketdata/unsubscribeall")


class Contracts:
    """Contract search and definitions."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    async def search(self, symbol: str, *, by_name: bool = False) -> list[dict[str, Any]]:
        """``[{conid: "265598", symbol, companyName, description, sections}]``."""
        params = {"symbol": symbol, "name": "true" if by_name else None}
        return list(await self._t.request("GET", "/iserver/secdef/search", params=params))

    async def conid(self, symbol: str) -> int | None:
        """The contract id of a stock symbol (``trsrv/stocks``), or None if unknown."""
        body = await self._t.request("GET", "/trsrv/stocks", params={"symbols": symbol})
        for instrument in body.get(symbol.upper(), []) or body.get(symbol, []):
            for contract in instrument.get("contracts", []):
                return int(contract["conid"])
        return None

    async def stocks(self, symbols: Iterable[str]) -> dict[str, Any]:
        """``trsrv/stocks``: ``{"AAPL": [{name, assetClass, contracts: [{conid, ...}]}]}``."""
        body: dict[str, Any] = await self._t.request(
            "GET", "/trsrv/stocks", params={"symbols": _csv(symbols)}
        )
        return body

    async def definitions(self, conids: Iterable[int]) -> list[dict[str, Any]]:
        """``trsrv/secdef``: ``[{conid, ticker, name, listingExchange, currency, ...}]``."""
        body = await self._t.request("GET", "/trsrv/secdef", params={"conids": _csv(conids)})
        return list(body.get("secdef", []))

    async def info(self, conid: int) -> dict[str, Any]:
        """``{con_id, symbol, company_name, exchange, listing_exchange, ...}``."""
        body: dict[str, Any] = await self._t.request("GET", f"/iserver/contract/{conid}/info")
        return body

    async def rules(self, conid: int, *, is_buy: bool = True) -> dict[str, Any]:
        """The info plus ``rules`` (order types, tif types, increments)."""
        body: dict[str, Any] = await self._t.request(
            "GET",
            f"/iserver/contract/{conid}/info-and-rules",
            params={"isBuy": str(is_buy).lower()},
        )
        return body

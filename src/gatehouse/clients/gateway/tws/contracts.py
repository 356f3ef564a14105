"""Contract look-ups through Gatehouse's REST API, cached: a TWS contract (by conId, or by
symbol for stocks and ETFs) becomes Gatehouse's conid and IBKR's contract fields."""

from __future__ import annotations

from typing import Any

from gatehouse.clients.gateway.tws.model import Contract
from gatehouse.clients.gateway.tws.upstream import Upstream, UpstreamError

_SEC_TYPES = {"", "STK"}
_EXCHANGES = {"", "SMART", "NASDAQ", "NYSE", "ARCA", "BATS", "ISLAND", "AMEX", "IEX"}


class ContractBook:
    """conid → Contract, filled from ``iserver/contract/{conid}/info``."""

    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream
        self._by_conid: dict[int, Contract] = {}
        self._by_symbol: dict[str, int] = {}

    def cached(self, conid: int, symbol: str = "", listing: str = "") -> Contract:
        """The cached contract, or one made from what an order or position row says."""
        found = self._by_conid.get(conid)
        if found is not None:
            return found
        return Contract(
            con_id=conid,
            symbol=symbol,
            sec_type="STK",
            exchange="SMART",
            primary_exchange=listing,
            currency="USD",
            local_symbol=symbol,
            trading_class="NMS" if listing == "NASDAQ" else symbol,
        )

    async def by_conid(self, conid: int) -> Contract | None:
        found = self._by_conid.get(conid)
        if found is not None:
            return found
        try:
            info = await self.upstream.request("GET", f"iserver/contract/{conid}/info")
        except UpstreamError as exc:
            if exc.status in (400, 404):
                return None
            raise
        contract = _from_info(info)
        self._by_conid[conid] = contract
        self._by_symbol[contract.symbol] = conid
        return contract

    async def by_symbol(self, symbol: str) -> Contract | None:
        key = symbol.strip().upper()
        if not key:
            return None
        conid = self._by_symbol.get(key)
        if conid is None:
            found = await self.upstream.request("GET", "trsrv/stocks", params={"symbols": key})
            rows = found.get(key) if isinstance(found, dict) else None
            if not rows:
                return None
            conid = int(rows[0]["contracts"][0]["conid"])
            self._by_symbol[key] = conid
        return await self.by_conid(conid)

    async def resolve(self, wanted: Contract) -> Contract | None:
        """The one contract a request names, or None (error 200): stocks/ETFs in USD only."""
        if wanted.sec_type.upper() not in _SEC_TYPES:
            return None
        if wanted.currency.upper() not in ("", "USD"):
            return None
        if wanted.exchange.upper() not in _EXCHANGES:
            return None
        found = (
            await self.by_conid(wanted.con_id)
            if wanted.con_id
            else await self.by_symbol(wanted.symbol or wanted.local_symbol)
        )
        if found is None:
            return None
        if wanted.symbol and wanted.con_id and wanted.symbol.upper() != found.symbol:
            return None
        if wanted.primary_exchange and wanted.primary_exchange.upper() not in (
            found.primary_exchange,
            "SMART",
        ):
            return None
        return found

    async def search(self, pattern: str) -> list[Contract]:
        rows = await self.upstream.request(
            "GET", "iserver/secdef/search", params={"symbol": pattern}
        )
        found: list[Contract] = []
        for row in rows if isinstance(rows, list) else []:
            contract = await self.by_conid(int(row["conid"]))
            if contract is not None:
                found.append(contract)
        return found[:16]


def _from_info(info: dict[str, Any]) -> Contract:
    return Contract(
        con_id=int(info["con_id"]),
        symbol=str(info["symbol"]),
        sec_type=str(info.get("instrument_type") or "STK"),
        exchange="SMART",
        primary_exchange=str(info.get("listing_exchange") or ""),
        currency=str(info.get("currency") or "USD"),
        local_symbol=str(info.get("local_symbol") or info["symbol"]),
        trading_class=str(info.get("trading_class") or ""),
        long_name=str(info.get("company_name") or ""),
        category=str(info.get("category") or ""),
        valid_exchanges=str(info.get("valid_exchanges") or "SMART"),
    )

"""Feeds the quote hub from the market data source: the watched instruments, once per tick.

Only instruments someone watches are quoted, and only the fields that changed since the
last push are sent, as IBKR field ids with string values (the ``smd`` wire format).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from gatehouse.domain.clock import Clock, as_utc
from gatehouse.domain.errors import GatehouseError
from gatehouse.domain.trading.quotes import Quote
from gatehouse.service.sync.quotes import QuoteHub
from gatehouse.service.trading.ports import MarketData

logger = logging.getLogger("gatehouse.sync")


def ibkr_fields(quote: Quote) -> dict[str, str]:
    """A quote as IBKR market-data field ids (``iserver/marketdata/snapshot`` numbering)."""
    return {
        "31": str(quote.last),
        "84": str(quote.bid),
        "86": str(quote.ask),
        "88": str(quote.bid_size),
        "85": str(quote.ask_size),
        "7295": str(quote.open),
        "70": str(quote.high),
        "71": str(quote.low),
        "7296": str(quote.close),
        "7741": str(quote.prior_close),
        "82": str(quote.change),
        "83": str(quote.change_pct),
        "87": str(quote.volume),
        "7635": str(quote.mark),
    }


class QuotePump:
    def __init__(
        self, market: MarketData, quotes: QuoteHub, clock: Clock, *, min_wait: float = 0.05
    ) -> None:
        self._market = market
        self._quotes = quotes
        self._clock = clock
        self._min_wait = min_wait

    def push(self, at: datetime) -> int:
        """Publish what changed for every watched instrument; returns deliveries."""
        sent = 0
        for conid in self._quotes.watched():
            try:
                quote = self._market.quote(conid, at)
            except GatehouseError:
                continue  # not an instrument the market knows (UnknownInstrument)
            latest = self._quotes.latest(conid)
            changed = {k: v for k, v in ibkr_fields(quote).items() if latest.get(k) != v}
            if changed:
                updated = int(as_utc(quote.at).timestamp() * 1000)
                sent += self._quotes.publish(conid, changed, updated_ms=updated)
        return sent

    async def run(self) -> None:
        while True:
            now = self._clock.now()
            wait = (self._market.next_tick(now) - now).total_seconds()
            await asyncio.sleep(max(self._min_wait, wait))
            try:
                self.push(self._clock.now())
            except Exception:
                logger.exception("pushing quotes failed")

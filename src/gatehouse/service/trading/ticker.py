"""The market ticker: on every market tick, hand quotes to listeners and check price alerts.

One per node, started and stopped by the app's lifespan. Each :meth:`MarketTicker.step`
reads quotes at the given instant for the instruments someone cares about, then

1. hands the quotes that changed to in-process subscribers (:class:`QuoteFeed`:
   ``subscribe(conids, callback)`` / ``unsubscribe(handle)``);
2. fires the armed price alerts whose condition the last price meets (once each).

WebSocket ``smd`` frames are fed by ``service.sync.quote_pump`` into the node's
``QuoteHub``. Quotes are never stored nor written to the event log; only ``alert.fired``
is account data. Tests call ``step(now)`` with a fake clock instead of starting the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from gatehouse.domain.lists.alerts import PriceAlert
from gatehouse.service.context import ServiceContext
from gatehouse.service.lists import alerts
from gatehouse.service.trading.quote_feed import QuoteCallback, QuoteFeed, QuoteSubscription

logger = logging.getLogger("gatehouse.market")


@dataclass
class TickReport:
    """What one step did: feed callbacks called, alerts fired."""

    at: datetime
    delivered: int = 0
    fired: list[PriceAlert] = field(default_factory=list)


class MarketTicker:
    def __init__(
        self,
        ctx: ServiceContext,
        *,
        max_sleep_seconds: float = 5.0,
        error_log_seconds: float = 60.0,
    ) -> None:
        self.ctx = ctx
        self.feed = QuoteFeed()
        self.max_sleep_seconds = max_sleep_seconds
        self.error_log_seconds = error_log_seconds
        self._delivered_at: dict[int, datetime] = {}
        self._task: asyncio.Task[None] | None = None
        self._last_error_log: float | None = None

    # --- in-process subscribers ---------------------------------------------------------------
    def subscribe(self, conids: Iterable[int], callback: QuoteCallback) -> QuoteSubscription:
        """Call ``callback(quotes)`` with the current quotes at once, then on every change.

        ``UnknownInstrument`` for a conid the market does not list. Callbacks run on the
        event loop between ticks and must not block.
        """
        subscription = self.feed.subscribe(conids, callback)
        now = self.ctx.clock.now()
        callback([self.ctx.quotes.quote(conid, now) for conid in subscription.conids])
        return subscription

    def unsubscribe(self, subscription: QuoteSubscription) -> None:
        self.feed.unsubscribe(subscription)

    # --- one tick ------------------------------------------------------------------------------
    async def step(self, now: datetime) -> TickReport:
        """Deliver and check alerts for the market as it stands at ``now``."""
        report = TickReport(at=now)
        armed = await alerts.armed(self.ctx)
        wanted = self.feed.wanted() | {a.conid for a in armed}
        if not wanted:
            return report
        quotes = self.ctx.quotes.quotes(now, sorted(wanted))
        changed = {
            conid: quote
            for conid, quote in quotes.items()
            if self._delivered_at.get(conid) != quote.at
        }
        self._delivered_at.update({conid: quote.at for conid, quote in changed.items()})
        report.delivered = self.feed.deliver(changed)
        if armed:
            report.fired = await alerts.fire_crossed(self.ctx, armed, quotes)
        return report

    # --- the loop ------------------------------------------------------------------------------
    def start(self) -> None:
        """Run :meth:`step` at every market tick until :meth:`stop`."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="gatehouse-market-ticker")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        clock = self.ctx.clock
        while True:
            now = clock.now()
            try:
                await self.step(now)
            except Exception:
                self._log_failure()
            wait = (self.ctx.quotes.next_tick(now) - clock.now()).total_seconds()
            await asyncio.sleep(min(max(wait, 0.01), self.max_sleep_seconds))

    def _log_failure(self) -> None:
        # A broken database would otherwise log a traceback every second.
        loop_time = asyncio.get_running_loop().time()
        last = self._last_error_log
        if last is None or loop_time - last >= self.error_log_seconds:
            self._last_error_log = loop_time
            logger.exception("market tick failed; retrying every tick")

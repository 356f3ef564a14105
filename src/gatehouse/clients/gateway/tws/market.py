"""Market data for TWS clients: one feed polls Gatehouse's snapshot endpoint for every
subscribed conid once a tick and sends each subscriber the ticks that changed (snapshots get
everything once, then tickSnapshotEnd); keepUpToDate history subscribers get bar updates."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gatehouse.clients.gateway.tws import encode
from gatehouse.clients.gateway.tws.history import bars_from, fetch
from gatehouse.clients.gateway.tws.messages import Tick
from gatehouse.clients.gateway.tws.upstream import UpstreamError

if TYPE_CHECKING:
    from gatehouse.clients.gateway.tws.server import TwsServer
    from gatehouse.clients.gateway.tws.session import Session

log = logging.getLogger("gatehouse.gateway.tws")
FIELDS = "31,84,86,88,85,70,71,7295,7741,7762"
# (snapshot field, tick type, size field or None) for tickPrice; sizes follow their price.
PRICES = [
    ("84", Tick.BID, "88", Tick.BID_SIZE),
    ("86", Tick.ASK, "85", Tick.ASK_SIZE),
    ("31", Tick.LAST, None, Tick.LAST_SIZE),
    ("70", Tick.HIGH, None, None),
    ("71", Tick.LOW, None, None),
    ("7741", Tick.CLOSE, None, None),
    ("7295", Tick.OPEN, None, None),
]


@dataclass(eq=False)
class Subscription:
    session: Session
    req_id: int
    conid: int
    snapshot: bool = False
    sent: dict[int, float] = field(default_factory=dict)


@dataclass(eq=False)
class BarSubscription:
    session: Session
    req_id: int
    conid: int
    bar: str
    format_date: int
    daily: bool


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


def ticks(sub: Subscription, quote: dict[str, Any]) -> list[list[Any]]:
    """The tick messages for one quote: what changed since the subscriber's last ticks."""
    out: list[list[Any]] = []
    for price_field, tick, size_field, size_tick in PRICES:
        price = _number(quote.get(price_field))
        if price is None or price <= 0:
            continue
        size = _number(quote.get(size_field)) if size_field else None
        if sub.sent.get(tick) != price or (
            size_tick is not None and sub.sent.get(size_tick) != size
        ):
            out.append(encode.tick_price(sub.req_id, tick, price, size or 0.0, 0))
            sub.sent[tick] = price
            if size_tick is not None:
                sub.sent[size_tick] = size or 0.0
            if tick == Tick.LAST:
                stamp = int((_number(quote.get("_updated")) or 0) / 1000)
                out.append(encode.tick_string(sub.req_id, Tick.LAST_TIMESTAMP, str(stamp)))
    volume = _number(quote.get("7762"))
    if volume is not None and sub.sent.get(Tick.VOLUME) != volume:
        out.append(encode.tick_size(sub.req_id, Tick.VOLUME, volume))
        sub.sent[Tick.VOLUME] = volume
    if Tick.HALTED not in sub.sent:
        out.append(encode.tick_generic(sub.req_id, Tick.HALTED, 0.0))
        sub.sent[Tick.HALTED] = 0.0
    return out


class MarketFeed:
    def __init__(self, server: TwsServer, poll_seconds: float) -> None:
        self.server = server
        self.poll_seconds = poll_seconds
        self.subs: list[Subscription] = []
        self.bars: list[BarSubscription] = []
        self._wake = asyncio.Event()

    def subscribe(self, sub: Subscription) -> None:
        self.cancel(sub.session, sub.req_id)
        self.subs.append(sub)
        self._wake.set()

    def subscribe_bars(self, sub: BarSubscription) -> None:
        self.bars = [b for b in self.bars if (b.session, b.req_id) != (sub.session, sub.req_id)]
        self.bars.append(sub)

    def cancel(self, session: Session, req_id: int) -> bool:
        before = len(self.subs) + len(self.bars)
        self.subs = [s for s in self.subs if (s.session, s.req_id) != (session, req_id)]
        self.bars = [b for b in self.bars if (b.session, b.req_id) != (session, req_id)]
        return len(self.subs) + len(self.bars) < before

    def drop(self, session: Session) -> None:
        self.subs = [s for s in self.subs if s.session is not session]
        self.bars = [b for b in self.bars if b.session is not session]

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):  # not wait_for: it may drop a cancellation
                async with asyncio.timeout(self.poll_seconds):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.poll()
            except asyncio.CancelledError:
                raise
            except UpstreamError as exc:
                if exc.status == 0:
                    self.server.upstream_lost()
                log.info("TWS market data poll failed: %s", exc.message)
            except Exception:
                log.exception("TWS market data poll failed")

    async def poll(self) -> None:
        conids = sorted({s.conid for s in self.subs})
        if not conids and not self.server.calls_ok:  # nothing to quote: probe the server
            await self.server.upstream.request("GET", "iserver/accounts")
            self.server.upstream_restored()
        if conids:
            quotes = await self.server.upstream.request(
                "GET",
                "iserver/marketdata/snapshot",
                params={"conids": ",".join(map(str, conids)), "fields": FIELDS},
            )
            self.server.upstream_restored()
            by_conid = {int(q["conid"]): q for q in quotes if isinstance(q, dict)}
            for sub in list(self.subs):
                quote = by_conid.get(sub.conid)
                if quote is None:
                    continue
                for message in ticks(sub, quote):
                    sub.session.send(message)
                if sub.snapshot:
                    sub.session.send(encode.tick_snapshot_end(sub.req_id))
                    self.cancel(sub.session, sub.req_id)
        for bar_sub in list(self.bars):
            await self._bar_update(bar_sub)

    async def _bar_update(self, sub: BarSubscription) -> None:
        found = await fetch(
            self.server.upstream, sub.conid, sub.bar, "1d" if sub.daily else "1h", ""
        )
        rows = bars_from(found, sub.format_date, sub.daily)
        if rows and sub in self.bars:
            sub.session.send(encode.historical_data_update(sub.req_id, rows[-1]))

"""Live IBKR socket topics: account summary (``sd``), ledger (``ld``), P&L (``pl``), streaming
history bars (``mh``) and the book (``bd``).

Each answers a subscribe with its frame at once, then recomputes it whenever a price it
depends on moves (the node's market ticker) or one of the account's events arrives, and
sends it again only when it changed. Shapes are IBKR's, as ibind's router parses them.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

import orjson

from gatehouse.api import portal_shapes as shapes
from gatehouse.api.sockets.ibkr_topics import Message, Subscription, Target, TopicContext
from gatehouse.api.sockets.outlet import encode
from gatehouse.domain.errors import GatehouseError, InvalidInput
from gatehouse.domain.sync.events import AccountEvent
from gatehouse.domain.trading.quotes import BookLevel, Quote
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.trading import market, portfolio
from gatehouse.service.trading.quote_feed import QuoteSubscription
from gatehouse.service.trading.views import millis

logger = logging.getLogger("gatehouse.sync")

Frames = tuple[list[Message], Iterable[int]]  # the frames, and the conids they depend on
Builder = Callable[[], Awaitable[Frames]]
BOOK_LEVELS = 5
_server_ids = itertools.count(1)


def _fingerprint(messages: Sequence[Message]) -> bytes:
    """The frames without their timestamps: what decides whether anything changed."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("timestamp", "_updated")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return orjson.dumps([strip(m) for m in messages], option=orjson.OPT_SORT_KEYS)


class Refresher:
    """Keeps one subscription's frames current: recompute on a kick, send what changed."""

    def __init__(self, tc: TopicContext, build: Builder) -> None:
        self.tc = tc
        self.build = build
        self._last = b""
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._closed = False
        self._arming = False
        self._feed: QuoteSubscription | None = None
        self._conids: frozenset[int] = frozenset()

    async def first(self) -> list[Message]:
        messages, conids = await self.build()
        self._last = _fingerprint(messages)
        self.follow(conids)
        return messages

    def follow(self, conids: Iterable[int]) -> None:
        """Recompute whenever one of ``conids`` ticks (and only those)."""
        wanted = frozenset(conids)
        ticker = self.tc.ticker
        if wanted == self._conids or ticker is None or self._closed:
            return
        if self._feed is not None:
            ticker.unsubscribe(self._feed)
            self._feed = None
        self._conids = wanted
        if wanted:
            self._arming = True  # the ticker calls back at once with the current quotes
            try:
                self._feed = ticker.subscribe(wanted, self._moved)
            finally:
                self._arming = False

    def _moved(self, quotes: Sequence[Quote]) -> None:
        if not self._arming:
            self.kick()

    def kick(self) -> None:
        if self._closed:
            return
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.get_running_loop().create_task(self._refresh())

    async def _refresh(self) -> None:
        self._again = True
        while self._again and not self._closed:
            self._again = False
            try:
                messages, conids = await self.build()
            except GatehouseError:
                return  # e.g. the account was closed meanwhile: nothing to send
            except Exception:
                logger.exception("refreshing a socket topic failed")
                return
            fingerprint = _fingerprint(messages)
            if fingerprint != self._last:
                self._last = fingerprint
                for message in messages:
                    self.tc.outlet.offer(encode(message))
            self.follow(conids)

    def close(self) -> None:
        self._closed = True
        if self._feed is not None and self.tc.ticker is not None:
            self.tc.ticker.unsubscribe(self._feed)
            self._feed = None
        if self._task is not None:
            self._task.cancel()


class LiveTopic:
    """A topic whose frames ``frames(sub, tc)`` computes; refreshed on ticks and on events."""

    needs_principal = True  # its frames read the account: the socket reads the principal

    def __init__(
        self,
        *,
        target: Target,
        frames: Callable[[Subscription, TopicContext], Awaitable[Frames]],
        prefixes: tuple[str, ...] = (),
        goodbye: Callable[[Subscription], list[Message]] | None = None,
    ) -> None:
        self.target = target
        self._frames = frames
        self._prefixes = prefixes
        self._goodbye = goodbye

    async def subscribe(self, sub: Subscription, tc: TopicContext) -> list[Message]:
        refresher = Refresher(tc, lambda: self._frames(sub, tc))
        messages = await refresher.first()
        sub.live = refresher
        return messages

    def unsubscribe(self, sub: Subscription, tc: TopicContext) -> list[Message]:
        if sub.live is not None:
            sub.live.close()
            sub.live = None
        return self._goodbye(sub) if self._goodbye else []

    def on_event(self, sub: Subscription, event: AccountEvent) -> list[Message]:
        if not self._prefixes or not event.type.startswith(self._prefixes):
            return []
        if self.target is Target.ACCOUNT and event.account != sub.target:
            return []
        if isinstance(sub.live, Refresher):
            sub.live.kick()
        return []


def _service(tc: TopicContext) -> ServiceContext:
    assert tc.service is not None, "the socket wires the service context"
    return tc.service


def _principal(tc: TopicContext) -> Principal:
    assert tc.principal is not None, "the socket reads it for a topic that needs it"
    return tc.principal


def _names(args: Mapping[str, object], key: str) -> set[str] | None:
    """An optional list of names in the subscribe arguments (``keys``, ``fields``)."""
    value = args.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"'{key}' must be a list of names.", field=key)
    return {v.lower() for v in value}


# --- account summary and ledger ------------------------------------------------------------------
SUMMARY_NAMES = {
    "netliquidation": "NetLiquidation",
    "equitywithloanvalue": "EquityWithLoanValue",
    "previousdayequitywithloanvalue": "PreviousDayEquityWithLoanValue",
    "initmarginreq": "InitMarginReq",
    "maintmarginreq": "MaintMarginReq",
    "fullinitmarginreq": "FullInitMarginReq",
    "fullmaintmarginreq": "FullMaintMarginReq",
    "availablefunds": "AvailableFunds",
    "fullavailablefunds": "FullAvailableFunds",
    "excessliquidity": "ExcessLiquidity",
    "fullexcessliquidity": "FullExcessLiquidity",
    "lookaheadinitmarginreq": "LookAheadInitMarginReq",
    "lookaheadmaintmarginreq": "LookAheadMaintMarginReq",
    "lookaheadavailablefunds": "LookAheadAvailableFunds",
    "lookaheadexcessliquidity": "LookAheadExcessLiquidity",
    "totalcashvalue": "TotalCashValue",
    "settledcash": "SettledCash",
    "grosspositionvalue": "GrossPositionValue",
    "sma": "SMA",
    "accruedcash": "AccruedCash",
    "regtequity": "RegTEquity",
    "regtmargin": "RegTMargin",
    "buyingpower": "BuyingPower",
    "cushion": "Cushion",
    "leverage-s": "Leverage-S",
    "daytradesremaining": "DayTradesRemaining",
}


def summary_rows(found: portfolio.AccountFigures, keys: set[str] | None) -> list[Message]:
    """``ssd`` rows: ``{key, currency, monetaryValue, severity, timestamp}`` per figure, led
    by ``AccountCode`` (ibind takes the account from it)."""
    body = shapes.summary(found)
    at = millis(found.at)
    rows: list[Message] = [
        {"key": "AccountCode", "value": found.account.account_id, "timestamp": at},
        {"key": "AccountType", "value": body["accounttype"]["value"], "timestamp": at},
    ]
    for name, key in SUMMARY_NAMES.items():
        if keys is not None and key.lower() not in keys:
            continue
        item = body[name]
        if item["currency"] is None:
            rows.append({"key": key, "value": item["amount"], "severity": 0, "timestamp": at})
        else:
            money = {"currency": item["currency"], "monetaryValue": item["amount"]}
            rows.append({"key": key, **money, "severity": 0, "timestamp": at})
    return rows


async def summary_frames(sub: Subscription, tc: TopicContext) -> Frames:
    ctx = _service(tc)
    keys = _names(sub.args, "keys")
    who = _principal(tc)
    found = await portfolio.figures(ctx, who, sub.target)
    held = (await portfolio.cached_book(ctx, who, sub.target)).book.positions()
    return [{"topic": sub.topic, "result": summary_rows(found, keys)}], held


def ledger_rows(
    found: portfolio.AccountFigures, keys: set[str] | None, fields: set[str] | None
) -> list[Message]:
    """``sld`` rows, one per currency: ``{key: "LedgerList<CUR>", acctCode, secondKey, …}``."""
    rows: list[Message] = []
    for currency, values in shapes.ledger(found).items():
        if keys is not None and currency.lower() not in keys:
            continue
        row: Message = {
            "key": f"LedgerList{currency}",
            "acctCode": found.account.account_id,
            "secondKey": currency,
            "timestamp": values["timestamp"],
        }
        for name, value in values.items():
            if name in ("key", "secondkey", "acctcode", "timestamp", "sessionid"):
                continue
            if fields is None or name in fields or name == "currency":
                row[name] = value
        rows.append(row)
    return rows


async def ledger_frames(sub: Subscription, tc: TopicContext) -> Frames:
    ctx = _service(tc)
    keys, fields = _names(sub.args, "keys"), _names(sub.args, "fields")
    who = _principal(tc)
    found = await portfolio.figures(ctx, who, sub.target)
    held = (await portfolio.cached_book(ctx, who, sub.target)).book.positions()
    return [{"topic": sub.topic, "result": ledger_rows(found, keys, fields)}], held


# --- P&L --------------------------------------------------------------------------------------
async def pnl_frames(sub: Subscription, tc: TopicContext) -> Frames:
    """``spl``: ``{"<acct>.Core": {rowType, dpl, nl, upl, el, uel, mv}}`` for each account."""
    ctx = _service(tc)
    rows: dict[str, object] = {}
    held: set[int] = set()
    who = _principal(tc)
    for account_id in who.account_ids:
        found = await portfolio.figures(ctx, who, account_id)
        day = await portfolio.day(ctx, who, account_id)
        rows[f"{account_id}.Core"] = shapes.pnl_row(found, day)
        book = await portfolio.cached_book(ctx, who, account_id)
        held.update(book.book.positions())
    return [{"topic": "spl", "args": rows}], held


# --- streaming history bars -------------------------------------------------------------------
def _text(args: Mapping[str, object], *names: str) -> str | None:
    for name in names:
        value = args.get(name)
        if value is None:
            continue
        if isinstance(value, bool):
            return "true" if value else "false"
        if not isinstance(value, str | int) or len(str(value)) > 32:
            raise InvalidInput(f"'{name}' must be a short text.", field=name)
        return str(value)
    return None


def history_frames(sub: Subscription, tc: TopicContext) -> Callable[[], Awaitable[Frames]]:
    """``smh+<conid>``: the bars at once (with a ``serverId``), then each bar that changes."""
    sent: dict[int, dict[str, Any]] = {}

    async def frames() -> Frames:
        found = market.history(
            _service(tc),
            conid=sub.target,
            bar=_text(sub.args, "bar"),
            period=_text(sub.args, "period"),
            outside_rth=_text(sub.args, "outside_rth", "outsideRth", "outsideRTH"),
        )
        bars: list[dict[str, Any]] = found.pop("data", [])
        fresh = [bar for bar in bars if sent.get(bar["t"]) != bar]
        first = not sent
        sent.update({bar["t"]: bar for bar in fresh})
        if not first and not fresh:
            return [], [int(sub.target)]
        body: Message = {"topic": f"smh+{sub.target}", **found, "serverId": sub.server_id}
        body.update(data=fresh, points=max(len(fresh) - 1, 0))
        return [body], [int(sub.target)]

    return frames


class HistoryTopic(LiveTopic):
    max_per_socket = 5  # IBKR allows 5 concurrent history streams

    def __init__(self) -> None:
        super().__init__(target=Target.CONID, frames=self._unused)

    @staticmethod
    async def _unused(sub: Subscription, tc: TopicContext) -> Frames:  # pragma: no cover
        raise AssertionError("history builds its frames per subscription")

    async def subscribe(self, sub: Subscription, tc: TopicContext) -> list[Message]:
        sub.server_id = str(next(_server_ids))
        refresher = Refresher(tc, history_frames(sub, tc))
        messages = await refresher.first()
        sub.live = refresher
        return messages

    def unsubscribe(self, sub: Subscription, tc: TopicContext) -> list[Message]:
        super().unsubscribe(sub, tc)
        return [{"message": f"Unsubscribed {sub.server_id}"}]


# --- the book (BookTrader price ladder) ---------------------------------------------------------
def book_rows(levels: Sequence[BookLevel], last: float) -> list[Message]:
    """Ladder rows, highest price first; ``focus`` marks the level nearest the last price."""
    nearest = min(range(len(levels)), key=lambda i: abs(float(levels[i].price) - last))
    rows: list[Message] = []
    for i, level in enumerate(levels):
        row: Message = {"row": i, "focus": 1 if i == nearest else 0, "price": f"{level.price:.2f}"}
        if level.bid_size:
            row["bid"] = str(level.bid_size)
        if level.ask_size:
            row["ask"] = str(level.ask_size)
        rows.append(row)
    return rows


async def book_frames(sub: Subscription, tc: TopicContext) -> Frames:
    """``sbd+<acct>+<conid>[+<exchange>]``: the levels around the quote, as ``data`` rows."""
    if not sub.extra or not sub.extra[0].isdigit():
        raise InvalidInput("The book needs a conid: sbd+<account>+<conid>.", field="conid")
    ctx = _service(tc)
    conid = int(sub.extra[0])
    now = ctx.clock.now()
    levels = ctx.quotes.book(conid, now, levels=BOOK_LEVELS)
    last = float(ctx.quotes.quote(conid, now).last)
    return [{"topic": sub.topic, "data": book_rows(levels, last)}], [conid]


def live_topics() -> dict[str, LiveTopic]:
    """The live entries of the topic table (``ibkr_topics.default_topics``)."""
    account_events = ("balance.", "position.", "order.filled", "execution.", "account.")
    return {
        "sd": LiveTopic(
            target=Target.ACCOUNT, frames=summary_frames, prefixes=account_events,
            goodbye=lambda sub: [{"result": "unsubscribed from summary"}],
        ),
        "ld": LiveTopic(
            target=Target.ACCOUNT, frames=ledger_frames, prefixes=account_events,
            goodbye=lambda sub: [{"result": "unsubscribed from ledger"}],
        ),
        "pl": LiveTopic(target=Target.NONE, frames=pnl_frames, prefixes=account_events),
        "mh": HistoryTopic(),
        "bd": LiveTopic(target=Target.ACCOUNT, frames=book_frames),
    }  # fmt: skip

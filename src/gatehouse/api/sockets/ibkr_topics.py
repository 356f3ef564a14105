"""IBKR ``/v1/api/ws`` topics: one small payload builder per channel, registered in one table.

A ``TopicSource`` answers a subscribe with the messages that confirm it (IBKR clients
count a subscription as active once a message with ``topic == "s" + channel`` arrives),
answers an unsubscribe, and turns the user's account events into messages for its topic.

Extension points for the brokerage core (issue 3): replace an entry of ``default_topics``
— e.g. an ``OrdersTopic`` whose ``subscribe`` lists the live orders, or a summary topic
that computes the margin figures — and market data flows through ``QuoteHub.publish``.
The defaults confirm with what exists (empty ``args``) and forward events by type prefix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from gatehouse.domain.sync.events import AccountEvent
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.sync.hub import Outlet
from gatehouse.service.sync.quotes import QuoteHub, QuoteWatch
from gatehouse.service.trading.ticker import MarketTicker

Message = dict[str, object]


class Target(Enum):
    NONE = "none"
    CONID = "conid"
    ACCOUNT = "account"  # must be one of the session's accounts


class Follower(Protocol):
    """What keeps a live subscription fed (price moves, account events); closed with it."""

    def close(self) -> None: ...


@dataclass(eq=False)
class Subscription:
    """One active subscription of one socket."""

    channel: str
    target: str
    args: dict[str, object]
    extra: tuple[str, ...] = ()  # more ``+`` parts: sbd's conid (and exchange)
    watch: QuoteWatch | None = None  # market data: this socket's place in the quote hub
    live: Follower | None = None  # summary, ledger, P&L, history, book: their refresher
    server_id: str | None = None  # smh: the id ``umh+<serverId>`` names it by

    @property
    def topic(self) -> str:
        parts = [f"s{self.channel}", *([self.target] if self.target else []), *self.extra]
        return "+".join(parts)


@dataclass(frozen=True)
class TopicContext:
    """What a topic source may use while answering one socket."""

    principal: Principal | None  # read for the topics that need it (``needs_principal``)
    outlet: Outlet
    quotes: QuoteHub
    now_ms: int
    drop: Callable[[], None]  # cut this socket off (it fell behind)
    service: ServiceContext | None = None  # reads of the account and the market
    ticker: MarketTicker | None = None  # price moves, for topics that follow them


class TopicSource(Protocol):
    target: Target

    async def subscribe(self, sub: Subscription, tc: TopicContext) -> list[Message]:
        """The messages pushed at once; the first one's ``topic`` confirms the subscription."""
        ...

    def unsubscribe(self, sub: Subscription, tc: TopicContext) -> list[Message]: ...

    def on_event(self, sub: Subscription, event: AccountEvent) -> list[Message]:
        """Messages for one of the user's account events (usually none)."""
        ...


class EventTopic:
    """Confirm with empty ``args``; forward account events whose type has one of ``prefixes``."""

    def __init__(
        self,
        *,
        target: Target,
        prefixes: tuple[str, ...],
        shape: Callable[[AccountEvent], object],
        empty: Callable[[], object],
        unsubscribed: str | None = None,
    ) -> None:
        self.target = target
        self._prefixes = prefixes
        self._shape = shape
        self._empty = empty
        self._unsubscribed = unsubscribed

    async def subscribe(self, sub: Subscription, tc: TopicContext) -> list[Message]:
        return [{"topic": sub.topic, "args": self._empty()}]

    def unsubscribe(self, sub: Subscription, tc: TopicContext) -> list[Message]:
        return [{"result": self._unsubscribed}] if self._unsubscribed else []

    def on_event(self, sub: Subscription, event: AccountEvent) -> list[Message]:
        if not event.type.startswith(self._prefixes):
            return []
        if self.target is Target.ACCOUNT and event.account != sub.target:
            return []
        return [{"topic": sub.topic, "args": self._shape(event)}]


class MarketDataTopic:
    """``smd+<conid>``: the latest values at once, then every change from the quote hub."""

    target = Target.CONID

    async def subscribe(self, sub: Subscription, tc: TopicContext) -> list[Message]:
        conid = int(sub.target)
        raw = sub.args.get("fields", [])
        fields = [str(f) for f in raw] if isinstance(raw, list) else []
        sub.watch = tc.quotes.watch(conid, fields, tc.outlet, tc.drop)
        latest = tc.quotes.latest(conid)
        first: Message = {"topic": f"smd+{conid}", "conid": conid, "_updated": tc.now_ms}
        first.update({k: v for k, v in latest.items() if not fields or k in fields})
        return [first]

    def unsubscribe(self, sub: Subscription, tc: TopicContext) -> list[Message]:
        if sub.watch is not None:
            tc.quotes.unwatch(sub.watch)
            sub.watch = None
        return []

    def on_event(self, sub: Subscription, event: AccountEvent) -> list[Message]:
        return []


def _listed(event: AccountEvent) -> object:
    return [event.data]


def default_topics() -> Mapping[str, TopicSource]:
    """The one table of channels this server answers, by IBKR channel name."""
    from gatehouse.api.sockets.ibkr_live import live_topics  # builds on this module

    return {
        "md": MarketDataTopic(),
        "or": EventTopic(target=Target.NONE, prefixes=("order.",), shape=_listed, empty=list),
        "tr": EventTopic(
            target=Target.NONE, prefixes=("trade.", "execution."), shape=_listed, empty=list
        ),
        **live_topics(),  # sd, ld, pl, mh, bd: computed, then refreshed as prices move
    }

"""In-process quote subscribers: ``subscribe(conids, callback)`` and ``unsubscribe(handle)``.

The market ticker calls ``deliver`` on every market tick with the quotes that changed; each
subscriber's callback gets those of its instruments, oldest conid order kept. Callbacks run
on the event loop and must not block; one that raises is logged and stays subscribed.
WebSocket sockets use the IBKR-field fan-out in ``service.sync.quotes.QuoteHub`` instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from gatehouse.domain.trading.instruments import by_conid
from gatehouse.domain.trading.quotes import Quote

logger = logging.getLogger("gatehouse.market")

QuoteCallback = Callable[[Sequence[Quote]], None]


@dataclass(eq=False)
class QuoteSubscription:
    """One subscriber's place in the feed; hand it back to ``unsubscribe``."""

    conids: tuple[int, ...]
    callback: QuoteCallback


class QuoteFeed:
    def __init__(self) -> None:
        self._subscriptions: set[QuoteSubscription] = set()

    def subscribe(self, conids: Iterable[int], callback: QuoteCallback) -> QuoteSubscription:
        """Hear about ``conids`` (known instruments; ``UnknownInstrument`` otherwise)."""
        chosen = tuple(dict.fromkeys(by_conid(conid).conid for conid in conids))
        subscription = QuoteSubscription(chosen, callback)
        self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: QuoteSubscription) -> None:
        """Stop hearing; unsubscribing twice is harmless."""
        self._subscriptions.discard(subscription)

    def wanted(self) -> set[int]:
        """Every conid some subscriber listens to."""
        return {conid for s in self._subscriptions for conid in s.conids}

    def deliver(self, quotes: Mapping[int, Quote]) -> int:
        """Pass changed ``quotes`` on; returns how many callbacks were called."""
        called = 0
        for subscription in list(self._subscriptions):
            mine = [quotes[c] for c in subscription.conids if c in quotes]
            if not mine:
                continue
            called += 1
            try:
                subscription.callback(mine)
            except Exception:
                logger.exception("a quote subscriber failed")
        return called

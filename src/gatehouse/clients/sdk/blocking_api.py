"""The blocking versions of the SDK's namespaces (orders, portfolio, ...), for ``Gatehouse``.

Each attribute is the async method run on the client's own loop, with the same signature.
"""

from __future__ import annotations

from gatehouse.clients.sdk.client import AsyncGatehouse
from gatehouse.clients.sdk.loop import LoopThread


class BlockingAccounts:
    """``gh.accounts``, blocking."""

    def __init__(self, aio: AsyncGatehouse, loops: LoopThread) -> None:
        ns, wrap = aio.accounts, loops.wrap
        self.all = wrap(ns.all)
        self.ids = wrap(ns.ids)
        self.iserver = wrap(ns.iserver)
        self.select = wrap(ns.select)
        self.deposit = wrap(ns.deposit)
        self.withdraw = wrap(ns.withdraw)
        self.transactions = wrap(ns.transactions)
        self.reset = wrap(ns.reset)


class BlockingPortfolio:
    """``gh.portfolio``, blocking."""

    def __init__(self, aio: AsyncGatehouse, loops: LoopThread) -> None:
        ns, wrap = aio.portfolio, loops.wrap
        self.summary = wrap(ns.summary)
        self.account_summary = wrap(ns.account_summary)
        self.ledger = wrap(ns.ledger)
        self.positions = wrap(ns.positions)
        self.position = wrap(ns.position)
        self.invalidate = wrap(ns.invalidate)
        self.allocation = wrap(ns.allocation)
        self.pnl = wrap(ns.pnl)


class BlockingOrders:
    """``gh.orders``, blocking."""

    def __init__(self, aio: AsyncGatehouse, loops: LoopThread) -> None:
        ns, wrap = aio.orders, loops.wrap
        self.place = wrap(ns.place)
        self.submit = wrap(ns.submit)
        self.reply = wrap(ns.reply)
        self.answer_all = wrap(ns.answer_all)
        self.modify = wrap(ns.modify)
        self.cancel = wrap(ns.cancel)
        self.whatif = wrap(ns.whatif)
        self.live = wrap(ns.live)
        self.status = wrap(ns.status)
        self.trades = wrap(ns.trades)
        self.suppress = wrap(ns.suppress)
        self.reset_suppressed = wrap(ns.reset_suppressed)


class BlockingMarketData:
    """``gh.market``, blocking."""

    def __init__(self, aio: AsyncGatehouse, loops: LoopThread) -> None:
        ns, wrap = aio.market, loops.wrap
        self.snapshot = wrap(ns.snapshot)
        self.history = wrap(ns.history)
        self.unsubscribe = wrap(ns.unsubscribe)
        self.unsubscribe_all = wrap(ns.unsubscribe_all)


class BlockingContracts:
    """``gh.contracts``, blocking."""

    def __init__(self, aio: AsyncGatehouse, loops: LoopThread) -> None:
        ns, wrap = aio.contracts, loops.wrap
        self.search = wrap(ns.search)
        self.conid = wrap(ns.conid)
        self.stocks = wrap(ns.stocks)
        self.definitions = wrap(ns.definitions)
        self.info = wrap(ns.info)
        self.rules = wrap(ns.rules)


class BlockingWatchlists:
    """``gh.watchlists``, blocking."""

    def __init__(self, aio: AsyncGatehouse, loops: LoopThread) -> None:
        ns, wrap = aio.watchlists, loops.wrap
        self.all = wrap(ns.all)
        self.get = wrap(ns.get)
        self.create = wrap(ns.create)
        self.replace = wrap(ns.replace)
        self.delete = wrap(ns.delete)


class BlockingAlerts:
    """``gh.alerts``, blocking."""

    def __init__(self, aio: AsyncGatehouse, loops: LoopThread) -> None:
        ns, wrap = aio.alerts, loops.wrap
        self.all = wrap(ns.all)
        self.create = wrap(ns.create)
        self.delete = wrap(ns.delete)


class BlockingLayouts:
    """``gh.layouts``, blocking."""

    def __init__(self, aio: AsyncGatehouse, loops: LoopThread) -> None:
        ns, wrap = aio.layouts, loops.wrap
        self.all = wrap(ns.all)
        self.save = wrap(ns.save)
        self.get = wrap(ns.get)
        self.delete = wrap(ns.delete)


class BlockingMessages:
    """``gh.messages``, blocking."""

    def __init__(self, aio: AsyncGatehouse, loops: LoopThread) -> None:
        ns, wrap = aio.messages, loops.wrap
        self.threads = wrap(ns.threads)
        self.start = wrap(ns.start)
        self.read = wrap(ns.read)
        self.post = wrap(ns.post)
        self.mark_read = wrap(ns.mark_read)
        self.unread = wrap(ns.unread)

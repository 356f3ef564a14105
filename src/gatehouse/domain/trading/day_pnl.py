"""Day P&L, IBKR's rule: held overnight from the prior close, opened today from the fill price.

For one instrument: ``shares now × mark − shares at the start of the day × prior close``
plus the cash its trades today moved (proceeds − cost − commissions). Summed over the
account, with the other cash booked today that is not a transfer (interest, dividends,
fees), it equals ``NLV now − NLV at the start of the day − net deposits today``.

The day's P&L as a fraction (``day_pnl_ratio``) is of **the NLV at the start of the day plus
today's net deposits** (deposits − withdrawals): money moved in or out today is neither a
gain nor a loss, and it is counted as if it had been there (or gone) since the start of the
day. By the identity above that base is ``NLV now − day P&L``, which needs no second read of
the start of the day. A base of 0 or less (an account opened today with nothing deposited, or
everything withdrawn) has no meaningful fraction: ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.ledger import CashEntry, CashEntryKind

_ZERO = Decimal(0)
# Cash entries that move value in or out of the account without being a gain or a loss.
TRANSFER_KINDS = frozenset({CashEntryKind.DEPOSIT, CashEntryKind.WITHDRAWAL})
# Cash entries already counted through the executions.
TRADE_KINDS = frozenset({CashEntryKind.TRADE, CashEntryKind.COMMISSION})


@dataclass(frozen=True, slots=True)
class InstrumentDay:
    """One instrument's day: shares at the start and now, and its trades' cash today."""

    conid: int
    quantity: Decimal  # signed shares now
    start_quantity: Decimal  # signed shares at the start of the day
    mark: Decimal
    prior_close: Decimal
    trade_cash: Decimal  # signed cash of today's fills, commissions included

    @property
    def pnl(self) -> Decimal:
        return self.quantity * self.mark - self.start_quantity * self.prior_close + self.trade_cash


@dataclass(frozen=True, slots=True)
class DayPnl:
    """The account's day: each instrument held or traded today, and other cash booked today."""

    instruments: tuple[InstrumentDay, ...]
    other_cash: Decimal = _ZERO

    @property
    def total(self) -> Decimal:
        return sum((item.pnl for item in self.instruments), self.other_cash)

    def of(self, conid: int) -> Decimal:
        """One instrument's day P&L (0 when neither held nor traded today)."""
        return sum((item.pnl for item in self.instruments if item.conid == conid), _ZERO)


def day_pnl(
    *,
    positions: Mapping[int, Decimal],
    marks: Mapping[int, Decimal],
    prior_closes: Mapping[int, Decimal],
    executions_today: Iterable[Execution],
    cash_today: Iterable[CashEntry] = (),
) -> DayPnl:
    """The day P&L of an account now holding ``positions`` (signed shares by conid).

    ``executions_today`` are the fills since the start of the day; ``marks`` and
    ``prior_closes`` must have a price for every conid held or traded today (a conid
    traded today and flat now needs none: its shares are 0 at both ends only if its fills
    net to 0, otherwise it was held overnight and needs its prior close). ``cash_today``
    may hold every journal entry of the day: transfers and trade entries are left out.
    """
    traded: dict[int, Decimal] = {}
    cash: dict[int, Decimal] = {}
    for execution in executions_today:
        sign = execution.side.sign
        traded[execution.conid] = traded.get(execution.conid, _ZERO) + sign * execution.quantity
        cash[execution.conid] = cash.get(execution.conid, _ZERO) + execution.net_amount
    items: list[InstrumentDay] = []
    for conid in sorted(set(positions) | set(traded)):
        quantity = positions.get(conid, _ZERO)
        start = quantity - traded.get(conid, _ZERO)
        items.append(
            InstrumentDay(
                conid=conid,
                quantity=quantity,
                start_quantity=start,
                mark=marks[conid] if quantity else marks.get(conid, _ZERO),
                prior_close=prior_closes[conid] if start else prior_closes.get(conid, _ZERO),
                trade_cash=cash.get(conid, _ZERO),
            )
        )
    other = sum(
        (
            entry.amount
            for entry in cash_today
            if entry.kind not in TRANSFER_KINDS and entry.kind not in TRADE_KINDS
        ),
        _ZERO,
    )
    return DayPnl(tuple(items), other)


def day_pnl_base(pnl: Decimal, *, net_liquidation: Decimal) -> Decimal:
    """What the day's P&L is a fraction of: the NLV at the start of the day (0 for an account
    opened today) plus today's net deposits, which is ``NLV now − the day's P&L``."""
    return net_liquidation - pnl


def day_pnl_ratio(pnl: Decimal, *, net_liquidation: Decimal) -> Decimal | None:
    """The day's P&L over ``day_pnl_base`` (0.0123 is +1.23%); ``None`` when that base is 0
    or less, where no fraction means anything."""
    base = day_pnl_base(pnl, net_liquidation=net_liquidation)
    if base <= 0:
        return None
    return pnl / base

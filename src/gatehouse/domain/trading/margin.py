"""Account values as IBKR defines them for the securities segment: NLV, ELV, margin, buying power.

Rates (IBKR Reg T, US stocks): long 25% initial and maintenance at the point of trade; short
30% with per-share floors (see :func:`short_requirement_per_share`). A cash account's
equity with loan value is its settled cash; its long stock is fully paid, so it is not in
ELV and carries no margin — the 100% requirement is enforced on each buy before it is
accepted (see :mod:`gatehouse.domain.trading.pretrade`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from gatehouse.domain.trading.ledger import Book

LONG_INITIAL_RATE = Decimal("0.25")
LONG_MAINTENANCE_RATE = Decimal("0.25")
SHORT_RATE = Decimal("0.30")
REG_T_RATE = Decimal("0.50")
INTRADAY_MULTIPLIER = 4
PATTERN_DAY_TRADER_MINIMUM = Decimal(25_000)
DAY_TRADES_ALLOWED = 3
UNLIMITED_DAY_TRADES = -1
_RATIO = Decimal("0.000001")
_ZERO = Decimal(0)


class AccountType(StrEnum):
    CASH = "cash"
    MARGIN = "margin"


def short_requirement_per_share(price: Decimal) -> Decimal:
    """Margin per share sold short (initial and maintenance alike), IBKR's schedule:

    30% of the price above $16.67, $5.00 a share from $5.00 to $16.67, 100% of the price
    from $2.50 to $5.00, and $2.50 a share at or below $2.50.
    """
    if price > Decimal("16.67"):
        return price * SHORT_RATE
    if price > 5:
        return Decimal("5.00")
    if price > Decimal("2.50"):
        return price
    return Decimal("2.50")


def initial_requirement(account_type: AccountType, quantity: Decimal, price: Decimal) -> Decimal:
    """Initial margin for a signed position of ``quantity`` shares at ``price``."""
    if quantity < 0:
        return -quantity * short_requirement_per_share(price)
    if account_type is AccountType.CASH:
        return _ZERO
    return quantity * price * LONG_INITIAL_RATE


def maintenance_requirement(
    account_type: AccountType, quantity: Decimal, price: Decimal
) -> Decimal:
    """Maintenance margin for a signed position of ``quantity`` shares at ``price``."""
    if quantity < 0:
        return -quantity * short_requirement_per_share(price)
    if account_type is AccountType.CASH:
        return _ZERO
    return quantity * price * LONG_MAINTENANCE_RATE


@dataclass(frozen=True, slots=True)
class MarginSnapshot:
    """Account values at one set of prices, named after IBKR's summary keys.

    ``sma`` is simplified: the excess of ELV over Reg T's 50% of the gross position value
    (floored at 0), recomputed from scratch rather than carried from day to day; 0 in a
    cash account. ``day_trades_remaining`` is -1 (unlimited) at $25,000 NLV or more.
    """

    account_type: AccountType
    net_liquidation: Decimal
    total_cash: Decimal
    settled_cash: Decimal
    long_market_value: Decimal
    short_market_value: Decimal
    stock_market_value: Decimal
    gross_position_value: Decimal
    equity_with_loan: Decimal
    previous_day_equity_with_loan: Decimal
    init_margin: Decimal
    maint_margin: Decimal
    available_funds: Decimal
    excess_liquidity: Decimal
    buying_power: Decimal
    cushion: Decimal
    leverage: Decimal
    sma: Decimal
    day_trades_remaining: int
    unrealized_pnl: Decimal
    realized_pnl: Decimal


def snapshot(
    book: Book,
    prices: Mapping[int, Decimal],
    *,
    account_type: AccountType,
    previous_day_elv: Decimal | None,
    day_trades_used: int = 0,
) -> MarginSnapshot:
    """The account's values with every position marked at ``prices`` (one per held conid).

    ``previous_day_elv`` is ELV at the last 16:00 ET close (``None``: use today's ELV);
    ``day_trades_used`` counts day trades in the last five trading days.
    """
    long_value = _ZERO
    short_value = _ZERO
    initial = _ZERO
    maintenance = _ZERO
    basis = _ZERO
    for conid, quantity in book.positions().items():
        if conid not in prices:
            raise ValueError(f"no price to value the position in conid {conid}")
        price = prices[conid]
        value = quantity * price
        if quantity > 0:
            long_value += value
        else:
            short_value += value
        initial += initial_requirement(account_type, quantity, price)
        maintenance += maintenance_requirement(account_type, quantity, price)
        basis += book.cost_basis(conid)

    cash = book.cash
    stock_value = long_value + short_value
    gross = long_value - short_value
    net_liquidation = cash + stock_value
    if account_type is AccountType.MARGIN:
        equity_with_loan = cash + stock_value
        sma = max(equity_with_loan - gross * REG_T_RATE, _ZERO)
    else:
        equity_with_loan = cash  # settled cash: trades settle at once in Gatehouse
        sma = _ZERO
    previous = equity_with_loan if previous_day_elv is None else previous_day_elv
    available = equity_with_loan - initial
    excess = equity_with_loan - maintenance
    base_power = min(equity_with_loan, previous) - initial
    if account_type is AccountType.MARGIN:
        base_power *= INTRADAY_MULTIPLIER
    if net_liquidation <= 0:
        cushion = _ZERO
    elif gross == 0:
        cushion = Decimal(1)
    else:
        cushion = (excess / net_liquidation).quantize(_RATIO)
    leverage = (gross / net_liquidation).quantize(_RATIO) if net_liquidation > 0 else _ZERO
    if net_liquidation >= PATTERN_DAY_TRADER_MINIMUM:
        day_trades = UNLIMITED_DAY_TRADES
    else:
        day_trades = max(DAY_TRADES_ALLOWED - day_trades_used, 0)

    return MarginSnapshot(
        account_type=account_type,
        net_liquidation=net_liquidation,
        total_cash=cash,
        settled_cash=cash,
        long_market_value=long_value,
        short_market_value=short_value,
        stock_market_value=stock_value,
        gross_position_value=gross,
        equity_with_loan=equity_with_loan,
        previous_day_equity_with_loan=previous,
        init_margin=initial,
        maint_margin=maintenance,
        available_funds=available,
        excess_liquidity=excess,
        buying_power=max(base_power, _ZERO),
        cushion=cushion,
        leverage=leverage,
        sma=sma,
        day_trades_remaining=day_trades,
        unrealized_pnl=stock_value - basis,
        realized_pnl=book.realized_gain(),
    )

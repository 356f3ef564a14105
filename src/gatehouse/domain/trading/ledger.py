"""Cash and positions of one account: a cash journal and FIFO tax lots, with realized gains.

Invariant: ``cash + sum(lot.cost_basis) == deposits - withdrawals + other cash entries
+ sum(realized gains)`` — opening a lot moves value between cash and cost basis; only
closing one (or a non-trade cash entry) changes the sum.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from gatehouse.domain.errors import InsufficientFunds, InvalidInput
from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.instruments import find_conid
from gatehouse.domain.trading.orders import Side

_ZERO = Decimal(0)
_CENT = Decimal("0.01")


class CashEntryKind(StrEnum):
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    TRADE = "trade"
    COMMISSION = "commission"
    INTEREST = "interest"
    DIVIDEND = "dividend"
    FEE = "fee"
    ADJUSTMENT = "adjustment"


@dataclass(frozen=True, slots=True)
class CashEntry:
    """One line of the cash journal; ``amount`` is signed (+ into the account, - out of it)."""

    kind: CashEntryKind
    amount: Decimal
    at: datetime
    description: str
    conid: int | None = None


@dataclass(frozen=True, slots=True)
class Lot:
    """Shares opened by one fill and still open. ``quantity`` is negative for a short lot;
    ``commission`` is the part of the opening commission that belongs to these shares."""

    conid: int
    quantity: Decimal
    price: Decimal
    opened_at: datetime
    commission: Decimal = _ZERO

    @property
    def cost_basis(self) -> Decimal:
        """What the lot cost, commission included; for a short lot, minus its net proceeds."""
        return self.quantity * self.price + self.commission


@dataclass(frozen=True, slots=True)
class RealizedLot:
    """A closed (part of a) lot, as the tax statement needs it; ``quantity`` is positive.

    For a long lot ``opened_at`` is the purchase and ``closed_at`` the sale; for a short
    lot ``opened_at`` is the short sale and ``closed_at`` the covering purchase. Both
    ``proceeds`` and ``cost_basis`` are net of their share of the commissions.
    """

    conid: int
    quantity: Decimal
    opened_at: datetime
    closed_at: datetime
    proceeds: Decimal
    cost_basis: Decimal
    short: bool = False

    @property
    def gain(self) -> Decimal:
        return self.proceeds - self.cost_basis


@dataclass
class Book:
    """The cash, open lots (oldest first per conid), realized lots and cash journal of one account.

    Change it only through :func:`deposit`, :func:`withdraw`, :func:`apply_fill` and
    :func:`record_cash`, so the journal always explains the cash.
    """

    cash: Decimal = _ZERO
    lots: dict[int, list[Lot]] = field(default_factory=dict)
    realized: list[RealizedLot] = field(default_factory=list)
    entries: list[CashEntry] = field(default_factory=list)

    def position(self, conid: int) -> Decimal:
        """Signed shares held: the sum of the open lots."""
        return sum((lot.quantity for lot in self.lots.get(conid, ())), _ZERO)

    def positions(self) -> dict[int, Decimal]:
        """Every non-zero position by conid."""
        held = {conid: self.position(conid) for conid in self.lots}
        return {conid: quantity for conid, quantity in held.items() if quantity != 0}

    def cost_basis(self, conid: int) -> Decimal:
        return sum((lot.cost_basis for lot in self.lots.get(conid, ())), _ZERO)

    def average_cost(self, conid: int) -> Decimal | None:
        """Cost basis per share including commissions (IBKR ``avgCost``); ``None`` when flat."""
        position = self.position(conid)
        if position == 0:
            return None
        return self.cost_basis(conid) / position

    def realized_gain(self, conid: int | None = None) -> Decimal:
        """Total realized gain, for one conid or for the whole account."""
        return sum((r.gain for r in self.realized if conid is None or r.conid == conid), _ZERO)

    def copy(self) -> Book:
        """An independent copy (lots and entries are immutable, so lists are copied shallowly)."""
        return Book(
            cash=self.cash,
            lots={conid: list(lots) for conid, lots in self.lots.items()},
            realized=list(self.realized),
            entries=list(self.entries),
        )


def _check_amount(amount: Decimal, what: str) -> None:
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput(f"The {what} amount must be greater than 0.")
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidInput(f"The {what} amount may have at most 2 decimal places (cents).")


def record_cash(
    book: Book, kind: CashEntryKind, amount: Decimal, *, at: datetime, description: str
) -> CashEntry:
    """Book a signed cash movement that is not a trade (interest, a fee, an adjustment)."""
    entry = CashEntry(kind=kind, amount=amount, at=at, description=description)
    book.cash += amount
    book.entries.append(entry)
    return entry


def deposit(
    book: Book, amount: Decimal, *, at: datetime, description: str = "Deposit"
) -> CashEntry:
    _check_amount(amount, "deposit")
    return record_cash(book, CashEntryKind.DEPOSIT, amount, at=at, description=description)


def withdraw(
    book: Book, amount: Decimal, *, at: datetime, description: str = "Withdrawal"
) -> CashEntry:
    """Take cash out; ``InsufficientFunds`` if it is more than the cash balance.

    Margin rules may allow less than the cash balance; callers check available funds first.
    """
    _check_amount(amount, "withdrawal")
    if amount > book.cash:
        raise InsufficientFunds(
            f"Cannot withdraw {amount:.2f} USD: the cash balance is {book.cash:.2f} USD.",
            requested=str(amount),
            available=str(book.cash),
        )
    return record_cash(book, CashEntryKind.WITHDRAWAL, -amount, at=at, description=description)


def _trade_description(side: Side, quantity: Decimal, conid: int, price: Decimal) -> str:
    instrument = find_conid(conid)
    name = instrument.symbol if instrument else f"conid {conid}"
    verb = "Bought" if side is Side.BUY else "Sold"
    return f"{verb} {quantity} {name} @ {price}"


def apply_fill(
    book: Book,
    *,
    conid: int,
    side: Side,
    quantity: Decimal,
    price: Decimal,
    commission: Decimal,
    at: datetime,
) -> list[RealizedLot]:
    """Book one execution: cash, FIFO closing of opposite lots, then a new lot for the rest.

    The commission is shared between the closed parts and the new lot in proportion to
    their shares (rounded to cents, the last part taking the remainder). Returns the
    realized lots, which are also appended to ``book.realized``.
    """
    if not quantity.is_finite() or quantity <= 0:
        raise InvalidInput("A fill needs a positive quantity.")
    if not price.is_finite() or price <= 0:
        raise InvalidInput("A fill needs a positive price.")
    if not commission.is_finite() or commission < 0:
        raise InvalidInput("A commission cannot be negative.")

    sign = side.sign
    lots = book.lots.setdefault(conid, [])
    realized: list[RealizedLot] = []
    remaining = quantity
    commission_left = commission
    while remaining > 0 and lots and lots[0].quantity * sign < 0:
        lot = lots[0]
        lot_size = abs(lot.quantity)
        closing = min(remaining, lot_size)
        if closing == remaining:
            fill_share = commission_left
        else:
            fill_share = min((commission * closing / quantity).quantize(_CENT), commission_left)
        if closing == lot_size:
            lot_share = lot.commission
            lots.pop(0)
        else:
            lot_share = (lot.commission * closing / lot_size).quantize(_CENT)
            lots[0] = replace(
                lot, quantity=lot.quantity + sign * closing, commission=lot.commission - lot_share
            )
        if lot.quantity > 0:  # selling out of a long lot
            proceeds = closing * price - fill_share
            basis = closing * lot.price + lot_share
        else:  # buying back a short lot
            proceeds = closing * lot.price - lot_share
            basis = closing * price + fill_share
        realized.append(
            RealizedLot(
                conid=conid,
                quantity=closing,
                opened_at=lot.opened_at,
                closed_at=at,
                proceeds=proceeds,
                cost_basis=basis,
                short=lot.quantity < 0,
            )
        )
        commission_left -= fill_share
        remaining -= closing
    if remaining > 0:
        lots.append(Lot(conid, sign * remaining, price, at, commission_left))
    if not lots:
        del book.lots[conid]

    trade_amount = -sign * quantity * price
    book.cash += trade_amount - commission
    description = _trade_description(side, quantity, conid, price)
    book.entries.append(CashEntry(CashEntryKind.TRADE, trade_amount, at, description, conid))
    if commission > 0:
        book.entries.append(
            CashEntry(
                CashEntryKind.COMMISSION, -commission, at, f"Commission: {description}", conid
            )
        )
    book.realized.extend(realized)
    return realized


def apply_execution(book: Book, execution: Execution) -> list[RealizedLot]:
    """:func:`apply_fill` for an :class:`Execution` record."""
    return apply_fill(
        book,
        conid=execution.conid,
        side=execution.side,
        quantity=execution.quantity,
        price=execution.price,
        commission=execution.commission,
        at=execution.at,
    )

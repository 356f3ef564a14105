"""The TWS-side records the codec reads and writes: a contract, an order as the API shows
it, an execution, and a request's contract fields."""

from __future__ import annotations

from dataclasses import dataclass, field

from gatehouse.clients.gateway.tws.protocol import Cursor


@dataclass
class Contract:
    """A contract as TWS messages carry it (stocks and ETFs: strike 0, no right)."""

    con_id: int = 0
    symbol: str = ""
    sec_type: str = ""
    last_trade: str = ""
    strike: float = 0.0
    right: str = ""
    multiplier: str = ""
    exchange: str = ""
    primary_exchange: str = ""
    currency: str = ""
    local_symbol: str = ""
    trading_class: str = ""
    long_name: str = ""
    category: str = ""
    valid_exchanges: str = ""

    @classmethod
    def read(cls, cursor: Cursor) -> Contract:
        """The 12 contract fields every request sends (conId … tradingClass)."""
        return cls(
            con_id=cursor.integer(),
            symbol=cursor.text(),
            sec_type=cursor.text(),
            last_trade=cursor.text(),
            strike=cursor.real() or 0.0,
            right=cursor.text(),
            multiplier=cursor.text(),
            exchange=cursor.text(),
            primary_exchange=cursor.text(),
            currency=cursor.text(),
            local_symbol=cursor.text(),
            trading_class=cursor.text(),
        )


@dataclass
class ApiOrder:
    """An order as openOrder / orderStatus / completedOrder describe it."""

    order_id: int  # the client's id (0 for an order placed elsewhere)
    client_id: int
    perm_id: int
    contract: Contract
    action: str  # BUY / SELL
    quantity: float
    order_type: str  # MKT, LMT, STP, STP LMT, TRAIL, TRAIL LIMIT
    lmt_price: float | None
    aux_price: float | None
    tif: str
    account: str
    order_ref: str = ""
    status: str = "Submitted"  # TWS's status names
    filled: float = 0.0
    remaining: float = 0.0
    avg_fill_price: float = 0.0
    last_fill_price: float = 0.0
    parent_id: int = 0
    oca_group: str = ""
    oca_type: int = 0
    trailing_percent: float | None = None  # a trail in percent (auxPrice is unset then)
    trail_stop_price: float | None = None  # a trailing order's stop now
    lmt_price_offset: float | None = None  # a TRAIL LIMIT's limit from its stop
    outside_rth: bool = False
    transmit: bool = True
    why_held: str = ""
    completed_time: str = ""
    completed_status: str = ""
    gatehouse_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class ApiExecution:
    """One fill as execDetails and commissionReport carry it."""

    exec_id: str
    order_id: int
    client_id: int
    perm_id: int
    contract: Contract
    time: str  # ``YYYYMMDD-HH:MM:SS`` UTC
    account: str
    exchange: str
    side: str  # BOT / SLD
    shares: float
    price: float
    cum_qty: float
    avg_price: float
    order_ref: str
    commission: float
    currency: str = "USD"
    realized_pnl: float | None = None

"""The tradable universe: liquid US stocks and ETFs under IBKR's own contract ids (conids)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from gatehouse.domain.errors import UnknownInstrument


class InstrumentKind(StrEnum):
    STOCK = "stock"
    ETF = "etf"


@dataclass(frozen=True, slots=True)
class Instrument:
    """One listed security. ``base_price`` is a realistic reference that seeds the simulator."""

    conid: int
    symbol: str
    name: str
    exchange: str
    kind: InstrumentKind
    base_price: Decimal
    currency: str = "USD"
    asset_class: str = "STK"


def _stock(conid: int, symbol: str, name: str, exchange: str, price: str) -> Instrument:
    return Instrument(conid, symbol, name, exchange, InstrumentKind.STOCK, Decimal(price))


def _etf(conid: int, symbol: str, name: str, exchange: str, price: str) -> Instrument:
    return Instrument(conid, symbol, name, exchange, InstrumentKind.ETF, Decimal(price))


# Conids are IBKR's public contract ids for the primary US listing of each symbol.
INSTRUMENTS: tuple[Instrument, ...] = (
    _stock(265598, "AAPL", "Apple Inc", "NASDAQ", "230.00"),
    _stock(272093, "MSFT", "Microsoft Corp", "NASDAQ", "420.00"),
    _stock(3691937, "AMZN", "Amazon.com Inc", "NASDAQ", "200.00"),
    _stock(208813719, "GOOGL", "Alphabet Inc Class A", "NASDAQ", "175.00"),
    _stock(208813720, "GOOG", "Alphabet Inc Class C", "NASDAQ", "177.00"),
    _stock(107113386, "META", "Meta Platforms Inc", "NASDAQ", "580.00"),
    _stock(76792991, "TSLA", "Tesla Inc", "NASDAQ", "250.00"),
    _stock(4815747, "NVDA", "NVIDIA Corp", "NASDAQ", "130.00"),
    _stock(313130367, "AVGO", "Broadcom Inc", "NASDAQ", "170.00"),
    _stock(270639, "INTC", "Intel Corp", "NASDAQ", "22.00"),
    _stock(268084, "CSCO", "Cisco Systems Inc", "NASDAQ", "58.00"),
    _stock(265768, "ADBE", "Adobe Inc", "NASDAQ", "450.00"),
    _stock(4391, "AMD", "Advanced Micro Devices Inc", "NASDAQ", "140.00"),
    _stock(15124833, "NFLX", "Netflix Inc", "NASDAQ", "700.00"),
    _stock(199169591, "PYPL", "PayPal Holdings Inc", "NASDAQ", "70.00"),
    _stock(266093, "AMAT", "Applied Materials Inc", "NASDAQ", "180.00"),
    _stock(481691285, "COIN", "Coinbase Global Inc Class A", "NASDAQ", "250.00"),
    _stock(444857009, "PLTR", "Palantir Technologies Inc Class A", "NASDAQ", "80.00"),
    _stock(13824, "WMT", "Walmart Inc", "NASDAQ", "90.00"),
    _stock(8314, "IBM", "International Business Machines Corp", "NYSE", "230.00"),
    _stock(272800, "ORCL", "Oracle Corp", "NYSE", "170.00"),
    _stock(8894, "KO", "Coca-Cola Co", "NYSE", "68.00"),
    _stock(1520593, "JPM", "JPMorgan Chase & Co", "NYSE", "240.00"),
    _stock(10098, "BAC", "Bank of America Corp", "NYSE", "44.00"),
    _stock(10375, "WFC", "Wells Fargo & Co", "NYSE", "75.00"),
    _stock(72063691, "BRK B", "Berkshire Hathaway Inc Class B", "NYSE", "470.00"),
    _stock(49462172, "V", "Visa Inc Class A", "NYSE", "320.00"),
    _stock(13977, "XOM", "Exxon Mobil Corp", "NYSE", "110.00"),
    _stock(6459, "DIS", "Walt Disney Co", "NYSE", "110.00"),
    _stock(11809, "PFE", "Pfizer Inc", "NYSE", "25.00"),
    _stock(37018770, "T", "AT&T Inc", "NYSE", "27.00"),
    _stock(4762, "BA", "Boeing Co", "NYSE", "180.00"),
    _stock(5437, "CAT", "Caterpillar Inc", "NYSE", "360.00"),
    _stock(9599491, "F", "Ford Motor Co", "NYSE", "10.00"),
    _stock(10291, "NKE", "Nike Inc Class B", "NYSE", "70.00"),
    _stock(9769, "MO", "Altria Group Inc", "NYSE", "55.00"),
    _stock(365207014, "UBER", "Uber Technologies Inc", "NYSE", "75.00"),
    _etf(756733, "SPY", "SPDR S&P 500 ETF Trust", "ARCA", "580.00"),
    _etf(320227571, "QQQ", "Invesco QQQ Trust Series 1", "NASDAQ", "500.00"),
    _etf(9579970, "IWM", "iShares Russell 2000 ETF", "ARCA", "220.00"),
    _etf(73128548, "DIA", "SPDR Dow Jones Industrial Average ETF Trust", "ARCA", "430.00"),
    _etf(136155102, "VOO", "Vanguard S&P 500 ETF", "ARCA", "530.00"),
    _etf(8991352, "IVV", "iShares Core S&P 500 ETF", "ARCA", "585.00"),
    _etf(12340041, "VTI", "Vanguard Total Stock Market ETF", "ARCA", "290.00"),
    _etf(15547841, "TLT", "iShares 20+ Year Treasury Bond ETF", "NASDAQ", "90.00"),
    _etf(51529211, "GLD", "SPDR Gold Shares", "ARCA", "240.00"),
    _etf(39039301, "SLV", "iShares Silver Trust", "ARCA", "28.00"),
    _etf(43652089, "HYG", "iShares iBoxx High Yield Corporate Bond ETF", "ARCA", "79.00"),
    _etf(4215217, "XLE", "Energy Select Sector SPDR Fund", "ARCA", "90.00"),
)

_BY_CONID: dict[int, Instrument] = {i.conid: i for i in INSTRUMENTS}
_BY_SYMBOL: dict[str, Instrument] = {i.symbol.upper(): i for i in INSTRUMENTS}


def by_conid(conid: int) -> Instrument:
    """The bundled instrument with this conid; ``UnknownInstrument`` if there is none."""
    try:
        return _BY_CONID[conid]
    except (KeyError, TypeError):
        raise UnknownInstrument(f"No instrument has the contract id {conid!r}.") from None


def find_conid(conid: int) -> Instrument | None:
    """Like :func:`by_conid` but ``None`` for an unknown conid."""
    return _BY_CONID.get(conid)


def by_symbol(symbol: str) -> Instrument | None:
    """The instrument with this ticker, case-insensitively (``"brk b"`` finds ``BRK B``)."""
    return _BY_SYMBOL.get(" ".join(symbol.split()).upper())


def search(text: str, limit: int = 20) -> list[Instrument]:
    """Symbols starting with ``text`` first (exact match first), then names containing it."""
    needle = " ".join(text.split()).upper()
    if not needle or limit <= 0:
        return []
    by_prefix = sorted(
        (i for i in INSTRUMENTS if i.symbol.upper().startswith(needle)),
        key=lambda i: (i.symbol.upper() != needle, len(i.symbol), i.symbol),
    )
    seen = {i.conid for i in by_prefix}
    by_name = [i for i in INSTRUMENTS if i.conid not in seen and needle in i.name.upper()]
    return (by_prefix + by_name)[:limit]

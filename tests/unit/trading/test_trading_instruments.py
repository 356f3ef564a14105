"""The bundled instrument list: IBKR conids, lookups by conid and symbol, and search order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gatehouse.domain.errors import UnknownInstrument
from gatehouse.domain.trading.instruments import (
    INSTRUMENTS,
    InstrumentKind,
    by_conid,
    by_symbol,
    find_conid,
    search,
)

KNOWN_CONIDS = {
    "AAPL": 265598,
    "MSFT": 272093,
    "AMZN": 3691937,
    "GOOGL": 208813719,
    "META": 107113386,
    "TSLA": 76792991,
    "NVDA": 4815747,
    "IBM": 8314,
    "SPY": 756733,
    "QQQ": 320227571,
    "INTC": 270639,
    "CSCO": 268084,
    "KO": 8894,
    "JPM": 1520593,
    "XOM": 13977,
    "NFLX": 15124833,
    "AMD": 4391,
    "BAC": 10098,
    "WMT": 13824,
    "DIS": 6459,
    "ORCL": 272800,
    "PFE": 11809,
    "T": 37018770,
    "V": 49462172,
}


def test_at_least_forty_unique_instruments() -> None:
    assert len(INSTRUMENTS) >= 40
    assert len({i.conid for i in INSTRUMENTS}) == len(INSTRUMENTS)
    assert len({i.symbol for i in INSTRUMENTS}) == len(INSTRUMENTS)


@pytest.mark.parametrize(("symbol", "conid"), sorted(KNOWN_CONIDS.items()))
def test_ibkr_conids(symbol: str, conid: int) -> None:
    instrument = by_conid(conid)
    assert instrument.symbol == symbol
    assert instrument.currency == "USD"
    assert instrument.asset_class == "STK"


def test_every_instrument_is_well_formed() -> None:
    for instrument in INSTRUMENTS:
        assert instrument.kind in (InstrumentKind.STOCK, InstrumentKind.ETF)
        assert instrument.kind in ("stock", "etf")
        assert instrument.exchange in {"NASDAQ", "NYSE", "ARCA"}
        assert isinstance(instrument.base_price, Decimal)
        assert instrument.base_price > 0
        assert instrument.name


def test_etfs_are_marked() -> None:
    assert by_conid(756733).kind is InstrumentKind.ETF
    assert by_conid(265598).kind is InstrumentKind.STOCK


def test_unknown_conid_is_a_typed_error() -> None:
    with pytest.raises(UnknownInstrument) as raised:
        by_conid(1)
    assert raised.value.code == "unknown_instrument"
    assert find_conid(1) is None


def test_by_symbol_ignores_case_and_extra_spaces() -> None:
    assert by_symbol("aapl") is by_conid(265598)
    assert by_symbol(" Brk  b ") is by_conid(72063691)
    assert by_symbol("NOPE") is None


def test_search_puts_an_exact_symbol_first_then_prefixes_then_names() -> None:
    results = search("T")
    assert results[0].symbol == "T"
    symbols = [i.symbol for i in results]
    assert symbols.index("TSLA") < len(symbols)
    prefix_count = sum(1 for s in symbols if s.startswith("T"))
    assert all(s.startswith("T") for s in symbols[:prefix_count])


def test_search_finds_names_after_symbols() -> None:
    assert [i.symbol for i in search("apple")] == ["AAPL"]
    results = search("ishares")
    assert results and all("ISHARES" in i.name.upper() for i in results)


def test_search_limit_and_empty_text() -> None:
    assert len(search("A", limit=3)) == 3
    assert search("   ") == []
    assert search("AAPL", limit=0) == []

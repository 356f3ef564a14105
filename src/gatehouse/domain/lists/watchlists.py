"""Watchlists: a user's named lists of instruments and section headers, in IBKR's row format.

A row is ``{"C": conid}`` (an instrument) or ``{"H": "text"}`` (a header line), exactly as
IBKR's ``POST iserver/watchlist`` sends them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from gatehouse.domain.errors import InvalidInput
from gatehouse.domain.trading.instruments import find_conid
from gatehouse.domain.trading.market_requests import parse_conid

MAX_WATCHLISTS = 100
MAX_ROWS = 500
MAX_NAME = 64
MAX_HEADER = 64
_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True, slots=True)
class WatchlistRow:
    """An instrument (``conid``) or a header (``header``), never both."""

    conid: int | None = None
    header: str | None = None

    def wire(self) -> dict[str, object]:
        """The row as IBKR writes it."""
        if self.conid is not None:
            return {"C": self.conid}
        return {"H": self.header or ""}


@dataclass(slots=True)
class Watchlist:
    list_id: str
    user_id: int
    name: str
    rows: list[WatchlistRow]
    created_at: datetime
    modified_at: datetime
    id: int | None = field(default=None)

    def summary(self) -> dict[str, object]:
        """The list's entry in ``iserver/watchlists`` (``modified`` in epoch milliseconds)."""
        return {
            "id": self.list_id,
            "name": self.name,
            "modified": int(self.modified_at.timestamp() * 1000),
            "is_open": False,
            "read_only": False,
            "type": "watchlist",
        }

    def instruments(self) -> list[dict[str, object]]:
        """The rows as IBKR's ``GET iserver/watchlist`` describes them."""
        described: list[dict[str, object]] = []
        for row in self.rows:
            if row.conid is None:
                described.append({"H": row.header or ""})
                continue
            instrument = find_conid(row.conid)
            if instrument is None:  # no longer in the tradable universe
                described.append({"C": str(row.conid), "conid": row.conid})
                continue
            described.append(
                {
                    "ST": instrument.asset_class,
                    "C": str(instrument.conid),
                    "conid": instrument.conid,
                    "name": instrument.name,
                    "fullName": instrument.symbol,
                    "assetClass": instrument.asset_class,
                    "ticker": instrument.symbol,
                    "chineseName": "",
                }
            )
        return described


def check_list_id(value: object) -> str:
    """1–32 letters, digits, ``_`` or ``-`` (IBKR clients use numbers, e.g. ``"1234"``)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if not isinstance(value, str) or not _ID.match(value):
        raise InvalidInput("A watchlist id is 1 to 32 letters, digits, '_' or '-'.", field="id")
    return value


def check_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("The watchlist needs a name.", field="name")
    name = " ".join(value.split())
    if len(name) > MAX_NAME or not name.isprintable():
        raise InvalidInput(f"A watchlist name is at most {MAX_NAME} printable characters.")
    return name


def parse_rows(value: object) -> list[WatchlistRow]:
    """IBKR rows: each ``{"C": conid}`` (a known instrument, once) or ``{"H": "text"}``."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput('\'rows\' must be a list of {"C": conid} or {"H": text}.')
    if len(value) > MAX_ROWS:
        raise InvalidInput(f"A watchlist holds at most {MAX_ROWS} rows.", field="rows")
    rows: list[WatchlistRow] = []
    seen: set[int] = set()
    for index, item in enumerate(value):
        rows.append(_row(item, index))
        conid = rows[-1].conid
        if conid is not None:
            if conid in seen:
                raise InvalidInput(f"Row {index} repeats the contract {conid}.", field="rows")
            seen.add(conid)
    return rows


def _row(item: object, index: int) -> WatchlistRow:
    if not isinstance(item, dict) or len(item) != 1 or not ({"C", "H"} & item.keys()):
        raise InvalidInput(f'Row {index} must be {{"C": conid}} or {{"H": text}}.', field="rows")
    if "C" in item:
        return WatchlistRow(conid=parse_conid(item["C"], field=f"rows[{index}].C"))
    header = item["H"]
    if not isinstance(header, str) or len(header) > MAX_HEADER or not header.isprintable():
        raise InvalidInput(
            f"Row {index}: a header is text of at most {MAX_HEADER} characters.", field="rows"
        )
    return WatchlistRow(header=header)


def rows_from_storage(stored: Sequence[object]) -> list[WatchlistRow]:
    """Rows as kept in the database (the IBKR wire form), trusted."""
    rows: list[WatchlistRow] = []
    for item in stored:
        if isinstance(item, dict) and "C" in item:
            rows.append(WatchlistRow(conid=int(item["C"])))
        elif isinstance(item, dict):
            rows.append(WatchlistRow(header=str(item.get("H", ""))))
    return rows

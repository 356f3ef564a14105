"""Statements: a year's realized gains and a period's cash activity, as JSON, CSV and PDF.

The ledger is seeded through the trading core's own repositories (closed lots, the cash
journal, executions), as the matching engine would have written it.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from tests.conftest import make_user
from tests.support.market import AAPL, MSFT, SPY, events_of, signed_in

from gatehouse.domain.identity.users import Environment
from gatehouse.domain.trading.accounts import BrokerageAccount
from gatehouse.domain.trading.executions import Execution
from gatehouse.domain.trading.ledger import CashEntry, CashEntryKind, RealizedLot
from gatehouse.domain.trading.margin import AccountType
from gatehouse.domain.trading.orders import OrderType, Side, new_order

D = Decimal


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=15, tzinfo=UTC)  # 10:00 in New York


def _cash(kind: CashEntryKind, amount: str, day: str, conid: int | None = None) -> CashEntry:
    return CashEntry(kind, D(amount), _at(day), kind.value, conid)


async def _seed(runtime, username: str, account_id: str) -> None:
    async with runtime.ctx.uow() as uow:
        user = await uow.users.by_username(username)
        await uow.brokerage.open(
            BrokerageAccount(
                account_id=account_id, user_id=user.id, environment=Environment.LIVE,
                account_type=AccountType.MARGIN, created_at=_at("2024-01-02"),
            )
        )  # fmt: skip
        await uow.brokerage.add_realized(
            account_id,
            [
                RealizedLot(AAPL, D(10), _at("2024-03-01"), _at("2025-06-02"), D(2300), D(1800)),
                RealizedLot(MSFT, D(5), _at("2025-02-03"), _at("2025-04-01"), D(2000), D(2100)),
                RealizedLot(SPY, D(1), _at("2025-07-01"), _at("2025-08-01"), D(600), D(580), True),
                RealizedLot(AAPL, D(1), _at("2024-01-05"), _at("2024-12-31"), D(250), D(200)),
            ],
        )
        await uow.brokerage.add_entries(
            account_id,
            [
                _cash(CashEntryKind.DEPOSIT, "10000", "2025-01-02"),
                _cash(CashEntryKind.TRADE, "-2100", "2025-02-03", MSFT),
                _cash(CashEntryKind.COMMISSION, "-1", "2025-02-03", MSFT),
                _cash(CashEntryKind.DIVIDEND, "12.50", "2025-03-15", MSFT),
                _cash(CashEntryKind.TRADE, "2000", "2025-04-01", MSFT),
                _cash(CashEntryKind.COMMISSION, "-1", "2025-04-01", MSFT),
                _cash(CashEntryKind.WITHDRAWAL, "-500", "2025-05-01"),
            ],
        )
        for order_id, side, price, day in (
            ("T1", Side.BUY, "420", "2025-02-03"),
            ("T2", Side.SELL, "400", "2025-04-01"),
            ("T3", Side.BUY, "390", "2025-05-02"),
        ):
            order = new_order(
                order_id=order_id, account_id=account_id, conid=MSFT, side=side,
                order_type=OrderType.MKT, quantity=D(5), now=_at(day),
            )  # fmt: skip
            await uow.orders.add(order)
            await uow.orders.add_execution(
                Execution(f"E{order_id}", order_id, account_id, MSFT, side, D(5), D(price), D(1),
                          _at(day))
            )  # fmt: skip
        await uow.commit()


def _text_of(pdf: bytes) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True)
    return done.stdout.decode()


async def test_realized_gains_for_a_year_in_three_formats(client, runtime, alice, clock):
    await _seed(runtime, "alice", alice.live_account)
    headers = await signed_in(client, alice, clock)
    url = f"/v1/api/accounts/{alice.live_account}/statements/realized"
    body = (await client.get(url, params={"year": "2025"}, headers=headers)).json()
    assert body["account"] == alice.live_account and body["year"] == 2025
    assert [(lot["symbol"], lot["sold"], lot["term"], lot["gain"]) for lot in body["lots"]] == [
        ("MSFT", "2025-04-01", "short-term", "-100.00"),
        ("AAPL", "2025-06-02", "long-term", "500.00"),
        ("SPY", "2025-08-01", "short-term", "20.00"),
    ]
    assert body["totals"] == {
        "short_term": {"proceeds": "2600.00", "cost_basis": "2680.00", "gain": "-80.00"},
        "long_term": {"proceeds": "2300.00", "cost_basis": "1800.00", "gain": "500.00"},
        "total_gain": "420.00",
    }

    as_csv = await client.get(url, params={"year": "2025", "format": "csv"}, headers=headers)
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert f"realized-{alice.live_account}-2025.csv" in as_csv.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(as_csv.text)))
    assert lines[0][0] == "Symbol" and len(lines) == 1 + 3 + 2
    assert lines[-2][0] == "Total short-term" and lines[-2][7] == "-80.00"

    as_pdf = await client.get(url, params={"year": "2025", "format": "pdf"}, headers=headers)
    assert as_pdf.headers["content-type"] == "application/pdf"
    assert as_pdf.content.startswith(b"%PDF")
    text = _text_of(as_pdf.content)
    if text is not None:
        assert "Realized gains and losses 2025" in text and alice.live_account in text
        for figure in ("-80.00", "500.00", "420.00", "2,680.00", "MSFT"):
            assert figure in text, figure

    earlier = (await client.get(url, params={"year": "2024"}, headers=headers)).json()
    assert [lot["sold"] for lot in earlier["lots"]] == ["2024-12-31"]
    empty = await client.get(url, params={"year": "2026", "format": "pdf"}, headers=headers)
    assert empty.status_code == 200 and empty.content.startswith(b"%PDF")


async def test_cash_activity_for_a_period(client, runtime, alice, clock):
    await _seed(runtime, "alice", alice.live_account)
    headers = await signed_in(client, alice, clock)
    url = f"/v1/api/accounts/{alice.live_account}/statements/activity"
    period = {"start": "2025-02-01", "end": "2025-04-30"}
    body = (await client.get(url, params=period, headers=headers)).json()
    assert dict((row["label"], row["amount"]) for row in body["summary"]) == {
        "Opening cash": "10000.00", "Deposits": "0.00", "Withdrawals": "0.00",
        "Trades": "-100.00", "Commissions": "-2.00", "Interest, dividends and fees": "12.50",
        "Closing cash": "9910.50",
    }  # fmt: skip
    assert [(e["execution_id"], e["side"], e["trade_date"]) for e in body["executions"]] == [
        ("ET1", "BUY", "2025-02-03"),
        ("ET2", "SELL", "2025-04-01"),
    ]
    assert body["executions"][0]["symbol"] == "MSFT"
    assert body["executions"][0]["net_amount"] == "-2101.00"

    as_csv = await client.get(url, params={**period, "format": "csv"}, headers=headers)
    assert "Closing cash,9910.50" in as_csv.text
    # "Today" in a browser east of New York may already be tomorrow there.
    tomorrow = {"start": "2026-01-01", "end": "2026-01-06"}
    assert (await client.get(url, params=tomorrow, headers=headers)).status_code == 200
    as_pdf = await client.get(url, params={**period, "format": "pdf"}, headers=headers)
    assert as_pdf.content.startswith(b"%PDF")
    text = _text_of(as_pdf.content)
    if text is not None:
        assert "Account activity" in text and "2025-02-01 to 2025-04-30" in text
        assert "9,910.50" in text and "-2,101.00" in text


@pytest.mark.parametrize("kind", ["realized", "activity"])
async def test_bad_statement_requests_get_stable_errors(client, runtime, alice, clock, kind):
    bob = await make_user(runtime, "bob", phone="+15557654321")
    headers = await signed_in(client, alice, clock)
    before = [e.seq for e in await events_of(runtime, "alice")]
    good = {"year": "2025"} if kind == "realized" else {"start": "2025-01-01", "end": "2025-01-31"}
    mine = f"/v1/api/accounts/{alice.live_account}/statements/{kind}"
    bad_params = (
        [{"year": "2027"}, {"year": "1999"}, {"year": "25"}, {"year": "abcd"}, {}]
        if kind == "realized"
        else [
            {"start": "2025-13-01", "end": "2025-12-31"},
            {"start": "2025/01/01", "end": "2025-01-31"},
            {"start": "20250101", "end": "2025-01-31"},
            {"start": "2025-02-01", "end": "2025-01-31"},
            {"start": "2025-01-01", "end": "2026-02-01"},  # after today (2026-01-05)
            {"start": "2019-01-01", "end": "2025-01-31"},
            {"end": "2025-01-31"},
        ]
    )
    for params in [*bad_params, {**good, "format": "xml"}]:
        answer = await client.get(mine, params=params, headers=headers)
        assert (answer.status_code, answer.json()["error"]) == (400, "invalid_input"), params
    for account, status, code in (
        (bob.live_account, 404, "account_not_found"),  # the same as one that does not exist
        ("U0000000", 404, "account_not_found"),
        (alice.paper_account, 409, "wrong_environment"),  # hers, but this is a live session
    ):
        url = f"/v1/api/accounts/{account}/statements/{kind}"
        answer = await client.get(url, params=good, headers=headers)
        assert (answer.status_code, answer.json()["error"]) == (status, code), account
    assert (await client.get(mine, params=good)).status_code == 401
    assert (await client.get(mine, params=good, headers=headers)).status_code == 200
    assert [e.seq for e in await events_of(runtime, "alice")] == before

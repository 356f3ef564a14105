"""The Workstation's pure parts: chart rendering, layout documents, remembered preferences
(0600, never a password), the detached-panel hand-off, error wording and formatting."""

from __future__ import annotations

import json
import os
import stat

import pytest

from gatehouse.clients.workstation import chart, handoff
from gatehouse.clients.workstation.app import _parts
from gatehouse.clients.workstation.config import Preferences, PreferenceStore
from gatehouse.clients.workstation.formatting import countdown, money, percent
from gatehouse.clients.workstation.layout import (
    TEMPLATES,
    Layout,
    LayoutError,
    PanelSpec,
    template,
    valid_name,
)
from gatehouse.clients.workstation.link import ApiError, Session
from gatehouse.clients.workstation.panels.account import colour_of, day_pnl, figures
from gatehouse.clients.workstation.panels.preview import book_levels, heat, ladder_rows
from gatehouse.clients.workstation.panels.watchlist import move
from gatehouse.clients.workstation.wording import plain


def test_braille_chart_draws_a_rising_line_bottom_left_to_top_right():
    rows = chart.braille([1.0, 2.0, 3.0, 4.0], width=2, height=1)
    assert rows == ["⣠⠞"]  # low on the left, high on the right, steps joined up
    tall = chart.braille(list(range(16)), width=4, height=2)
    assert len(tall) == 2 and all(len(row) == 4 for row in tall)
    assert tall[0][0] == "⠀" and tall[1][-1] == "⠀"  # empty top-left and bottom-right cells


def test_flat_and_empty_series_and_labels():
    assert chart.braille([5.0, 5.0], 3, 1) == [chart.braille([5.0, 5.0], 3, 1)[0]]
    assert chart.braille([], 3, 2) == ["⠀⠀⠀", "⠀⠀⠀"]
    assert chart.sparkline([1, 2, 3, 4, 5, 6, 7, 8], 8) == "▁▂▃▄▅▆▇█"
    rows = chart.labelled([10.0, 12.5, 11.0], width=20, height=3)
    assert rows[0].endswith("12.50") and rows[-1].endswith("10.00")
    assert chart.labelled([], 10, 2) == ["No bars yet."]
    assert chart.resample(list(range(100)), 5) == [0, 25, 50, 74, 99]
    assert chart.stretch([0.0, 4.0], 5) == [0.0, 1.0, 2.0, 3.0, 4.0]  # fills the width
    assert len(chart.braille([1.0, 2.0, 3.0], 10, 1)[0].replace("⠀", "")) == 10


def test_layout_documents_round_trip_and_skip_unknown_panels():
    layout = TEMPLATES["Research"]
    assert Layout.from_json("Research", json.loads(json.dumps(layout.to_json()))) == layout
    odd = {
        "columns": 2,
        "panels": [
            {"kind": "orders"},
            {"kind": "hologram"},
            {"kind": "orders"},
            {"kind": "quote", "span": 9},
        ],
    }
    parsed = Layout.from_json("Mine", odd)
    assert [(p.kind, p.span) for p in parsed.panels] == [("orders", 1), ("quote", 1)]
    with pytest.raises(LayoutError):
        Layout.from_json("Bad", {"panels": "no"})
    with pytest.raises(LayoutError):
        Layout.from_json("Bad", {"columns": 9, "panels": []})


def test_templates_and_channels():
    assert set(TEMPLATES) >= {"Trading", "Monitor", "Research"}
    trading = template("Trading")
    assert "ladder" in [p.kind for p in trading.for_channel("latest").panels]
    assert "ladder" not in [p.kind for p in trading.for_channel("stable").panels]
    assert template("Nope").name == "Trading"
    assert valid_name("My desk 2") and not valid_name("workstation.state")
    assert not valid_name(" lead") and not valid_name("x" * 65)
    assert trading.with_panels([PanelSpec("orders")]).panels == (PanelSpec("orders"),)


def test_preferences_file_is_0600_and_never_keeps_an_unremembered_username(tmp_path):
    store = PreferenceStore(tmp_path / "gh" / "workstation.json")
    assert store.load() == Preferences()
    store.save(Preferences(username="alice", remember_username=False, environment="paper"))
    assert json.loads(store.path.read_text())["username"] == ""
    store.save(Preferences(username="alice", remember_username=True, channel="latest"))
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    found = store.load()
    assert (found.username, found.channel, found.environment) == ("alice", "latest", "live")
    store.remember_device("Alice", "http://h:8000", "tok")
    assert store.device_token("alice", "http://h:8000") == "tok"
    assert store.device_token("alice", "http://other:8000") == ""
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    store.path.write_text("{not json")
    assert store.load() == Preferences()
    store.path.write_text(json.dumps({"environment": "moon", "channel": "beta"}))
    assert (store.load().environment, store.load().channel) == ("live", "stable")


def test_handoff_is_single_use_short_lived_and_private(tmp_path):
    session = Session.from_body(
        {
            "token": "t0k",
            "session_id": "s1",
            "username": "alice",
            "environment": "paper",
            "accounts": ["DU1"],
        }
    )
    found = handoff.Handoff("http://127.0.0.1:8000", session, "orders", "latest")
    path = handoff.write(found, folder=tmp_path, now=1000.0)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    taken = handoff.take("orders", folder=tmp_path, now=1010.0)
    assert taken.session.token == "t0k" and taken.channel == "latest"
    assert not path.exists()
    with pytest.raises(handoff.HandoffError, match="No session is waiting"):
        handoff.take("orders", folder=tmp_path, now=1010.0)  # used once
    handoff.write(found, folder=tmp_path, now=1000.0)
    with pytest.raises(handoff.HandoffError, match="expired"):
        handoff.take("orders", folder=tmp_path, now=1061.0)
    path = handoff.write(found, folder=tmp_path, now=1000.0)
    os.chmod(path, 0o644)
    with pytest.raises(handoff.HandoffError, match="readable by others"):
        handoff.take("orders", folder=tmp_path, now=1001.0)
    with pytest.raises(handoff.HandoffError):
        handoff.path_for("../etc", tmp_path)


def test_errors_in_plain_words_and_formatting():
    assert "Try again in 14:05" in plain(ApiError(423, "locked", "x", {"retry_after": 845}))
    assert "locked by support" in plain(ApiError(423, "locked", "", {"retry_after": None}))
    hard = "This account is locked after too many failed sign-ins. Reset your password."
    assert plain(ApiError(423, "locked", hard, {"retry_after": None})) == hard
    assert "other trading environment" in plain(ApiError(409, "wrong_environment", "x"))
    assert "expired" in plain(ApiError(410, "challenge_expired", "x"))
    assert "no unused cells" in plain(ApiError(409, "card_spent", "x"))
    assert plain(ApiError(400, "brand_new_code", "Server words.")) == "Server words."
    assert countdown(125) == "2:05" and countdown(0.2) == "0:01" and countdown(-3) == "0:00"
    assert money("1234.5") == "1,234.50" and money(-3, signed=True) == "-3.00"
    assert (
        money(None) == "—" and percent("1.1") == "+1.10%" and percent(0.25, ratio=True) == "25.0%"
    )
    assert _parts("0.10.2") > _parts("0.9.9") and _parts("1.0rc1") == (1, 0)


def test_panel_helpers():
    rows = [{"C": 1}, {"C": 2}, {"C": 3}]
    assert move(rows, 2, -1) == [{"C": 1}, {"C": 3}, {"C": 2}]
    assert move(rows, 0, -1) == rows
    shown = dict(
        figures({"netliquidation": {"amount": 1000.0}, "cushion": {"amount": 0.5}}, {"dpl": 25.0})
    )
    assert shown["Net liquidation"] == "1,000.00" and shown["Margin cushion"] == "50.0%"
    assert shown["Day P&L"] == "+25.00" and shown["Buying power"] == "—"
    assert day_pnl({"dpl": -1234.5, "dplRatio": -0.0052}) == "-1,234.50 (-0.52%)"
    assert day_pnl({"dpl": 25.0, "dplRatio": None}) == "+25.00"  # no base: money only
    assert day_pnl({"dplRatio": 0.01}) == "—"
    assert colour_of("-1,234.50 (-0.52%)") == "red" and colour_of("+25.00") == "green"
    assert colour_of("+0.00 (+0.00%)") == "" and colour_of("—") == ""
    bids, asks = book_levels({"bids": [{"price": "9.99", "size": 100}], "asks": [[10.01, 200]]})
    lines = ladder_rows(bids, asks, 5)
    assert "10.01" in lines[0] and "9.99" in lines[-1]
    assert heat(4.0) == "green" and heat(-4.0) == "red" and heat(0.1) == "grey23"


def test_the_panel_command_needs_a_waiting_handoff(tmp_path):
    from typer.testing import CliRunner

    from gatehouse.cli.app import app as cli_app

    runner = CliRunner()
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    waiting = runner.invoke(cli_app, ["workstation", "--panel", "orders"], env=env)
    assert waiting.exit_code == 2 and "No session is waiting" in waiting.output
    unknown = runner.invoke(cli_app, ["workstation", "--panel", "hologram"], env=env)
    assert unknown.exit_code == 2 and "choose one of" in unknown.output

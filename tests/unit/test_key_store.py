"""The Key device file: sealed under the PIN, private to its owner, tamper-evident."""

from __future__ import annotations

import asyncio
import json
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from gatehouse.clients.key.actions import describe_offset, parse_enrollment_uri
from gatehouse.clients.key.cli import key_app
from gatehouse.clients.key.store import Account, DeviceFile, KeyStoreError, WrongPin
from gatehouse.domain.clock import FakeClock
from gatehouse.domain.identity.factors import totp
from gatehouse.service.identity.login_signals import LoginSignals

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ACCOUNT = Account("http://127.0.0.1:8000", "alice", "dev1", "Phone", "Gatehouse", "2026-01-05")


def test_a_device_file_keeps_secrets_sealed_under_the_pin(tmp_path):
    path = tmp_path / "key" / "device.json"
    device = DeviceFile(path).create("246810")
    key = Ed25519PrivateKey.generate()
    device.add(ACCOUNT, key, SECRET)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text()
    assert SECRET not in text and "private_key" not in text
    assert DeviceFile(path).accounts() == [ACCOUNT]  # listing needs no PIN

    opened = DeviceFile(path).unlock("246810")
    at = FakeClock().now()
    assert opened.code(ACCOUNT, at) == totp.code_at(SECRET, at=at)
    assert opened.identity(ACCOUNT).private_key.sign(b"x") == key.sign(b"x")
    assert opened.pin_matches("246810") and not opened.pin_matches("135790")
    with pytest.raises(WrongPin):
        DeviceFile(path).unlock("135790")


def test_editing_the_clear_part_breaks_the_seal(tmp_path):
    path = tmp_path / "device.json"
    DeviceFile(path).create("246810").add(ACCOUNT, Ed25519PrivateKey.generate(), SECRET)
    document = json.loads(path.read_text())
    document["accounts"][0]["server"] = "https://evil.example"
    path.write_text(json.dumps(document))
    with pytest.raises(WrongPin):
        DeviceFile(path).unlock("246810")


def test_short_pins_and_foreign_files_are_refused(tmp_path):
    with pytest.raises(KeyStoreError):
        DeviceFile(tmp_path / "a.json").create("123")
    (tmp_path / "b.json").write_text('{"hello": 1}')
    with pytest.raises(KeyStoreError):
        DeviceFile(tmp_path / "b.json").unlock("246810")
    with pytest.raises(KeyStoreError):
        DeviceFile(tmp_path / "missing.json").unlock("246810")


def test_enrollment_links_and_clock_advice():
    assert parse_enrollment_uri(
        "gatehouse-key://enroll?server=https%3A%2F%2Fbroker.example&code=7KQ2-M9XD-4HTA"
    ) == ("https://broker.example", "7KQ2-M9XD-4HTA")
    with pytest.raises(KeyStoreError):
        parse_enrollment_uri("https://example.com/?code=1")
    assert "matches" in describe_offset(0.4)
    assert "12 s ahead" in describe_offset(12.2) and "automatic" not in describe_offset(12)
    assert "automatic" in describe_offset(-95)


async def test_login_signals_wake_the_waiting_poll():
    signals = LoginSignals()
    waiting = asyncio.ensure_future(signals.wait("L1", 30))
    await asyncio.sleep(0)
    signals.notify("L2")
    await asyncio.sleep(0)
    assert not waiting.done()
    signals.notify("L1")
    await asyncio.wait_for(waiting, 10)
    await signals.wait("L1", 0)  # nothing to wait for: returns at once


def test_key_list_shows_every_device_id_whole_on_a_narrow_terminal(tmp_path):
    path = tmp_path / "device.json"
    long_name = Account(
        server="https://broker.example.com:8443",
        username="alexandra.long-name",
        device_id="f467e30460b2e226b50ce1c3",
        name="Gatehouse Key on a laptop",
        issuer="Gatehouse",
        enrolled_at="2026-12-05T19:54:08.123456+00:00",
    )
    DeviceFile(path).create("246810").add(long_name, Ed25519PrivateKey.generate(), SECRET)
    listed = CliRunner().invoke(key_app, ["list", "--file", str(path)], env={"COLUMNS": "60"})
    assert listed.exit_code == 0, listed.output
    assert "f467e30460b2e226b50ce1c3" in listed.output  # on one line, for `support revoke-device`
    assert "2026-12-05 19:54" in listed.output and "…" not in listed.output

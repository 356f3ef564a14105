"""A real authenticator (oathtool) enrolled from the server's otpauth:// URI signs in."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from tests.support.backends import in_ci
from tests.support.signin import login, verify

from gatehouse.service.identity import users


@pytest.fixture
def oathtool() -> str:
    """The oathtool program; skipped on a laptop without it, a failure in CI."""
    found = shutil.which("oathtool")
    if found:
        return found
    if in_ci():
        pytest.fail("oathtool is not installed: CI must check TOTP against it (apt oathtool)")
    pytest.skip("oathtool is not installed (Debian package oathtool)")


def code_from_oathtool(oathtool: str, uri: str, at: datetime) -> str:
    """What an authenticator that scanned ``uri`` shows at ``at``, computed by oathtool."""
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    answer = subprocess.run(
        [
            oathtool,
            "--totp=" + query["algorithm"].lower(),
            "--base32",
            "--digits=" + query["digits"],
            "--time-step-size=" + query["period"] + "s",
            "--now=" + at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            query["secret"],
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return answer.stdout.strip()


async def test_a_code_computed_by_oathtool_signs_in(oathtool, client, runtime, alice, clock):
    old_uri = await users.enroll_totp(runtime.ctx, alice.username, actor="test")
    uri = await users.enroll_totp(runtime.ctx, alice.username, actor="test")
    assert unquote(urlsplit(uri).path) == "/Gatehouse:alice"
    clock.advance(29)  # the last second of a time step

    started = await login(client, alice.username, alice.password)
    assert started.status_code == 200, started.text
    login_id = started.json()["login_id"]
    # the secret replaced by the new enrollment no longer works
    old_code = code_from_oathtool(oathtool, old_uri, clock.now())
    stale = await verify(client, login_id, "totp", old_code)
    assert stale.status_code == 401
    assert stale.json()["error"] == "invalid_code"

    code = code_from_oathtool(oathtool, uri, clock.now())
    assert len(code) == 6 and code.isdigit()
    done = await verify(client, login_id, "totp", code)
    assert done.status_code == 200, done.text
    assert done.json()["accounts"] == [alice.live_account]

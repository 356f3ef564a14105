"""The sign-in security tests' steps: wrong passwords and codes, waiting out the delays they
earn, and locking an account out (tests/integration/test_signin_*.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from gatehouse.domain.identity.factors import totp
from gatehouse.service.identity import users
from tests.support.signin import login, verify

WRONG = "Wrong-Horse-42-battery"
PLATFORMS = ["web", "workstation", "mobile", "gateway"]
HARD_CAP = 10  # the default is 100 (NIST SP 800-63B); a smaller one keeps the tests short
# the settings of these tests: the hard cap above
SETTINGS: dict[str, object] = {"throttle_hard_cap": HARD_CAP}


async def user_id(runtime: Any, name: str) -> int:
    user = await users.get(runtime.ctx, name)
    assert user.id is not None
    return user.id


async def failure_sequence(
    client: httpx.AsyncClient, clock: Any, username: str
) -> list[tuple[int, dict[str, Any]]]:
    """Wrong passwords, waiting out each delay, until the hard lock: what the caller sees."""
    seen: list[tuple[int, dict[str, Any]]] = []
    while not seen or seen[-1][0] != 423:
        assert len(seen) < 30, seen
        answer = await login(client, username, WRONG)
        seen.append((answer.status_code, answer.json()))
        if answer.status_code == 429:
            clock.advance(answer.json()["retry_after"])
    return seen


async def lock_out(client: httpx.AsyncClient, clock: Any, username: str) -> None:
    """``HARD_CAP`` wrong passwords (waiting out the delays): the account is locked."""
    for _ in range(HARD_CAP):
        answer = await login(client, username, WRONG)
        if answer.status_code == 429:
            clock.advance(answer.json()["retry_after"])
            answer = await login(client, username, WRONG)
        assert answer.status_code == 401, answer.text
    assert (await login(client, username, WRONG)).status_code == 423


async def wrong_code(
    client: httpx.AsyncClient, clock: Any, login_id: str, code: str
) -> httpx.Response:
    """Send a wrong code, first waiting out any delay the earlier failures earned."""
    answer = await verify(client, login_id, "totp", code)
    if answer.status_code == 429:
        clock.advance(answer.json()["retry_after"])
        answer = await verify(client, login_id, "totp", code)
    return answer


TOTP_STEP = timedelta(seconds=totp.STEP_SECONDS)


def not_the_code(user: Any, clock: Any) -> str:
    """A well-formed code that is wrong at every step within ten minutes of now."""
    near = {
        totp.code_at(user.totp_secret, at=clock.now() + step * TOTP_STEP) for step in range(-20, 21)
    }
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)

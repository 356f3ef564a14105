"""Every page fits the screen, at a phone's 390×844 and a desktop's 1440×900: no sideways
scrolling (scrollWidth <= clientWidth), no figure cut short, and every visible button takes a
normal click (nothing else sits on top of it). The account holds cash, positions and trades
so the tables are as full as a customer's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.support.browser import chromium, enter_totp, fill_password, new_page, page_url
from tests.support.trading import AAPL, F, step, trader

PORTAL = ["/portal/", "/portal/trade", "/portal/watchlists", "/portal/analysis",
          "/portal/funding", "/portal/statements", "/portal/messages", "/portal/assistant",
          "/portal/settings"]  # fmt: skip
MOBILE = ["/m/", "/m/quotes", "/m/trade", "/m/orders", "/m/more", "/m/alerts", "/m/messages",
          "/m/assistant", "/m/settings"]  # fmt: skip
SIGNED_OUT = [
    "/login",
    "/forgot",
    "/forgot/questions",
    "/m/login",
    "/m/forgot",
    "/m/forgot/questions",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}

# One pass over the page, in the page: what overflows, what is cut, what cannot be clicked.
CHECK = "\n".join(
    line
    for line in (Path(__file__).parent / "layout_check.js").read_text().splitlines()
    if not line.startswith("//")
)


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def _funded(client: Any, runtime: Any, alice: Any, clock: Any) -> None:
    """Live account: a deposit, three positions, a working order."""
    t = await trader(client, alice, clock, environment="live")
    made = await t.post(f"accounts/{t.account}/deposits", {"amount": "395620.75"})
    assert made.status_code == 201
    await step(runtime, clock)
    await t.order(conid=AAPL, side="BUY", quantity=100, orderType="MKT")
    await t.order(conid=F, side="BUY", quantity=1000, orderType="MKT")
    await t.order(conid=AAPL, side="SELL", quantity=5, orderType="MKT")
    await t.place({"conid": F, "side": "BUY", "quantity": 10, "orderType": "LMT", "price": 1})


async def _sweep(page: Any, url: str, paths: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in paths:
        await page.goto(f"{url}{path}")
        await page.wait_for_load_state("networkidle")
        problems = await page.evaluate(CHECK)
        assert isinstance(problems, list), problems  # the check ran
        if problems:
            found[path] = problems
    return found


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["390x844", "1440x900"])
async def test_every_page_fits_the_screen(base_url, client, runtime, alice, clock, size):
    await _funded(client, runtime, alice, clock)
    url = page_url(base_url)
    failures: dict[str, Any] = {}
    async with chromium() as (_, browser):
        page = await new_page(browser, viewport=size)
        failures["signed out"] = await _sweep(page, url, SIGNED_OUT)
        for login, paths in (("/login", PORTAL), ("/m/login", MOBILE)):
            await page.goto(f"{url}{login}")
            await fill_password(page, alice)
            await page.wait_for_selector("#twofactbase", state="visible")
            await enter_totp(page, alice, clock)
            await page.wait_for_url(f"{url}{paths[0]}")
            failures[login] = await _sweep(page, url, paths)
    failures = {k: v for k, v in failures.items() if v}
    assert not failures, failures

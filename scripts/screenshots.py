"""Screenshots of the Client Portal and the Mobile app, for README.md and docs/web.md.

Starts Gatehouse in this process (a throw-away SQLite database, a demo user, a fake clock
for its authenticator codes), funds the demo's live and paper accounts and buys a few
positions through the API (so the pages show what a customer sees), drives Debian's Chromium
through the main pages on a desktop and on an emulated phone, and writes PNG files to
docs/screenshots/.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from playwright.async_api import Page, async_playwright
from sqlalchemy.ext.asyncio import create_async_engine

from gatehouse.adapters.db.schema import metadata
from gatehouse.api.app import create_app
from gatehouse.bootstrap import build
from gatehouse.domain.clock import FakeClock
from gatehouse.domain.identity.factors import totp
from gatehouse.service.demo import DemoAccount, create_demo
from gatehouse.service.identity import users
from gatehouse.service.trading import matching_engine
from gatehouse.settings import Settings

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
DESKTOP = {"viewport": {"width": 1440, "height": 900}, "device_scale_factor": 1}
PAGES = ["dashboard", "trade", "watchlists", "analysis", "funding", "statements", "messages"]
MOBILE_PAGES = ["", "quotes", "trade", "orders", "more", "settings"]
# (conid, shares) bought in each account: AAPL, MSFT, NVDA, SPY, F
HOLDINGS = [(265598, 120), (272093, 60), (4815747, 80), (756733, 40), (9599491, 1500)]


@asynccontextmanager
async def gatehouse(home: Path, clock: FakeClock) -> AsyncIterator[tuple[str, DemoAccount]]:
    url = f"sqlite+aiosqlite:///{home / 'screens.db'}"
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()
    settings = Settings(home=home, database_url=url, argon2_memory_kib=1024, argon2_time_cost=1)
    runtime = await build(settings, clock=clock, run_migrations=False)
    demo = await create_demo(runtime.ctx)
    assert demo is not None
    await users.issue_card(runtime.ctx, demo.username, actor="screenshots")
    server = uvicorn.Server(
        uvicorn.Config(create_app(runtime), host="127.0.0.1", port=0, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        await fund(f"http://127.0.0.1:{port}", runtime, demo, clock)
        yield f"http://localhost:{port}", demo
    finally:
        server.should_exit = True
        await task


async def fund(url: str, runtime: Any, demo: DemoAccount, clock: FakeClock) -> None:
    """Deposit into the live account, then buy the same positions in live and paper."""
    async with httpx.AsyncClient(base_url=f"{url}/v1/api", timeout=30) as http:
        for username, password in ((demo.username, demo.password),
                                   (demo.paper_username, demo.paper_password)):  # fmt: skip
            paper = username == demo.paper_username
            started = await http.post("/auth/login", json={
                "username": username, "password": password, "platform": "gateway",
                "environment": "paper" if paper else "live"})  # fmt: skip
            done = await http.post(
                f"/auth/login/{started.json()['login_id']}/verify",
                json={"factor": "totp", "code": code(demo, clock)},
            )
            headers = {"Authorization": f"Bearer {done.json()['token']}"}
            account = (await http.get("/iserver/accounts", headers=headers)).json()["accounts"][0]
            if not paper:
                await http.post(f"/accounts/{account}/deposits", json={"amount": "250000"},
                                headers=headers)  # fmt: skip
                clock.advance(1)
                await matching_engine.step(runtime.ctx, clock.now())
            for conid, shares in HOLDINGS:
                order = {"conid": conid, "side": "BUY", "quantity": shares, "orderType": "MKT"}
                path, payload = f"/iserver/account/{account}/orders", {"orders": [order]}
                body = (await http.post(path, json=payload, headers=headers)).json()
                while isinstance(body, list) and body and "message" in body[0]:
                    path, payload = f"/iserver/reply/{body[0]['id']}", {"confirmed": True}
                    body = (await http.post(path, json=payload, headers=headers)).json()
                clock.advance(60)
                await matching_engine.step(runtime.ctx, clock.now())
    clock.advance(1800)  # the day goes on: the prices move from where they were bought


def code(demo: DemoAccount, clock: FakeClock) -> str:
    clock.advance(30)
    return totp.code_at(demo.otpauth_uri.split("secret=")[1].split("&")[0], at=clock.now())


async def sign_in(page: Page, url: str, demo: DemoAccount, clock: FakeClock) -> None:
    await page.fill("input[name=username]", demo.username)
    await page.fill("input[name=password]", demo.password)
    await page.click("button.xyz-button-login")
    await page.wait_for_selector("#twofactbase", state="visible")
    await page.click("#factor-tabs [data-factor=totp]")
    await page.fill("#xyz-field-bronze-response", code(demo, clock))
    await page.press("#xyz-field-bronze-response", "Enter")


async def shoot(
    page: Page, out: Path, name: str, settle: Callable[[], Awaitable[Any]] | None = None
) -> None:
    if settle is not None:
        await settle()
    await page.wait_for_timeout(700)  # let live data and transitions settle
    await page.screenshot(path=str(out / f"{name}.png"), full_page=False)
    print(f"wrote {out / name}.png")


async def desktop(browser: Any, url: str, demo: DemoAccount, clock: FakeClock, out: Path) -> None:
    page = await (await browser.new_context(**DESKTOP)).new_page()
    await page.goto(f"{url}/login")
    await page.click("label[for=toggle1]")  # paper: it starts with simulated funds to show
    await page.fill("input[name=username]", demo.paper_username)
    await shoot(page, out, "portal-login")
    await page.fill("input[name=password]", demo.paper_password)
    await page.click("button.xyz-button-login")
    await page.wait_for_selector("#twofactbase", state="visible")
    await page.click("#factor-tabs [data-factor=card]")
    await page.wait_for_selector("#card-cell-1:not(:has-text('…'))")
    await shoot(page, out, "portal-login-card")
    await page.click("#factor-tabs [data-factor=totp]")
    await page.fill("#xyz-field-bronze-response", code(demo, clock))
    await page.press("#xyz-field-bronze-response", "Enter")
    await page.wait_for_url(f"{url}/portal/")
    for name in PAGES:
        await page.goto(f"{url}/portal/{'' if name == 'dashboard' else name}")
        await shoot(page, out, f"portal-{name}")
    await page.goto(f"{url}/portal/assistant")
    await page.fill("#ask-text", "buy 10 MSFT limit 400")
    await page.press("#ask-text", "Enter")
    await shoot(page, out, "portal-assistant")
    await page.goto(f"{url}/portal/settings")
    await page.wait_for_selector("#sessions-list .session-row")
    await page.click("#totp-start")
    await shoot(page, out, "portal-settings", lambda: page.wait_for_selector("#totp-qr[src]"))


async def mobile(
    p: Any, browser: Any, url: str, demo: DemoAccount, clock: FakeClock, out: Path
) -> None:
    context = await browser.new_context(**p.devices["Pixel 7"])
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    await cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    await page.goto(f"{url}/m/login")
    await shoot(page, out, "mobile-login")
    await sign_in(page, url, demo, clock)
    await page.wait_for_selector("#passkey-offer", state="visible")
    await shoot(page, out, "mobile-passkey-offer")
    await page.click("#passkey-create")
    await page.wait_for_url(f"{url}/m/")
    for name in MOBILE_PAGES:
        await page.goto(f"{url}/m/{name}")
        await shoot(page, out, f"mobile-{name or 'portfolio'}")
    await page.goto(f"{url}/m/assistant")
    await page.fill("#ask-text", "what's my buying power?")
    await page.press("#ask-text", "Enter")
    await shoot(page, out, "mobile-assistant")
    await page.goto(f"{url}/m/more")
    await page.click("#sign-out")
    await page.wait_for_selector("#unlock", state="visible")
    await shoot(page, out, "mobile-unlock")


async def recovery(p: Any, browser: Any, url: str, demo: DemoAccount, out: Path) -> None:
    """Forgot password → security questions, at the questions step (the page looks the same
    whether or not the account has chosen questions: unknown ones get decoys)."""
    context = await browser.new_context(**p.devices["Pixel 7"])
    page = await context.new_page()
    await page.goto(f"{url}/m/forgot/questions")
    await page.fill("#rq-username", demo.username)
    await page.click("#rq-start-submit")
    await page.wait_for_selector("#rq-answers", state="visible")
    await shoot(page, out, "mobile-recover-questions")


async def main(out: Path) -> None:
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as home:
        async with gatehouse(Path(home), clock) as (url, demo), async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                await desktop(browser, url, demo, clock, out)
                await mobile(p, browser, url, demo, clock, out)
                await recovery(p, browser, url, demo, out)
            finally:
                await browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parents[1] / "docs" / "screenshots"
    )
    target = parser.parse_args().out
    target.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(target))

"""Chromium for browser tests: Debian's build driven by Playwright, and sign-in steps on the pages.

Locally the browser tests skip when Playwright or /usr/bin/chromium is missing; in CI they
fail instead, so they can never silently stop running there.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from gatehouse.domain.clock import FakeClock
from gatehouse.domain.identity.factors import totp
from tests.support.backends import in_ci

CHROMIUM = os.environ.get("GATEHOUSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 20_000  # a limit for waits, not a pace: generous, so a loaded machine does not flake


def _missing(what: str) -> None:
    if in_ci():
        pytest.fail(f"{what}: CI must run the browser tests")
    pytest.skip(f"{what}: browser tests skipped")


@asynccontextmanager
async def chromium() -> AsyncIterator[tuple[Any, Any]]:
    """(playwright, browser); skips (or fails in CI) without Playwright or Chromium."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _missing("playwright is not installed")
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"{CHROMIUM} is missing (apt-get install chromium)")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield p, browser
        finally:
            await browser.close()


def page_url(base_url: str) -> str:
    """Pages run on ``localhost``: WebAuthn refuses IP addresses as a site's identity."""
    return base_url.replace("127.0.0.1", "localhost")


async def new_page(browser: Any, **context: Any) -> Any:
    ctx = await browser.new_context(**context)
    ctx.set_default_timeout(TIMEOUT_MS)
    page = await ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on(
        "console",
        lambda msg: (
            page.errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    return page


async def fill_password(page: Any, user: Any, *, paper: bool = False) -> None:
    await page.fill("input[name=username]", user.paper_username if paper else user.username)
    await page.fill("input[name=password]", user.paper_password if paper else user.password)
    if paper:
        await page.click("label[for=toggle1]")
    await page.click("button.xyz-button-login")


async def enter_totp(page: Any, user: Any, clock: FakeClock) -> None:
    """Type the code the user's authenticator shows now (the clock moves a step first)."""
    await page.click("#factor-tabs [data-factor=totp]")
    clock.advance(30)
    await page.fill("#xyz-field-bronze-response", totp.code_at(user.totp_secret, at=clock.now()))
    await page.press("#xyz-field-bronze-response", "Enter")


async def sign_in_with_totp(page: Any, url: str, user: Any, clock: FakeClock) -> None:
    await page.goto(url)
    await fill_password(page, user)
    await page.wait_for_selector("#twofactbase", state="visible")
    await enter_totp(page, user, clock)


def expect(target: Any, **options: Any) -> Any:
    """Playwright's ``expect``, imported only when a browser test runs (so a missing
    Playwright skips the test instead of breaking collection)."""
    from playwright.async_api import expect as playwright_expect

    return playwright_expect(target, **options)


async def answer_questions(page: Any, done: Any, *, most: int = 4) -> None:
    """Confirm IBKR's questions, as many as the server asks (none, or up to ``most``), until
    ``done`` shows (a locator for the outcome, one that cannot be there before it).

    Each wait is for the next question *or* the outcome, bounded by ``TIMEOUT_MS``: a question
    that comes late on a loaded machine is answered, not taken for no question."""
    confirm = page.locator("#questions-confirm")  # always in the page, shown when asking
    either = confirm.or_(done).filter(visible=True).first
    for _ in range(most + 1):
        await expect(either).to_be_visible(timeout=TIMEOUT_MS)
        if not await confirm.is_visible():
            return
        await confirm.click()
    raise AssertionError(f"the server asked more than {most} questions")

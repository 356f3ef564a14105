"""The Client Portal sign-in page in Chromium: each second factor, the failures people meet."""

from __future__ import annotations

import pytest
from tests.support.browser import (
    chromium,
    enter_totp,
    fill_password,
    new_page,
    page_url,
    sign_in_with_totp,
)
from tests.support.signin import latest_sms_code

from gatehouse.service.identity import users


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """Browser tests run on SQLite; the first test below runs on PostgreSQL too."""
    return str(request.param)


@pytest.fixture
async def browser():
    async with chromium() as (_, found):
        yield found


@pytest.fixture
def url(base_url: str) -> str:
    return page_url(base_url)


async def second_step(page, user, *, paper: bool = False) -> None:
    await fill_password(page, user, paper=paper)
    await page.wait_for_selector("#twofactbase", state="visible")


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_an_authenticator_code_opens_the_dashboard(browser, url, alice, clock):
    page = await new_page(browser)
    await sign_in_with_totp(page, f"{url}/login", alice, clock)
    await page.wait_for_url(f"{url}/portal/")
    assert await page.inner_text(".account-id") == alice.live_account
    assert await page.inner_text(".whoami .env-badge") == "LIVE"
    assert page.errors == []


async def test_paper_credentials_open_the_paper_account(browser, url, alice, clock):
    page = await new_page(browser)
    await page.goto(f"{url}/login")
    await second_step(page, alice, paper=True)
    await enter_totp(page, alice, clock)
    await page.wait_for_url(f"{url}/portal/")
    assert await page.inner_text(".account-id") == alice.paper_account
    assert await page.inner_text(".whoami .env-badge") == "PAPER"


async def test_an_sms_code_can_be_resent_and_only_the_newest_works(browser, url, alice, runtime):
    page = await new_page(browser)
    await page.goto(f"{url}/login")
    await second_step(page, alice)
    await page.click("#factor-tabs [data-factor=sms]")
    await page.wait_for_selector("#code-hint:has-text('We texted a 6-digit code to')")
    first = await latest_sms_code(runtime, alice.phone)
    await page.click("#sms-resend")
    await page.wait_for_selector("#sms-resend:has-text('(1 left)')")
    second = await latest_sms_code(runtime, alice.phone)
    if first != second:
        await page.fill("#xyz-field-bronze-response", first)
        await page.press("#xyz-field-bronze-response", "Enter")
        await page.wait_for_selector('.xyz-errormessage:has-text("isn\'t right")')
    await page.fill("#xyz-field-bronze-response", second)
    await page.press("#xyz-field-bronze-response", "Enter")
    await page.wait_for_url(f"{url}/portal/")


async def test_the_code_card_asks_two_cells_and_accepts_them(browser, url, alice, runtime):
    issued = await users.issue_card(runtime.ctx, alice.username, actor="test")
    page = await new_page(browser)
    await page.goto(f"{url}/login")
    await second_step(page, alice)
    await page.click("#factor-tabs [data-factor=card]")
    await page.wait_for_selector("#card-cell-1:not(:has-text('…'))")
    asked = [await page.inner_text("#card-cell-1"), await page.inner_text("#card-cell-2")]
    await page.fill("#card-input-1", issued.cells[asked[0]])
    await page.fill("#card-input-2", issued.cells[asked[1]].lower())
    await page.click("#factor-card button[type=submit]")
    await page.wait_for_url(f"{url}/portal/")


async def test_only_the_factors_of_the_account_are_offered(browser, url, alice):
    page = await new_page(browser)
    await page.goto(f"{url}/login")
    await second_step(page, alice)
    visible = [
        await tab.get_attribute("data-factor")
        for tab in await page.query_selector_all("#factor-tabs [data-factor]")
        if await tab.is_visible()
    ]
    assert visible == ["totp", "sms"]  # no Key device, no card: neither push nor card


async def test_failures_are_explained(browser, url, alice, clock):
    page = await new_page(browser)
    await page.goto(f"{url}/login")
    await page.fill("input[name=username]", alice.username)
    await page.fill("input[name=password]", "not-the-password")
    await page.click("button.xyz-button-login")
    error = page.locator(".xyz-errormessage")
    await error.filter(has_text="don't match").wait_for()

    # paper credentials on the live switch: the page says which switch to use
    await page.fill("input[name=username]", alice.paper_username)
    await page.fill("input[name=password]", alice.paper_password)
    await page.click("button.xyz-button-login")
    await error.filter(has_text="choose Paper").wait_for()

    await second_step(page, alice)
    await page.fill("#xyz-field-bronze-response", "000000")
    await page.press("#xyz-field-bronze-response", "Enter")
    await error.filter(has_text="isn't right").wait_for()
    await enter_totp(page, alice, clock)
    await page.wait_for_url(f"{url}/portal/")


async def test_the_username_is_remembered_but_never_the_password(browser, url, alice, clock):
    page = await new_page(browser)
    await page.goto(f"{url}/login")
    await page.check("#remember-username")
    await second_step(page, alice)
    stored = await page.evaluate("JSON.stringify(Object.entries(localStorage))")
    assert alice.username in stored and alice.password not in stored
    await page.goto(f"{url}/login")
    assert await page.input_value("input[name=username]") == alice.username
    assert await page.input_value("input[name=password]") == ""


async def test_an_expired_sign_in_starts_over_with_a_message(browser, url, alice, clock):
    page = await new_page(browser)
    await page.goto(f"{url}/login")
    await second_step(page, alice)
    clock.advance(301)
    await enter_totp(page, alice, clock)
    await page.locator(".xyz-errormessage").filter(has_text="expired").wait_for()
    assert await page.is_visible("#signin-password")


async def test_a_gatehouse_key_push_shows_the_number_and_signs_in_when_approved(
    browser, url, client, alice, clock
):
    from tests.support.access import enrolled_device, key_client

    from gatehouse.domain.identity.factors import push

    device = await enrolled_device(client, alice, clock)
    page = await new_page(browser)
    await page.goto(f"{url}/login")
    await second_step(page, alice)
    # push is offered first once a Key device is enrolled; the number is shown large
    await page.wait_for_selector("#push-number:not(:has-text('··'))")
    number = int(await page.inner_text("#push-number"))
    async with key_client(client, clock) as keys:
        [request] = await keys.pending(device.identity)
        await keys.decide(device.identity, request.nonce, push.Decision.APPROVE, number)
    await page.wait_for_url(f"{url}/portal/")

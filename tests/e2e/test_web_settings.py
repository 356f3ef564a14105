"""The Settings page in Chromium: sessions everywhere, a new authenticator app, a new card."""

from __future__ import annotations

import pytest
from tests.support.browser import chromium, expect, new_page, page_url, sign_in_with_totp

from gatehouse.domain.identity.factors import totp


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_sign_out_everywhere_closes_every_session_at_once(base_url, alice, clock):
    url = page_url(base_url)
    async with chromium() as (_, browser):
        laptop = await new_page(browser)
        desk = await new_page(browser)
        for page in (laptop, desk):
            await sign_in_with_totp(page, f"{url}/login?next=/portal/settings", alice, clock)
            await page.wait_for_url(f"{url}/portal/settings")
        await expect(laptop.locator("#sessions-list .session-row")).to_have_count(2)
        await desk.wait_for_selector("#live-status[data-state=live]")
        laptop.once("dialog", lambda dialog: dialog.accept())
        await laptop.click("#end-all")
        await laptop.wait_for_url(f"{url}/login?**")
        # the other browser is told over the sync socket and leaves without any click
        await desk.wait_for_url(f"{url}/login?**")
        assert "reason=signed_out_everywhere" in desk.url
        await desk.goto(f"{url}/portal/settings")
        await desk.wait_for_url(f"{url}/login?next=/portal/settings")


async def test_a_new_authenticator_app_replaces_the_old_one_once_confirmed(base_url, alice, clock):
    url = page_url(base_url)
    async with chromium() as (_, browser):
        page = await new_page(browser)
        await sign_in_with_totp(page, f"{url}/login?next=/portal/settings", alice, clock)
        await page.wait_for_url(f"{url}/portal/settings")
        await page.click("#totp-start")
        await page.wait_for_selector("#totp-qr[src^='data:image/svg+xml']")
        secret = (await page.inner_text("#totp-secret")).replace(" ", "")
        clock.advance(30)
        await page.fill("#totp-confirm [name=code]", totp.code_at(secret, at=clock.now()))
        await page.click("#totp-confirm button[type=submit]")
        await page.wait_for_selector("#totp-enroll", state="hidden")
        await page.locator("#activity-table").filter(has_text="Authenticator app set up").wait_for()
        assert page.errors == []
    alice.totp_secret = secret
    async with chromium() as (_, browser):  # the new app's codes now sign in
        page = await new_page(browser)
        await sign_in_with_totp(page, f"{url}/login", alice, clock)
        await page.wait_for_url(f"{url}/portal/")


async def test_a_new_code_card_is_shown_once_with_its_pdf(base_url, alice, clock):
    url = page_url(base_url)
    async with chromium() as (_, browser):
        page = await new_page(browser)
        await sign_in_with_totp(page, f"{url}/login?next=/portal/settings", alice, clock)
        await page.wait_for_url(f"{url}/portal/settings")
        page.once("dialog", lambda dialog: dialog.accept())
        await page.click("#card-issue")
        await page.wait_for_selector("#card-new", state="visible")
        assert await page.locator("#card-grid tbody td").count() == 100
        assert (await page.get_attribute("#card-pdf", "href")).startswith("blob:")
        await page.locator("#card-state").filter(has_text="100 unused cells").wait_for()

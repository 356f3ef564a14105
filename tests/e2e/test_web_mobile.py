"""The Mobile web app on an emulated phone: install pieces, passkey unlock, re-authentication."""

from __future__ import annotations

import json

import pytest
from tests.support.browser import chromium, enter_totp, expect, fill_password, new_page, page_url

AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
}


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def phone():
    """A Pixel 7 with a virtual platform authenticator (fingerprint that always matches)."""
    async with chromium() as (p, browser):
        page = await new_page(browser, **p.devices["Pixel 7"])
        cdp = await page.context.new_cdp_session(page)
        await cdp.send("WebAuthn.enable")
        await cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
        yield page


async def full_sign_in(page, url, user, clock) -> None:
    await page.goto(f"{url}/m/login")
    await page.wait_for_selector("#signin-password", state="visible")
    await fill_password(page, user)
    await page.wait_for_selector("#twofactbase", state="visible")
    await enter_totp(page, user, clock)


async def test_the_app_is_installable_and_phone_sized(phone, base_url):
    url = page_url(base_url)
    manifest = json.loads(await (await phone.request.get(f"{url}/m/manifest.webmanifest")).text())
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/m/"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}
    await phone.goto(f"{url}/m/login")
    registered = await phone.evaluate(
        "navigator.serviceWorker.ready.then(r => r.active && r.scope)"
    )
    assert registered == f"{url}/m/"
    assert await phone.evaluate("innerWidth") < 500


async def sign_out(phone) -> None:
    """From the More tab, sign out; the phone's sign-in page then offers the passkey. The tab
    is a link (a new page even from More itself): the sign-out button is only clicked once the
    new page's scripts have run, or the click can reach a button with no handler yet."""
    async with phone.expect_navigation(wait_until="domcontentloaded"):
        await phone.click(".tab-more")
    await phone.click("#sign-out")
    await phone.wait_for_selector("#unlock", state="visible")


async def test_passkey_unlock_and_full_sign_in_again_after_the_period(
    phone, base_url, alice, clock
):
    url = page_url(base_url)
    # 1. the first full sign-in offers biometric unlock; turning it on registers a passkey
    await full_sign_in(phone, url, alice, clock)
    await phone.wait_for_selector("#passkey-offer", state="visible")
    await phone.click("#passkey-create")
    await phone.wait_for_url(f"{url}/m/")
    await phone.wait_for_selector(".tabbar")
    # a new live account: the portfolio says it has no cash, and where to deposit
    unfunded = phone.locator("#dashboard-unfunded")
    await expect(unfunded).to_contain_text("no cash yet")
    assert await unfunded.get_by_role("link").get_attribute("href") == "/portal/funding"

    # 2. signed out, the app opens on "Unlock with passkey", which opens a session
    await sign_out(phone)
    await phone.click("#unlock-button")
    await phone.wait_for_url(f"{url}/m/more")  # back where the user left
    assert await phone.inner_text(".m-account") == alice.live_account

    # 3. eight days later the passkey alone is not enough: the full second factor is asked
    await sign_out(phone)
    clock.advance(days=8)
    await phone.click("#unlock-button")
    await phone.locator("#signin-error").filter(has_text="sign in with your password").wait_for()
    assert await phone.input_value("input[name=username]") == alice.username
    await phone.fill("input[name=password]", alice.password)
    await phone.click("button.xyz-button-login")
    await phone.wait_for_selector("#twofactbase", state="visible")
    await enter_totp(phone, alice, clock)
    await phone.wait_for_url(f"{url}/m/more")

    # 4. and after that full sign-in the passkey unlocks again
    await sign_out(phone)
    await phone.click("#unlock-button")
    await phone.wait_for_url(f"{url}/m/more")
    assert phone.errors == []

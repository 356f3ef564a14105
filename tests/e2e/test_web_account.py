"""Dead ends of issue 16 in Chromium: a temporary password is changed on the page (web and
mobile); "Forgot password?" leads through the e-mailed link to a new password; Settings adds a
Gatehouse Key device (QR code + code, list, revoke) and changes the password — each change
after confirming it is you (password + second factor) once the sign-in is a few minutes old."""

from __future__ import annotations

import re

import pytest
from tests.support.access import enroll_with
from tests.support.browser import (
    chromium,
    enter_totp,
    expect,
    fill_password,
    new_page,
    page_url,
    sign_in_with_totp,
)
from tests.support.mail import body_of, smtp_server

from gatehouse.domain.identity.factors import totp
from gatehouse.service.support import console as support

NEW_PASSWORD = "Quiet-Harbour-58-compass"
TICKLE = """fetch('/v1/api/tickle', {method: 'POST', headers: {'X-CSRF-Token':
  document.querySelector('meta[name=csrf-token]').content}})"""
PIXEL = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def mailbox():
    with smtp_server() as box:
        yield box


@pytest.fixture
def settings_overrides(mailbox):
    return {"smtp_host": mailbox.host, "smtp_port": mailbox.port}


async def test_a_temporary_password_is_changed_on_the_page_then_the_portal_works(
    base_url, runtime, alice, clock
):
    url = page_url(base_url)
    issued = await support.temporary_password(runtime.ctx, alice.username, actor="support:sam")
    alice.password = issued["temporary_password"]
    async with chromium() as (_, browser):
        page = await new_page(browser)
        await sign_in_with_totp(page, f"{url}/login?next=/portal/statements", alice, clock)
        await expect(page.locator("#pw-form")).to_be_visible()
        await expect(page.locator("h1")).to_contain_text("Choose a new password")
        await page.fill("#pw-current", alice.password)
        await page.fill("#pw-new", NEW_PASSWORD)
        await page.fill("#pw-confirm", NEW_PASSWORD + "x")
        await page.click("#pw-submit")
        await expect(page.locator("#pw-error")).to_contain_text("differ")
        await page.fill("#pw-confirm", NEW_PASSWORD)
        await page.click("#pw-submit")
        await expect(page.locator("#statement-form")).to_be_visible()  # the page asked for
        await page.goto(f"{url}/portal/")
        figure = page.locator('.kpi[data-key="netliquidation"] [data-figure]')
        await expect(figure).to_contain_text("$")
        assert page.errors == []
    alice.password = NEW_PASSWORD
    # the mobile app shows the same step
    issued = await support.temporary_password(runtime.ctx, alice.username, actor="support:sam")
    async with chromium() as (_, browser):
        phone = await new_page(browser, **PIXEL)
        await phone.goto(f"{url}/m/login")
        alice.password = issued["temporary_password"]
        await fill_password(phone, alice)
        await phone.wait_for_selector("#twofactbase", state="visible")
        await enter_totp(phone, alice, clock)
        await expect(phone.locator("#pw-form")).to_be_visible()
        await phone.fill("#pw-current", alice.password)
        await phone.fill("#pw-new", NEW_PASSWORD + "9")
        await phone.fill("#pw-confirm", NEW_PASSWORD + "9")
        await phone.click("#pw-submit")
        await expect(
            phone.locator('.kpi[data-key="netliquidation"] [data-figure]')
        ).to_contain_text("$")
        assert phone.errors == []


async def test_forgot_password_from_the_sign_in_page_through_the_emailed_link(
    base_url, alice, clock, mailbox
):
    url = page_url(base_url)
    async with chromium() as (_, browser):
        page = await new_page(browser)
        await page.goto(f"{url}/login")
        await page.click("#forgot-link")
        await page.wait_for_url(f"{url}/forgot")
        await page.fill("#forgot-who", alice.username)
        await page.click("#forgot-submit")
        await expect(page.locator("#forgot-done")).to_contain_text("link")
        [mail] = await mailbox.wait_for(1)
        link = re.search(r"https?://\S+/recover\?token=[\w-]+", body_of(mail)).group(0)
        await page.goto(f"{url}/recover?token={link.split('token=')[1]}")
        await page.fill("#password", NEW_PASSWORD)
        await page.fill("#confirm", NEW_PASSWORD)
        await page.click("button[type=submit]")
        await expect(page.locator("body")).to_contain_text("is changed")
        alice.password = NEW_PASSWORD
        await sign_in_with_totp(page, f"{url}/login", alice, clock)
        await page.wait_for_url(f"{url}/portal/")
        # the mobile sign-in page links it too
        phone = await new_page(browser, **PIXEL)
        await phone.goto(f"{url}/m/login")
        await phone.click("#forgot-link")
        await phone.wait_for_url(f"{url}/m/forgot")
        await expect(phone.locator("#forgot-back")).to_have_attribute("href", "/m/login")


async def confirm_it_is_me(page, user, clock) -> None:
    await expect(page.locator("#step-up")).to_be_visible()
    await page.fill("#step-up-pass", user.password)
    await page.press("#step-up-pass", "Enter")
    await page.click("#step-up [data-factor=totp]")
    clock.advance(30)
    await page.fill("#step-up-code", totp.code_at(user.totp_secret, at=clock.now()))
    await page.press("#step-up-code", "Enter")
    await expect(page.locator("#step-up")).to_have_count(0)


async def test_settings_key_device_and_password_after_confirming_it_is_you(
    base_url, client, alice, clock, mailbox
):
    url = page_url(base_url)
    async with chromium() as (_, browser):
        page = await new_page(browser)
        await sign_in_with_totp(page, f"{url}/login?next=/portal/settings", alice, clock)
        await page.wait_for_url(f"{url}/portal/settings")
        await expect(page.locator("#key-devices")).to_contain_text("No Key device yet")
        for _ in range(6):  # six minutes later (the page kept alive)
            clock.advance(60)
            await page.evaluate(TICKLE)
        await page.click("#key-add")
        await confirm_it_is_me(page, alice, clock)
        await page.wait_for_selector("#key-qr[src^='data:image/svg+xml']")
        code = (await page.inner_text("#key-code")).strip()
        assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4})+", code)
        await enroll_with(client, code, name="Alice's phone")
        row = page.locator("#key-devices li", has_text="Alice's phone")
        await expect(row).to_be_visible()  # announced over the sync socket
        await row.locator("button", has_text="Revoke").click()  # still within the five minutes
        await expect(page.locator("#key-devices")).to_contain_text("No Key device yet")

        await page.fill("#pw-current", alice.password)
        await page.fill("#pw-new", NEW_PASSWORD)
        await page.fill("#pw-confirm", NEW_PASSWORD)
        await page.click("#pw-submit")
        await expect(page.locator("#toast")).to_contain_text("Password changed")
        await page.goto(f"{url}/portal/messages")
        await expect(page.locator("body")).to_contain_text("Security: Your password was changed")
        assert page.errors == []
    subjects = [m["Subject"] for m in await mailbox.wait_for(4)]
    assert "Gatehouse: Your password was changed" in subjects
    assert any("Key device was added" in s for s in subjects)

"""Step-up by Gatehouse Key push in Chromium: "Confirm it's you" shows the number to pick and
waits; a denial starts it over; an approval on the Key device confirms the page's own session
(the change asked for goes on)."""

from __future__ import annotations

import re

import pytest
from tests.support.access import enrolled_device, key_client
from tests.support.browser import chromium, expect, new_page, page_url, sign_in_with_totp

from gatehouse.domain.identity.factors import push

TICKLE = """fetch('/v1/api/tickle', {method: 'POST', headers: {'X-CSRF-Token':
  document.querySelector('meta[name=csrf-token]').content}})"""


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def ring(page, user) -> int:
    """Password, then "Gatehouse Key": the number the dialog shows, once it is waiting."""
    await page.fill("#step-up-pass", user.password)
    await page.press("#step-up-pass", "Enter")
    await page.click("#step-up [data-factor=push]")
    shown = page.locator("#step-up-push-number")
    await expect(shown).to_have_text(re.compile(r"^\d{2}$"))
    await expect(page.locator("#step-up-push-status")).to_contain_text("Waiting")
    return int(await shown.inner_text())


async def test_confirming_it_is_you_with_a_key_push(base_url, client, alice, clock):
    url = page_url(base_url)
    device = await enrolled_device(client, alice, clock)
    async with chromium() as (_, browser):
        page = await new_page(browser)
        await sign_in_with_totp(page, f"{url}/login?next=/portal/settings", alice, clock)
        await page.wait_for_url(f"{url}/portal/settings")
        await expect(page.locator("#key-devices")).to_contain_text("Test phone")
        for _ in range(6):  # six minutes later (the page kept alive)
            clock.advance(60)
            await page.evaluate(TICKLE)
        await page.click("#key-add")
        await expect(page.locator("#step-up")).to_be_visible()
        # denied on the device first: the dialog says so and starts over from the password
        await ring(page, alice)
        async with key_client(client, clock) as keys:
            [request] = await keys.pending(device.identity)
            await keys.decide(device.identity, request.nonce, push.Decision.DENY, None)
        await expect(page.locator("#step-up-error")).to_contain_text("denied")
        await page.click("#step-up-restart")
        number = await ring(page, alice)
        async with key_client(client, clock) as keys:
            [request] = await keys.pending(device.identity)
            assert number in request.choices
            decided = await keys.decide(
                device.identity, request.nonce, push.Decision.APPROVE, number
            )
            assert decided == "approved"
        await expect(page.locator("#step-up")).to_have_count(0)
        # the action asked for goes on in the same session
        await page.wait_for_selector("#key-qr[src^='data:image/svg+xml']")
        assert re.fullmatch(
            r"[A-Z0-9]{4}(-[A-Z0-9]{4})+", (await page.inner_text("#key-code")).strip()
        )
        assert page.errors == []

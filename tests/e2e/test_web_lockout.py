"""A locked account, as the sign-in page shows it: the reason and a live countdown."""

from __future__ import annotations

import re

import pytest
from tests.support.browser import chromium, expect, new_page, page_url


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"throttle_free_failures": 2, "throttle_lockout_failures": 2}


async def test_a_lockout_shows_its_countdown_and_blocks_the_form(base_url, alice):
    async with chromium() as (_, browser):
        page = await new_page(browser)
        await page.goto(f"{page_url(base_url)}/login")
        error = page.locator(".xyz-errormessage")
        submit = page.locator("button.xyz-button-login")
        for attempt in range(3):
            await page.fill("input[name=username]", alice.username)
            await page.fill("input[name=password]", f"wrong-password-{attempt}")
            await submit.click()
            if attempt < 2:
                await expect(error).to_contain_text("don't match")
                await expect(submit).to_be_enabled()
        await expect(error).to_contain_text("locked")
        first = re.search(r"Try again in (\d+:\d\d)", await error.inner_text())
        assert first is not None and first.group(1).split(":")[0] in ("14", "15")
        await expect(submit).to_be_disabled()
        # it counts down in front of the user
        await expect(error).not_to_contain_text(first.group(1), timeout=5000)
        await expect(error).to_contain_text("Try again in 14:")

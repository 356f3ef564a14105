"""A locked account, as the sign-in page shows it: the reason and a live countdown."""

from __future__ import annotations

import re

import pytest
from tests.support.browser import chromium, new_page, page_url

# after a click, the form is usable again or shows a countdown
SETTLED = (
    "!document.querySelector('#signin-submit').disabled || "
    "document.querySelector('.xyz-errormessage').textContent.includes('Try again in')"
)


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
        for _ in range(3):
            await page.fill("input[name=username]", alice.username)
            await page.fill("input[name=password]", "wrong-password-1")
            await page.click("button.xyz-button-login")
            await page.wait_for_function(SETTLED)
        await error.filter(has_text="locked").wait_for()
        first = re.search(r"Try again in (\d+):(\d\d)", await error.inner_text())
        assert first is not None and first.group(1) in ("14", "15")
        assert await page.is_disabled("button.xyz-button-login")
        # it counts down in front of the user
        await page.wait_for_function(
            "(shown) => !document.querySelector('.xyz-errormessage').textContent.includes(shown)",
            arg=f"{first.group(1)}:{first.group(2)}",
        )

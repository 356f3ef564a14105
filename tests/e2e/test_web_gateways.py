"""Gateways in the Settings page (Chromium): listed with scope and last use, revoked at once."""

from __future__ import annotations

import httpx
import pytest
from tests.support import gateway as gw
from tests.support.access import session_token
from tests.support.browser import chromium, expect, new_page, page_url, sign_in_with_totp
from tests.support.signin import bearer


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_a_gateway_is_listed_in_settings_and_revoked_from_there(base_url, alice, clock):
    url = page_url(base_url)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        token = await session_token(client, alice, clock)
        gateway = await gw.register(client, token, scope="read-only", name="algo box")
        device_session = bearer((await gw.token_of(client, gateway))["token"])
        async with chromium() as (_, browser):
            page = await new_page(browser)
            await sign_in_with_totp(page, f"{url}/login?next=/portal/settings", alice, clock)
            await page.wait_for_url(f"{url}/portal/settings")
            rows = page.locator("#gateways-list .session-row")
            await expect(rows).to_have_count(1)
            await expect(rows.first).to_contain_text("algo box")
            await expect(rows.first).to_contain_text("Read-only")
            await page.locator("#activity-table").filter(has_text="Gateway signed in").wait_for()
            page.once("dialog", lambda dialog: dialog.accept())
            await page.click(f"[data-gateway='{gateway.device_id}']")
            await expect(rows).to_have_count(0)
            assert page.errors == []
        refused = await client.post("/v1/api/tickle", headers=device_session)
        assert refused.status_code == 401

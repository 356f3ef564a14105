"""ibot in Chromium: "modify my MSFT order to 305", "cancel my MSFT order" and "close my AAPL
position" each end in a confirmation on the page before anything is sent; a new question
hides the previous preview."""

from __future__ import annotations

import pytest
from tests.support.browser import (
    answer_questions,
    chromium,
    enter_totp,
    expect,
    new_page,
    page_url,
)
from tests.support.trading import AAPL, step, trader

MSFT = 272093


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_ibot_modifies_cancels_and_closes_after_confirmation(
    base_url, client, runtime, alice, clock
):
    t = await trader(client, alice, clock)  # paper: a million to trade with
    await t.order(conid=AAPL, side="BUY", quantity=7, orderType="MKT")
    placed = await t.order(conid=MSFT, side="BUY", quantity=3, orderType="LMT", price=300)
    order_id = placed["order_id"]
    status = f"iserver/account/order/status/{order_id}"
    url = page_url(base_url)
    async with chromium() as (_, browser):
        page = await new_page(browser)
        await page.goto(f"{url}/login")
        await page.fill("input[name=username]", alice.paper_username)
        await page.fill("input[name=password]", alice.paper_password)
        await page.click("label[for=toggle1]")
        await page.click("button.xyz-button-login")
        await page.wait_for_selector("#twofactbase", state="visible")
        await enter_totp(page, alice, clock)
        await page.wait_for_url(f"{url}/portal/")
        await page.goto(f"{url}/portal/assistant")

        await page.fill("#ask-text", "modify my MSFT order to 305")
        await page.press("#ask-text", "Enter")
        await expect(page.locator("#preview")).to_contain_text("New: Buy 3 MSFT Limit 305.00")
        assert (await t.get(status)).json()["limit_price"] in ("300", "300.00")  # nothing yet
        await page.click("#ibot-confirm")
        changed = page.locator("#chat", has_text="Your order was changed")
        await answer_questions(page, changed)  # a price far from the market asks first
        await expect(changed).to_be_visible()
        assert float((await t.get(status)).json()["limit_price"]) == 305

        await page.fill("#ask-text", "cancel my MSFT order")
        await page.press("#ask-text", "Enter")
        await expect(page.locator("#preview")).to_contain_text("Buy 3 MSFT Limit 305.00")
        await page.fill("#ask-text", "quote AAPL")  # asking something else hides it, sends nothing
        await page.press("#ask-text", "Enter")
        await expect(page.locator("#preview")).to_be_hidden()
        assert (await t.get(status)).json()["order_status"] == "Submitted"
        await page.fill("#ask-text", "cancel my MSFT order")
        await page.press("#ask-text", "Enter")
        await page.click("#ibot-confirm")
        await expect(page.locator("#chat")).to_contain_text("Cancel request sent")
        assert (await t.get(status)).json()["order_status"] == "Cancelled"

        await page.fill("#ask-text", "close my AAPL position")
        await page.press("#ask-text", "Enter")
        await expect(page.locator("#preview")).to_contain_text("Sell 7 AAPL at market")
        await page.locator("#preview button", has_text="Submit order").click()
        sent = page.locator("#chat", has_text="Your order was sent")
        await answer_questions(page, sent)
        await expect(sent).to_be_visible()
        await step(runtime, clock)
        held = (await t.get(f"portfolio/{t.account}/position/{AAPL}")).json()
        assert held == [] or held[0]["position"] == 0
        assert page.errors == []

"""The smaller things of issue 16 in Chromium: alert times, "1 message", share counts and a
sale's proceeds in the preview, the quote while the symbol is typed, a new watchlist named
in the page (no browser prompt), and the toast saying what was bought."""

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
from tests.support.trading import AAPL, trader

MSFT = 272093


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_smaller_things_a_customer_saw(base_url, client, alice, clock):
    t = await trader(client, alice, clock)
    await t.order(conid=AAPL, side="BUY", quantity=10, orderType="MKT")
    alert = {
        "orderId": 0, "alertName": "MSFT down", "alertMessage": "m", "alertRepeatable": 0,
        "outsideRth": 1, "tif": "GTC",
        "conditions": [{"conidex": f"{MSFT}@SMART", "type": 1, "operator": "<=",
                        "triggerMethod": "0", "value": "100", "logicBind": "n"}],
    }  # fmt: skip
    assert (await t.post(f"iserver/account/{t.account}/alert", alert)).status_code == 200
    opened = await t.post("messages/threads", {"subject": "Hello", "body": "One message"})
    assert opened.status_code == 201
    url = page_url(base_url)
    async with chromium() as (_, browser):
        page = await new_page(browser)
        page.on("dialog", lambda dialog: page.errors.append(f"browser dialog: {dialog.message}"))
        await page.goto(f"{url}/login")
        await page.fill("input[name=username]", alice.paper_username)
        await page.fill("input[name=password]", alice.paper_password)
        await page.click("label[for=toggle1]")
        await page.click("button.xyz-button-login")
        await page.wait_for_selector("#twofactbase", state="visible")
        await enter_totp(page, alice, clock)
        await page.wait_for_url(f"{url}/portal/")

        await page.goto(f"{url}/portal/watchlists")
        alerts = page.locator("#alerts-list, .alerts").first
        await expect(alerts).to_contain_text("MSFT down")
        await expect(page.locator("body")).not_to_contain_text("Invalid Date")
        await page.click("#watchlist-new")
        await page.fill("#watchlist-new-name", "Energy")
        await page.press("#watchlist-new-name", "Enter")
        await expect(page.locator("#watchlist-new-form")).to_have_count(0)
        await expect(page.locator("select option", has_text="Energy")).to_have_count(1)

        await page.goto(f"{url}/portal/messages")
        await expect(page.locator("body")).to_contain_text("1 message ·")

        await page.goto(f"{url}/portal/trade")
        await page.type("#ticket-symbol", "AAPL")  # no blur: the quote comes while typing
        await expect(page.locator("#ticket-quote")).to_contain_text("Bid")
        await page.click("label[for=side-sell]")
        await page.fill("#ticket-quantity", "5")
        await page.select_option("#ticket-type", "MKT")
        await page.click("#ticket-preview")
        preview = page.locator("#preview")
        await expect(preview).to_contain_text("(5 shares)")
        await expect(preview).to_contain_text("Proceeds less commission")
        rows = {
            (await r.locator("th").inner_text()).strip(): (await r.locator("td").inner_text())
            for r in await preview.locator("tr").all()
        }
        value = float(rows["Order value"].split(" USD")[0].replace(",", ""))
        fee = float(rows["Commission"].split(" USD")[0].replace(",", ""))
        total = float(rows["Proceeds less commission"].split(" USD")[0].replace(",", ""))
        assert total == pytest.approx(value - fee, abs=0.005)
        await preview.locator("button", has_text="Submit order").click()
        toast = page.locator("#toast", has_text="Sell 5 AAPL at market")
        await answer_questions(page, toast)
        await expect(toast).to_be_visible()
        assert page.errors == []

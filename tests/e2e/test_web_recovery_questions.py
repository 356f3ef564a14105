"""Recovery by security questions in Chromium (web and mobile): "Forgot password?" → "Answer my
security questions" → username → the three questions → a TOTP or texted code → a new password,
then a sign-in with it (the questions chosen over the API, or in the mobile Settings). Every
step fits 390×844 and 1440×900 (tests/e2e/layout_check.js)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.access import sms_code_when_sent
from tests.support.browser import chromium, expect, new_page, page_url, sign_in_with_totp
from tests.support.signin import bearer, full_signin

from gatehouse.domain.identity.factors import totp

CHOSEN = [
    {"question": "first_pet", "answer": "Rex the Dog"},
    {"question": "childhood_street", "answer": "Elm  Street"},
    {"question": "first_job", "answer": "paper-boy!"},
]
GIVEN = ["rex THE dog", "elm street.", "Paper boy"]  # case, spacing and punctuation differ
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
CHECK = "\n".join(
    line
    for line in (Path(__file__).parent / "layout_check.js").read_text().splitlines()
    if not line.startswith("//")
)


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def set_questions(client, user, clock) -> None:
    """The user chooses the questions over the API, as Settings would."""
    token = (await full_signin(client, user, clock))["token"]
    answer = await client.put(
        "/v1/api/me/security-questions",
        json={"password": user.password, "questions": CHOSEN},
        headers=bearer(token),
    )
    assert answer.status_code == 200, answer.text


async def fits(page, where: str) -> None:
    problems = await page.evaluate(CHECK)
    assert problems == [], (where, problems)


async def answer_questions(page, user, wrong_first: bool = False) -> None:
    await page.fill("#rq-username", user.username)
    await fits(page, "username")
    await page.click("#rq-start-submit")
    await expect(page.locator("#rq-answers")).to_be_visible()
    await expect(page.locator("#rq-questions")).to_contain_text("first pet")
    for i, given in enumerate(GIVEN, start=1):
        await page.fill(f"#rq-answer-{i}", "wrong answer" if wrong_first and i == 1 else given)
    await fits(page, "questions")
    await page.click("#rq-answers-submit")
    await expect(page.locator("#rq-code")).to_be_visible()


async def new_password(page, password: str) -> None:
    await expect(page.locator("#rq-password")).to_be_visible()
    await fits(page, "new password")
    await page.fill("#rq-new", password)
    await page.fill("#rq-confirm", password + "x")
    await page.click("#rq-password-submit")
    await expect(page.locator("#rq-error")).to_contain_text("not the same")
    await page.fill("#rq-confirm", password)
    await page.click("#rq-password-submit")
    await expect(page.locator("#rq-done")).to_contain_text("password is changed")
    await fits(page, "done")


async def test_recovering_with_questions_and_an_authenticator_code_on_the_web(
    base_url, client, alice, clock
):
    await set_questions(client, alice, clock)
    url = page_url(base_url)
    async with chromium() as (_, browser):
        page = await new_page(browser, **DESKTOP)
        await page.goto(f"{url}/login")
        await page.click("#forgot-link")
        await page.click("#forgot-questions")
        await page.wait_for_url(f"{url}/forgot/questions")
        await answer_questions(page, alice, wrong_first=True)
        await fits(page, "code")
        clock.advance(30)
        await page.fill("#rq-code-input", totp.code_at(alice.totp_secret, at=clock.now()))
        await page.click("#rq-verify")
        # one answer for every failure: it does not say which part was wrong
        await expect(page.locator("#rq-error")).to_contain_text("answers or the code")
        await page.click("#rq-edit-answers")
        await page.fill("#rq-answer-1", GIVEN[0])
        await page.click("#rq-answers-submit")
        clock.advance(30)
        await page.fill("#rq-code-input", totp.code_at(alice.totp_secret, at=clock.now()))
        await page.click("#rq-verify")
        await new_password(page, "Quiet-Harbour-58-compass")
        alice.password = "Quiet-Harbour-58-compass"
        await sign_in_with_totp(page, f"{url}/login", alice, clock)
        await page.wait_for_url(f"{url}/portal/")
        assert page.errors == []


async def test_recovering_with_questions_and_a_texted_code_on_the_phone(
    base_url, client, runtime, alice, clock
):
    url = page_url(base_url)
    async with chromium() as (_, browser):
        # the questions are chosen in the mobile Settings this time
        settings = await new_page(browser, **PHONE)
        await sign_in_with_totp(settings, f"{url}/m/login?next=/m/settings", alice, clock)
        await settings.wait_for_url(f"{url}/m/settings")
        await expect(settings.locator("#sq-status")).to_contain_text("Not set yet")
        for i, chosen in enumerate(CHOSEN, start=1):
            await settings.select_option(f"#sq-question-{i}", chosen["question"])
            await settings.fill(f"#sq-answer-{i}", chosen["answer"])
        await settings.fill("#sq-password", alice.password)
        await fits(settings, "settings")
        await settings.click("#sq-submit")
        await expect(settings.locator("#sq-status")).to_contain_text("first pet")
        assert settings.errors == []
        page = await new_page(browser, **PHONE)
        await page.goto(f"{url}/m/login")
        await page.click("#forgot-link")
        await page.click("#forgot-questions")
        await page.wait_for_url(f"{url}/m/forgot/questions")
        await expect(page.locator("#rq-back")).to_have_attribute("href", "/m/login")
        await answer_questions(page, alice)
        await page.click("#rq-factor-sms")
        await page.click("#rq-sms-send")
        await expect(page.locator("#rq-code-hint")).to_contain_text("on its way")
        await fits(page, "texted code")
        await page.fill("#rq-code-input", await sms_code_when_sent(runtime, alice.phone))
        await page.click("#rq-verify")
        await new_password(page, "Bright-Lantern-64-meadow")
        alice.password = "Bright-Lantern-64-meadow"
        await sign_in_with_totp(page, f"{url}/m/login", alice, clock)
        await page.wait_for_url(f"{url}/m/")
        assert page.errors == []

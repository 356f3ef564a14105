"""``/v1/api/docs`` in Chromium with no network but this server: Swagger UI renders the
operations from locally served assets, under the same security headers as every page."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from tests.support.browser import chromium, new_page, page_url

from gatehouse.web.security import PAGE_HEADERS


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_the_docs_page_renders_the_operations_offline(base_url):
    url = page_url(base_url)
    own = urlsplit(url).netloc
    elsewhere: list[str] = []
    async with chromium() as (_, browser):
        page = await new_page(browser)

        async def only_this_server(route) -> None:
            if urlsplit(route.request.url).netloc == own:
                await route.continue_()
            else:  # as on a machine with no internet
                elsewhere.append(route.request.url)
                await route.abort()

        await page.route("**/*", only_this_server)
        await page.goto(f"{url}/v1/api/docs")
        await page.wait_for_selector(".opblock-summary-path")
        paths = await page.locator(".opblock-summary-path").all_inner_texts()
        assert "/v1/api/auth/login" in paths and len(paths) > 50
        assert await page.title() == "Gatehouse API"
        # an operation opens and shows its parameters or body
        await page.locator(".opblock-summary", has_text="/v1/api/auth/login").first.click()
        await page.wait_for_selector(".opblock.is-open .opblock-section")
    assert elsewhere == []
    assert page.errors == []  # no script error, no Content-Security-Policy refusal


async def test_the_docs_page_and_its_assets_carry_the_security_headers(client):
    for path in (
        "/v1/api/docs",
        "/v1/api/docs/assets/swagger-ui-bundle.js",
        "/v1/api/docs/assets/swagger-ui.css",
        "/static/js/api-docs.js",
    ):
        answer = await client.get(path)
        assert answer.status_code == 200, path
        for name, value in PAGE_HEADERS.items():
            assert answer.headers[name] == value, (path, name)
    page = (await client.get("/v1/api/docs")).text
    assert "<script>" not in page and "cdn" not in page.lower()
    for other in ("redoc.standalone.js", "__init__.py", "..%2Fcore.py", "nothing.js"):
        missing = await client.get(f"/v1/api/docs/assets/{other}")
        assert missing.status_code == 404, other
        assert missing.json()["error"] == "not_found"
    assert (await client.get("/redoc")).status_code == 404  # the CDN-based ReDoc is gone
    assert "/v1/api/auth/login" in (await client.get("/v1/api/openapi.json")).json()["paths"]

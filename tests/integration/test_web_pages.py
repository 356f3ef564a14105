"""The pages as HTTP sees them: security headers, CSP-clean templates, sign-in redirects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.support.signin import full_signin

from gatehouse.web.security import CONTENT_SECURITY_POLICY

WEB = Path(__file__).parents[2] / "src" / "gatehouse" / "web"


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/m/login",
        "/forgot/questions",
        "/m/forgot/questions",
        "/static/css/base.css",
        "/static/js/api.js",
        "/m/sw.js",
    ],
)
async def test_pages_and_static_files_carry_the_security_headers(client, path):
    answer = await client.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["x-content-type-options"] == "nosniff"


async def test_api_answers_are_left_alone(client):
    answer = await client.get("/v1/api/me")
    assert "content-security-policy" not in answer.headers


def test_templates_have_no_inline_script_or_style():
    for template in (WEB / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert "<style" not in text and " style=" not in text, template
        assert not re.search(r"\son[a-z]+=", text), template  # no inline event handlers


def test_no_third_party_code_is_loaded():
    for path in [*(WEB / "templates").rglob("*"), *(WEB / "static").rglob("*.js")]:
        if path.is_file() and path.suffix in (".html", ".js"):
            assert not re.search(r"(src|href)=\"https?://", path.read_text()), path
            assert not re.search(r"from \"https?://", path.read_text()), path


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/portal/", "/login?next=/portal/"),
        ("/portal/settings", "/login?next=/portal/settings"),
        ("/m/", "/m/login?next=/m/"),
        ("/m/orders", "/m/login?next=/m/orders"),
        ("/", "/portal/"),
    ],
)
async def test_signed_in_pages_send_strangers_to_sign_in(client, path, target):
    answer = await client.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"] == target


async def test_a_signed_in_page_carries_the_sessions_csrf_token(client, alice, clock):
    body = await full_signin(client, alice, clock, platform="web")
    page = await client.get("/portal/settings")
    assert page.status_code == 200
    assert f'<meta name="csrf-token" content="{body["csrf_token"]}">' in page.text
    assert page.headers["cache-control"] == "no-store"
    # a web session is not a mobile one: the phone pages want their own sign-in
    assert (await client.get("/m/")).status_code == 303


async def test_the_sign_in_page_never_redirects_to_another_site(client):
    for evil in ("https://evil.example/", "//evil.example", "/portal/../../x", "javascript:x"):
        page = await client.get("/login", params={"next": evil})
        assert 'data-next="/portal/"' in page.text, evil


async def test_the_sign_in_page_keeps_ibkr_login_page_identifiers(client):
    page = (await client.get("/sso/Login")).text
    for marker in (
        'name="username"',
        'name="password"',
        'id="xyz-field-bronze-response"',
        'class="xyz-errormessage"',
        'id="twofactbase"',
        'for="toggle1"',
        'class="login"',
        "xyz-button-login",
    ):
        assert marker in page, marker


async def test_the_mobile_app_has_a_manifest_and_a_static_only_service_worker(client):
    manifest = await client.get("/m/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    assert manifest.json()["scope"] == "/m/"
    worker = await client.get("/m/sw.js")
    assert worker.headers["content-type"].startswith("text/javascript")
    assert '"/static/js/api.js"' in worker.text
    assert "/v1/api" not in worker.text.split("const ASSETS")[1].split(";")[0]
    for icon in manifest.json()["icons"]:
        assert (await client.get(icon["src"])).status_code == 200


async def test_the_mobile_sign_in_says_why_passkeys_cannot_work_on_an_ip_address(client, base_url):
    on_ip = (await client.get("/m/login")).text  # the test server listens on 127.0.0.1
    assert 'id="passkey-ip-note"' in on_ip
    port = base_url.rsplit(":", 1)[1]
    assert f"http://localhost:{port}/m/" in on_ip
    on_name = await client.get(base_url.replace("127.0.0.1", "localhost") + "/m/login")
    assert 'id="passkey-ip-note"' not in on_name.text
    for page, link in (("/login", "/forgot"), ("/m/login", "/m/forgot")):
        assert f'href="{link}">Forgot password?' in (await client.get(page)).text
        assert (await client.get(link)).status_code == 200
        # the page for security questions is linked from there, and leads back
        assert f'href="{link}/questions" id="forgot-questions"' in (await client.get(link)).text
        questions = await client.get(f"{link}/questions")
        assert f'href="{page}" id="rq-back"' in questions.text

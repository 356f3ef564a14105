"""Where a person on this machine is sent: the banner's address and the links in emails
(password reset, Key activation) agree — ``localhost`` for a loopback server, as passkeys need."""

from __future__ import annotations

import pytest

from gatehouse.settings import Settings, browser_url


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "http://localhost:8000"),
        ("localhost", "http://localhost:8000"),
        ("0.0.0.0", "http://localhost:8000"),
        ("::1", "http://localhost:8000"),
        ("10.1.2.3", "http://10.1.2.3:8000"),
        ("broker.example.com", "http://broker.example.com:8000"),
    ],
)
def test_links_point_where_the_banner_does(host: str, expected: str) -> None:
    assert browser_url(host, 8000) == expected
    assert Settings(host=host, port=8000).effective_public_base_url == expected


def test_a_configured_public_address_wins() -> None:
    settings = Settings(host="0.0.0.0", public_base_url="https://broker.example.com/")
    assert settings.effective_public_base_url == "https://broker.example.com"

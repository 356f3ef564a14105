"""HTTP Strict Transport Security: every response served over HTTPS says to keep to HTTPS.

The scheme is the request's own, or ``X-Forwarded-Proto`` from a trusted proxy
(``GATEHOUSE_TRUSTED_PROXIES``); ``GATEHOUSE_PUBLIC_HTTPS=true`` says TLS ends in front of us.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=31536000; includeSubDomains"  # one year


def applies(scope: Scope, public_https: bool) -> bool:
    """Whether the answer to this HTTP request carries the header."""
    return public_https or scope.get("scheme") == "https"


class StrictTransportSecurity:
    def __init__(self, app: ASGIApp, *, public_https: bool = False) -> None:
        self.app = app
        self.public_https = public_https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not applies(scope, self.public_https):
            await self.app(scope, receive, send)
            return

        async def with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, with_hsts)

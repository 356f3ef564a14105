"""Hand push requests to an operator's push relay (APNs/FCM bridge): JSON POST with retries.

The relay gets only what it needs to wake the device — device ids, the nonce and the expiry —
never the sign-in's context or the numbers; the device fetches those itself with a signed
request. Connection errors, timeouts, 5xx and 429 are retried with exponential backoff. A
relay failure is logged, never raised: the device also polls.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import httpx

from gatehouse.adapters.http_retry import post_json

log = logging.getLogger(__name__)


class WebhookPushRelay:
    def __init__(
        self,
        url: str,
        *,
        timeout: float = 3.0,
        retries: int = 2,
        backoff: float = 0.2,
        headers: Mapping[str, str] | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if timeout <= 0 or retries < 0 or backoff < 0:
            raise ValueError("timeout must be positive; retries and backoff not negative")
        self._url = url
        self._timeout = timeout
        self._retries = retries
        self._backoff = backoff
        self._headers = dict(headers or {})
        self._client = client

    async def deliver(self, device_ids: Sequence[str], request: dict[str, object]) -> None:
        body = {
            "type": "gatehouse.push",
            "device_ids": list(device_ids),
            "nonce": request.get("nonce"),
            "expires_at": request.get("expires_at"),
            "title": "Sign-in request",
        }
        if self._client is not None:
            await self.post(self._client, body)
            return
        async with httpx.AsyncClient() as client:
            await self.post(client, body)

    async def post(self, client: httpx.AsyncClient, body: dict[str, object]) -> bool:
        """POST ``body``, retrying transient failures; True once the relay took it."""
        outcome = await post_json(
            client,
            self._url,
            body,
            what="push relay",
            headers=self._headers,
            timeout=self._timeout,
            retries=self._retries,
            backoff=self._backoff,
        )
        if outcome.refused:
            log.warning("push relay refused the request: HTTP %d", outcome.status)
        return outcome.ok

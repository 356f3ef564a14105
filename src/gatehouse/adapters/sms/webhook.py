"""Send SMS through an HTTP provider: POST ``{"to", "text"}`` as JSON, retrying transient failures.

Connection errors, timeouts, 5xx and 429 are retried with exponential backoff; any other 4xx
means the provider refused the message and is not retried. Failures raise ServiceUnavailable.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

import httpx

from gatehouse.domain.errors import ServiceUnavailable

log = logging.getLogger(__name__)


class WebhookSmsSender:
    """An SMS sender that hands each message to a provider's webhook URL."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        retries: int = 3,
        backoff: float = 0.2,
        headers: Mapping[str, str] | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        """``retries`` is the number of extra attempts after the first one fails.

        The wait before retry *n* (1-based) is ``backoff * 2 ** (n - 1)`` seconds. Without a
        ``client``, each ``send`` opens and closes its own.
        """
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if retries < 0:
            raise ValueError("retries must not be negative")
        if backoff < 0:
            raise ValueError("backoff must not be negative")
        self._url = url
        self._timeout = timeout
        self._retries = retries
        self._backoff = backoff
        self._headers = dict(headers or {})
        self._client = client

    async def send(self, phone: str, text: str) -> None:
        """Deliver ``text`` to ``phone``; raise ServiceUnavailable if the provider won't take it."""
        if self._client is not None:
            await self._send_with(self._client, phone, text)
            return
        async with httpx.AsyncClient() as client:
            await self._send_with(client, phone, text)

    async def _send_with(self, client: httpx.AsyncClient, phone: str, text: str) -> None:
        attempts = self._retries + 1
        last_problem = ""
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 2))
            try:
                response = await client.post(
                    self._url,
                    json={"to": phone, "text": text},
                    headers=self._headers,
                    timeout=self._timeout,
                )
            except httpx.TransportError as exc:  # connection refused, reset, timeouts
                last_problem = type(exc).__name__
                log.warning("SMS provider unreachable (attempt %d/%d): %s", attempt, attempts, exc)
                continue
            status = response.status_code
            if response.is_success:
                return
            if status == 429 or status >= 500:
                last_problem = f"HTTP {status}"
                log.warning(
                    "SMS provider failed (attempt %d/%d): HTTP %d", attempt, attempts, status
                )
                continue
            raise ServiceUnavailable(
                f"The SMS provider refused the message (HTTP {status}).",
                provider_status=status,
            )
        raise ServiceUnavailable(
            f"The SMS provider could not be reached after {attempts} attempts ({last_problem}).",
            attempts=attempts,
        )

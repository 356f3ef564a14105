"""Send SMS through an HTTP provider: POST ``{"to", "text"}`` as JSON, retrying transient failures.

Connection errors, timeouts, 5xx and 429 are retried with exponential backoff; any other 4xx
means the provider refused the message and is not retried. Failures raise ServiceUnavailable.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from gatehouse.adapters.http_retry import post_json
from gatehouse.domain.errors import ServiceUnavailable


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
        outcome = await post_json(
            client,
            self._url,
            {"to": phone, "text": text},
            what="SMS provider",
            headers=self._headers,
            timeout=self._timeout,
            retries=self._retries,
            backoff=self._backoff,
        )
        if outcome.ok:
            return
        if outcome.refused:
            raise ServiceUnavailable(
                f"The SMS provider refused the message (HTTP {outcome.status}).",
                provider_status=outcome.status,
            )
        raise ServiceUnavailable(
            f"The SMS provider could not be reached after {outcome.attempts} attempts "
            f"({outcome.problem}).",
            attempts=outcome.attempts,
        )

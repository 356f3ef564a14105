"""POST JSON to a webhook, retrying transient failures: the loop every HTTP adapter shares.

Connection errors, timeouts, 5xx and 429 are retried with exponential backoff (the wait before
retry *n* is ``backoff * 2 ** (n - 1)`` seconds); any other 4xx is a refusal, not retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """How a POST ended: ``ok``, or refused with ``status``, or gave up after ``attempts``."""

    ok: bool
    attempts: int
    status: int | None = None
    problem: str = ""

    @property
    def refused(self) -> bool:
        return not self.ok and self.status is not None and self.status != 429 and self.status < 500


async def post_json(
    client: httpx.AsyncClient,
    url: str,
    body: object,
    *,
    what: str,
    headers: Mapping[str, str],
    timeout: float,  # noqa: ASYNC109 - per-request HTTP timeout, passed to httpx
    retries: int,
    backoff: float,
) -> Delivery:
    """POST ``body`` to ``url``; ``what`` names the peer in log lines (never the payload)."""
    attempts = retries + 1
    problem = ""
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            await asyncio.sleep(backoff * 2 ** (attempt - 2))
        try:
            response = await client.post(url, json=body, headers=dict(headers), timeout=timeout)
        except httpx.TransportError as exc:  # connection refused, reset, timeouts
            problem = type(exc).__name__
            log.warning("%s unreachable (attempt %d/%d): %s", what, attempt, attempts, exc)
            continue
        status = response.status_code
        if response.is_success:
            return Delivery(True, attempt, status)
        if status == 429 or status >= 500:
            problem = f"HTTP {status}"
            log.warning("%s failed (attempt %d/%d): HTTP %d", what, attempt, attempts, status)
            continue
        return Delivery(False, attempt, status, f"HTTP {status}")
    return Delivery(False, attempts, None, problem)

"""Several push deliveries as one: the device sockets first (instant), then the relay."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from gatehouse.service.identity.ports import PushDelivery

log = logging.getLogger(__name__)


class FanoutPushDelivery:
    def __init__(self, *deliveries: PushDelivery) -> None:
        self._deliveries = deliveries

    async def deliver(self, device_ids: Sequence[str], request: dict[str, object]) -> None:
        for delivery in self._deliveries:
            try:
                await delivery.deliver(device_ids, request)
            except Exception:
                log.exception("push delivery failed; the device will find it by polling")

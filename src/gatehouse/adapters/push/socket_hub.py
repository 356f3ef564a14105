"""The in-process hub of Key devices connected to this node over ``/v1/api/key/ws``.

A push reaches a device at once when its socket is on this node; otherwise the device's own
periodic check (over its socket, or by polling) finds the challenge in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from gatehouse.service.identity.ports import DeviceSender

log = logging.getLogger(__name__)


class DeviceSocketHub:
    def __init__(self) -> None:
        self._senders: dict[str, list[DeviceSender]] = {}

    def attach(self, device_id: str, send: DeviceSender) -> Callable[[], None]:
        self._senders.setdefault(device_id, []).append(send)

        def detach() -> None:
            senders = self._senders.get(device_id, [])
            if send in senders:
                senders.remove(send)
            if not senders:
                self._senders.pop(device_id, None)

        return detach

    def connected(self, device_id: str) -> int:
        return len(self._senders.get(device_id, []))

    async def deliver(self, device_ids: Sequence[str], request: dict[str, object]) -> None:
        message: dict[str, object] = {"op": "push", "request": request}
        for device_id in device_ids:
            for send in list(self._senders.get(device_id, [])):
                try:
                    await send(message)
                except Exception as exc:  # a closed socket must not stop the others
                    log.info("push to device %s dropped: %s", device_id, exc)

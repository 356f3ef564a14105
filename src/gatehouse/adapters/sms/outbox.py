"""The embedded SMS "provider": messages are stored and read with ``gatehouse sms outbox``."""

from __future__ import annotations

from gatehouse.domain.clock import Clock
from gatehouse.service.ports import UnitOfWorkFactory


class OutboxSmsSender:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def send(self, phone: str, text: str) -> None:
        async with self._uow() as uow:
            await uow.sms_outbox.add(to=phone, text=text, at=self._clock.now())
            await uow.commit()

"""This node's real-time side: the event hub, the quote hub and its pump, and pruning: the
event log past its retention, and identity's known devices whose token expired and
short-lived rows no longer needed (``service/identity/retention.py``), every
``prune_every_seconds`` (docs/retention.md)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import known_devices, retention
from gatehouse.service.sync import log
from gatehouse.service.sync.hub import SyncHub
from gatehouse.service.sync.ports import EventBus
from gatehouse.service.sync.quote_pump import QuotePump
from gatehouse.service.sync.quotes import QuoteHub

logger = logging.getLogger("gatehouse.sync")


@dataclass(frozen=True)
class SyncConfig:
    retention_days: int = 7
    prune_every_seconds: float = 3600.0
    heartbeat_seconds: float = 15.0  # ``/v1/api/events`` heartbeat frames
    ibkr_heartbeat_seconds: float = 10.0  # ``/v1/api/ws`` ``system`` heartbeats
    send_buffer_bytes: int = 262_144  # past this much unsent data a socket is dropped
    replay_send_seconds: float = 10.0  # a replay waiting this long for buffer room gives up
    replay_batch: int = 500
    log_readers: int = 8  # log reads at once (resumes, catch-ups): a reconnect storm queues


class SyncNode:
    def __init__(self, ctx: ServiceContext, bus: EventBus, config: SyncConfig) -> None:
        self.ctx = ctx
        self.bus = bus
        self.config = config
        self.hub = SyncHub(
            ctx, bus, replay_batch=config.replay_batch, log_readers=config.log_readers
        )
        self.quotes = QuoteHub()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self.bus.start()
        if not self._tasks:
            self._tasks.append(asyncio.create_task(self._prune_forever()))
            if self.ctx.market is not None:
                pump = QuotePump(self.ctx.market, self.quotes, self.ctx.clock)
                self._tasks.append(asyncio.create_task(pump.run()))

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.hub.stop()

    async def prune_now(self) -> int:
        return await log.prune(self.ctx, retention_days=self.config.retention_days)

    async def prune_devices_now(self) -> int:
        return await known_devices.prune(self.ctx)

    async def prune_identity_now(self) -> dict[str, int]:
        """Identity's short-lived rows: how many of each went (a failing one is logged and
        left for the next round; the others still run)."""
        pruned: dict[str, int] = {}
        for what, prune in retention.PRUNES:
            try:
                pruned[what] = await prune(self.ctx)
            except Exception:
                logger.exception("pruning the %s failed; will retry", what)
                continue
            if pruned[what]:
                logger.info("pruned %d %s no longer needed", pruned[what], what)
        return pruned

    async def _prune_forever(self) -> None:
        while True:
            try:
                deleted = await self.prune_now()
                if deleted:
                    logger.info(
                        "pruned %d events older than %d days", deleted, self.config.retention_days
                    )
            except Exception:
                logger.exception("pruning the event log failed; will retry")
            try:
                deleted = await self.prune_devices_now()
                if deleted:
                    logger.info("pruned %d known devices whose token expired", deleted)
            except Exception:
                logger.exception("pruning the known devices failed; will retry")
            await self.prune_identity_now()
            await asyncio.sleep(self.config.prune_every_seconds)

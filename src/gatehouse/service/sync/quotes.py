"""Market data fan-out: the latest values per instrument, pushed to every socket watching it.

Market data is not account data: it is never written to the event log nor replayed. A
quote source (the simulator, or a venue adapter) calls ``publish`` with the fields that
changed, as IBKR field ids (``"31"`` last, ``"84"`` bid, …) with string values; each
watcher gets one ``smd+<conid>`` frame with the changed fields it asked for. A frame is
encoded once per distinct field selection and written without waiting, like a
``websockets.broadcast``; a watcher whose buffer is full is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import orjson

from gatehouse.service.sync.hub import Outlet


@dataclass(eq=False)
class QuoteWatch:
    """One socket watching one instrument; ``fields`` empty means every field."""

    conid: int
    fields: frozenset[str]
    outlet: Outlet
    on_behind: Callable[[], None]


class QuoteHub:
    def __init__(self) -> None:
        self._watchers: dict[int, set[QuoteWatch]] = {}
        self._latest: dict[int, dict[str, str]] = {}
        self._on_first_watch: list[Callable[[int], None]] = []

    def watch(
        self, conid: int, fields: Iterable[str], outlet: Outlet, on_behind: Callable[[], None]
    ) -> QuoteWatch:
        handle = QuoteWatch(conid, frozenset(fields), outlet, on_behind)
        first = conid not in self._watchers
        self._watchers.setdefault(conid, set()).add(handle)
        if first:
            for listener in self._on_first_watch:
                listener(conid)
        return handle

    def unwatch(self, handle: QuoteWatch) -> None:
        watchers = self._watchers.get(handle.conid)
        if watchers is not None:
            watchers.discard(handle)
            if not watchers:
                del self._watchers[handle.conid]

    def on_first_watch(self, listener: Callable[[int], None]) -> None:
        """Be told when an instrument gets its first watcher (a feed may start quoting it)."""
        self._on_first_watch.append(listener)

    def watched(self) -> set[int]:
        return set(self._watchers)

    def latest(self, conid: int) -> Mapping[str, str]:
        return self._latest.get(conid, {})

    def publish(self, conid: int, values: Mapping[str, str], *, updated_ms: int) -> int:
        """Record and push changed fields; returns how many sockets were written to."""
        self._latest.setdefault(conid, {}).update(values)
        watchers = self._watchers.get(conid)
        if not watchers:
            return 0
        encoded: dict[frozenset[str], bytes | None] = {}
        sent = 0
        for handle in list(watchers):
            frame = encoded.get(handle.fields, b"")
            if frame == b"":
                frame = encoded[handle.fields] = market_data_frame(
                    conid, values, handle.fields, updated_ms=updated_ms
                )
            if frame is None:
                continue
            if handle.outlet.offer(frame):
                sent += 1
            else:
                self.unwatch(handle)
                handle.on_behind()
        return sent


def market_data_frame(
    conid: int, values: Mapping[str, str], fields: frozenset[str], *, updated_ms: int
) -> bytes | None:
    """The ``smd+<conid>`` frame with the wanted fields among ``values`` (None: none)."""
    chosen = {k: v for k, v in values.items() if not fields or k in fields}
    if values and not chosen:
        return None
    body: dict[str, object] = {"topic": f"smd+{conid}", "conid": conid, "_updated": updated_ms}
    body.update(chosen)
    return orjson.dumps(body)

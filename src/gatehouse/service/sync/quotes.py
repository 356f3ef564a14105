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


@dataclass(eq=False, slots=True)
class QuoteWatch:
    """One socket watching one instrument; ``fields`` empty means every field."""

    conid: int
    fields: frozenset[str]
    outlet: Outlet
    on_behind: Callable[[], None]


class QuoteHub:
    def __init__(self) -> None:
        # conid -> field selection -> watchers: one frame per selection, then plain writes.
        self._watchers: dict[int, dict[frozenset[str], set[QuoteWatch]]] = {}
        self._latest: dict[int, dict[str, str]] = {}

    def watch(
        self, conid: int, fields: Iterable[str], outlet: Outlet, on_behind: Callable[[], None]
    ) -> QuoteWatch:
        handle = QuoteWatch(conid, frozenset(fields), outlet, on_behind)
        self._watchers.setdefault(conid, {}).setdefault(handle.fields, set()).add(handle)
        return handle

    def unwatch(self, handle: QuoteWatch) -> None:
        groups = self._watchers.get(handle.conid, {})
        watchers = groups.get(handle.fields)
        if watchers is not None:
            watchers.discard(handle)
            if not watchers:
                del groups[handle.fields]
                if not groups:
                    del self._watchers[handle.conid]

    def watched(self) -> set[int]:
        return set(self._watchers)

    def latest(self, conid: int) -> Mapping[str, str]:
        return self._latest.get(conid, {})

    def publish(self, conid: int, values: Mapping[str, str], *, updated_ms: int) -> int:
        """Record and push changed fields; returns how many sockets were written to."""
        self._latest.setdefault(conid, {}).update(values)
        groups = self._watchers.get(conid)
        if not groups:
            return 0
        sent = 0
        behind: list[QuoteWatch] = []
        for fields, watchers in list(groups.items()):
            frame = market_data_frame(conid, values, fields, updated_ms=updated_ms)
            if frame is None:
                continue
            for handle in watchers:
                if handle.outlet.offer(frame):
                    sent += 1
                else:
                    behind.append(handle)
        for handle in behind:
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

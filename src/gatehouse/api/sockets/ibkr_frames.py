"""Client frames of IBKR's ``/v1/api/ws``: ``tic``, ``s<channel>[+<target>][+<json>]``, ``u…``.

Examples: ``smd+265598+{"fields":["31","84"]}``, ``sor``, ``sor+{}``, ``ssd+DU123``,
``umd+265598+{}``, ``usd+DU123+{}``, ``sbd+DU123+265598[+SMART]`` (more ``+`` parts after
the target land in ``extra``), ``umh+<serverId>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson


class FrameError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Tic:
    """The ``tic`` keepalive: answered with ``{"topic": "tic", ...}``."""


@dataclass(frozen=True)
class TopicRequest:
    subscribe: bool
    channel: str  # two letters: "md", "or", "pl", "sd", "ld", "tr", …
    target: str = ""  # a conid or account id, "" when the channel has none
    args: dict[str, object] = field(default_factory=dict)
    extra: tuple[str, ...] = ()  # parts after the target that are not JSON (sbd's conid)


MAX_DEPTH = 8  # IBKR's arguments are flat: {"fields": ["31", "84"]}


def _depth(value: object) -> int:
    """How deeply lists and objects nest in ``value`` (iteratively: no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                children = item.values() if isinstance(item, dict) else item
                stack.extend((child, level + 1) for child in children)
    return deepest


def parse(text: str) -> Tic | TopicRequest:
    """Parse one text frame; raises FrameError with a stable code when it is not one."""
    text = text.strip()
    if text == "tic":
        return Tic()
    if len(text) < 3 or text[0] not in "su":
        raise FrameError("unknown_message", "Expected tic, s<channel>… or u<channel>….")
    channel, _, rest = text[1:].partition("+")
    target, arguments = "", ""
    if rest.startswith("{"):
        arguments = rest
    elif rest:
        target, _, arguments = rest.partition("+")
    extra: list[str] = []
    while arguments and not arguments.startswith("{"):
        part, _, arguments = arguments.partition("+")
        if not part.isalnum() or len(part) > 32 or len(extra) >= 2:
            raise FrameError("invalid_arguments", "The arguments must be a JSON object.")
        extra.append(part)
    args: object = {}
    if arguments:
        try:
            args = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            raise FrameError("invalid_arguments", "The arguments must be a JSON object.") from None
    if not isinstance(args, dict):
        raise FrameError("invalid_arguments", "The arguments must be a JSON object.")
    if _depth(args) > MAX_DEPTH:
        raise FrameError("invalid_arguments", f"The arguments nest deeper than {MAX_DEPTH} levels.")
    return TopicRequest(
        subscribe=text[0] == "s", channel=channel, target=target, args=args, extra=tuple(extra)
    )

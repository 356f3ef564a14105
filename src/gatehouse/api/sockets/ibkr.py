"""``GET /v1/api/ws`` (WebSocket): IBKR Client Portal's streaming socket, for ibind and friends.

On connect: ``system`` (``success``), ``sts`` and ``act``; every ~10 s a ``system`` ``hb``.
``tic`` keeps the session alive. Subscriptions (``smd``, ``smh``, ``sbd``, ``sor``, ``spl``,
``ssd``, ``sld``, ``str``) are answered at once, then fed by the user's account events, the
quote hub and the market ticker. The topic table is ``gatehouse.api.sockets.ibkr_topics``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from starlette.datastructures import State
from starlette.websockets import WebSocket

from gatehouse import __version__
from gatehouse.api.sockets.auth import authenticate
from gatehouse.api.sockets.ibkr_frames import FrameError, Tic, TopicRequest, parse
from gatehouse.api.sockets.ibkr_topics import (
    Message,
    Subscription,
    Target,
    TopicContext,
    TopicSource,
    default_topics,
)
from gatehouse.api.sockets.outlet import (
    WebSocketOutlet,
    encode,
    forget_handshake,
    next_text,
    raw_receive,
)
from gatehouse.bootstrap import Runtime
from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import GatehouseError
from gatehouse.domain.identity.users import Environment
from gatehouse.domain.sync.events import AccountEvent
from gatehouse.service.identity import sessions
from gatehouse.service.identity.sessions import HeldPrincipal, Principal
from gatehouse.service.sync.hub import CloseCode, Subscriber


def millis(at: datetime) -> int:
    return int(as_utc(at).timestamp() * 1000)


def system_heartbeat(now: datetime) -> bytes:
    return encode({"topic": "system", "hb": millis(now)})


def topics_for(state: State) -> Mapping[str, TopicSource]:
    """The app's topic table: ``app.state.ibkr_topics`` when set (tests, benchmarks)."""
    found: Mapping[str, TopicSource] | None = getattr(state, "ibkr_topics", None)
    if found is None:
        found = state.ibkr_topics = default_topics()
    return found


class IbkrStream:
    """One ``/ws`` connection: its subscriptions, and how it answers and forwards.

    It holds its principal as plain values (``HeldPrincipal``), not the user and session
    ORM objects: thousands of idle sockets holding those made every full garbage
    collection slower. A topic that reads the account gets the full principal read again
    (``needs_principal``), kept only as long as that subscription needs it."""

    __slots__ = ("outlet", "principal", "runtime", "subscriber", "subscriptions", "topics")

    def __init__(
        self,
        runtime: Runtime,
        principal: HeldPrincipal,
        outlet: WebSocketOutlet,
        topics: Mapping[str, TopicSource],
    ) -> None:
        self.runtime = runtime
        self.principal = principal
        self.outlet = outlet
        self.topics = topics
        self.subscriptions: dict[tuple[str, str], Subscription] = {}
        self.subscriber: Subscriber | None = None

    def greeting(self) -> list[Message]:
        accounts = list(self.principal.account_ids)
        paper = self.principal.environment is Environment.PAPER
        name = self.principal.username
        server = {"serverName": "gatehouse", "serverVersion": __version__}
        return [
            {"topic": "system", "success": name, "isFT": False, "isPaper": paper},
            {"topic": "sts", "args": {"authenticated": True, "competing": False, "message": "",
                                      "fail": "", "username": name, **server}},
            {"topic": "act", "args": {
                "accounts": accounts,
                "acctProps": {a: {"hasChildAccounts": False, "supportsCashQty": True,
                                  "supportsFractions": False, "allowCustomerTime": False}
                              for a in accounts},
                "aliases": {a: a for a in accounts},
                "selectedAccount": accounts[0],
                "isPaper": paper,
                "isFT": False,
                "sessionId": self.principal.session_id,
                "serverInfo": server,
            }},
        ]  # fmt: skip

    def send(self, messages: list[Message]) -> None:
        for message in messages:
            self.outlet.offer(encode(message))

    def report(self, code: str, message: str) -> None:
        self.send([{"error": code, "message": message}])

    def context(self, principal: Principal | None = None) -> TopicContext:
        return TopicContext(
            principal=principal,
            outlet=self.outlet,
            quotes=self.runtime.sync.quotes,
            now_ms=millis(self.runtime.ctx.clock.now()),
            drop=self.fell_behind,
            service=self.runtime.ctx,
            ticker=self.runtime.ticker,
        )

    def fell_behind(self) -> None:
        if self.subscriber is not None:
            self.runtime.sync.hub.drop(self.subscriber, CloseCode.TOO_SLOW, "too slow")

    async def handle(self, text: str) -> None:
        try:
            frame = parse(text)
        except FrameError as error:
            self.report(error.code, error.message)
            return
        try:
            if isinstance(frame, Tic):
                await self.tic()
            else:
                await self.topic(frame)
        except GatehouseError as error:
            self.report(error.code, error.message)

    async def tic(self) -> None:
        session = await sessions.tickle_session(self.runtime.ctx, self.principal.session_id)
        self.send(
            [
                {
                    "topic": "tic",
                    "alive": True,
                    "id": session.public_id,
                    "lastAccessed": millis(session.last_seen_at),
                }
            ]
        )

    async def topic(self, frame: TopicRequest) -> None:
        source = self.topics.get(frame.channel)
        if source is None:
            self.report("unknown_topic", f"There is no topic {frame.channel!r}.")
            return
        problem = self._target_problem(source.target, frame.target)
        if problem:
            self.report("invalid_target", problem)
            return
        key = (frame.channel, frame.target)
        if not frame.subscribe and key not in self.subscriptions:
            key = self._by_server_id(frame.channel, frame.target) or key  # umh+<serverId>
        old = self.subscriptions.pop(key, None)
        if old is not None:
            replies = source.unsubscribe(old, self.context())
            if not frame.subscribe:
                self.send(replies)
        limit: int | None = getattr(source, "max_per_socket", None)
        if frame.subscribe and limit is not None:
            held = sum(1 for s in self.subscriptions.values() if s.channel == frame.channel)
            if held >= limit:
                message = f"At most {limit} s{frame.channel} subscriptions at a time."
                self.report("too_many_subscriptions", message)
                return
        if frame.subscribe:
            sub = Subscription(frame.channel, frame.target, frame.args, extra=frame.extra)
            principal = None
            if getattr(source, "needs_principal", False):  # read again: the socket holds ids
                principal = await sessions.socket_principal(self.runtime.ctx, self.principal)
            confirmed = await source.subscribe(sub, self.context(principal))  # kept only once
            self.subscriptions[key] = sub
            self.send(confirmed)

    def _by_server_id(self, channel: str, server_id: str) -> tuple[str, str] | None:
        for key, sub in self.subscriptions.items():
            if sub.channel == channel and sub.server_id == server_id:
                return key
        return None

    def _target_problem(self, kind: Target, target: str) -> str | None:
        if kind is Target.CONID and not target.isdigit():
            return "This topic needs a numeric conid: s<topic>+<conid>."
        if kind is Target.ACCOUNT and target not in self.principal.account_ids:
            return "This topic needs one of your account ids: s<topic>+<account>."
        if kind is Target.NONE and target:
            return "This topic takes no conid or account."
        return None

    def render(self, event: AccountEvent) -> list[bytes]:
        """Account events, as messages of the topics subscribed to."""
        if event.account not in self.principal.account_ids:
            return []
        return [
            encode(message)
            for sub in list(self.subscriptions.values())
            for message in self.topics[sub.channel].on_event(sub, event)
        ]

    def close(self) -> None:
        context = self.context()
        for sub in self.subscriptions.values():
            self.topics[sub.channel].unsubscribe(sub, context)
        self.subscriptions.clear()


async def serve(ws: WebSocket) -> None:
    runtime: Runtime = ws.app.state.runtime
    principal = await authenticate(ws, runtime.ctx, ibkr_cookie=True)
    if principal is None:
        return
    await ws.accept()
    forget_handshake(ws)
    node = runtime.sync
    outlet = WebSocketOutlet(
        ws, high_water=node.config.send_buffer_bytes, send_timeout=node.config.replay_send_seconds
    )
    held = principal.held()
    del principal  # an idle socket should hold ids, not the user and session objects
    stream = IbkrStream(runtime, held, outlet, topics_for(ws.app.state))
    receive = raw_receive(ws)
    del ws  # its scope and send live on in the outlet and the server; the object is not needed
    stream.subscriber = sub = Subscriber(
        user_id=held.user_id,
        session_id=held.session_id,
        outlet=outlet,
        expires_at=held.expires_at,
        heartbeat=node.hub.heartbeat("ibkr", node.config.ibkr_heartbeat_seconds, system_heartbeat),
        render=stream.render,
        gapless=False,
    )
    await node.hub.attach(sub)
    try:
        await node.hub.follow_live(sub)
        stream.send(stream.greeting())
        while (text := await next_text(receive, stream.report)) is not None:
            await stream.handle(text)
    finally:
        stream.close()
        node.hub.detach(sub)

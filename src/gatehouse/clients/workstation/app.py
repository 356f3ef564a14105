"""``gatehouse workstation``: the keyboard-driven trading terminal (Textual).

Sign in (password, then the second factor), restore the last used layout from the server,
follow the events stream with resume, lock after the idle timeout, and go back to the
sign-in screen with the reason when the session is revoked elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from textual import events, work
from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.widgets import Static

from gatehouse import __version__
from gatehouse.clients.workstation import handoff as handoffs
from gatehouse.clients.workstation.config import PreferenceStore
from gatehouse.clients.workstation.desk import Desk
from gatehouse.clients.workstation.factor import SecondFactorScreen, SignedIn, SignInFailed
from gatehouse.clients.workstation.layout import TITLES, Layout, PanelSpec
from gatehouse.clients.workstation.layouts_store import LayoutStore
from gatehouse.clients.workstation.link import ApiError, Link, Session, SessionEnded, SignIn
from gatehouse.clients.workstation.lock import LockScreen
from gatehouse.clients.workstation.signin import PasswordStep, SignInScreen
from gatehouse.clients.workstation.styles import CSS
from gatehouse.clients.workstation.workspace import WorkspaceScreen

VERSION = __version__
IDLE_SECONDS = 15 * 60


class WorkstationApp(App[None]):
    TITLE = "Gatehouse Workstation"
    CSS = CSS
    BINDINGS = [("ctrl+q", "quit", "Quit")]

    def __init__(
        self,
        signin: SignIn,
        *,
        store: PreferenceStore | None = None,
        idle_seconds: float = IDLE_SECONDS,
        quote_seconds: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        handoff_folder: Path | None = None,
        detached: handoffs.Handoff | None = None,
        version: str = VERSION,
    ) -> None:
        super().__init__()
        self.signin = signin
        self.store = store or PreferenceStore()
        self.idle_seconds = idle_seconds
        self.quote_seconds = quote_seconds
        self.monotonic = monotonic
        self.handoff_folder = handoff_folder
        self.detached = detached
        self.version = version
        self.link: Link | None = None
        self.desk: Desk | None = None
        self.workspace: WorkspaceScreen | None = None
        self.channel = "stable"
        self.last_activity = monotonic()
        self.locked = False
        self.ended_reason = ""
        self.typed_username = ""  # as typed at sign-in: the key of the known-device token
        self._follower: asyncio.Task[None] | None = None

    # --- start ---------------------------------------------------------------------------
    async def on_mount(self) -> None:
        if self.detached is not None:
            found = self.detached
            self.channel = found.channel
            layout = Layout(found.panel, 1, (PanelSpec(found.panel),))
            await self.push_screen(Screen())
            await self._open(found.session, layout=layout)
        self.set_interval(0.2, self.watch_stream)
        if self.detached is not None:
            return
        await self.push_screen(SignInScreen(self.signin, self.store))
        self.check_version()
        self.set_interval(5.0, self.check_idle_lock)

    @work(group="version", exit_on_error=False)
    async def check_version(self) -> None:
        note = await version_note(self.signin, self.version, self.store.load().channel)
        if note and isinstance(self.screen, SignInScreen):
            self.screen.query_one("#version-note", Static).update(note)

    def on_password_step(self, message: PasswordStep) -> None:
        self.channel = message.accepted.channel
        self.push_screen(SecondFactorScreen(self.signin, message.accepted))

    async def on_sign_in_failed(self, message: SignInFailed) -> None:
        if self.locked:
            await self.pop_screen()  # back to the lock screen
            self.notify(message.reason or "Not unlocked.", severity="warning")
            return
        await self.show_signin(message.reason)

    async def show_signin(self, reason: str) -> None:
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        await self.switch_screen(SignInScreen(self.signin, self.store, reason=reason))

    async def on_signed_in(self, message: SignedIn) -> None:
        self.typed_username = message.accepted.username
        token = message.session.body.get("device_token")
        if isinstance(token, str) and token:  # new, or refreshed: keep the latest
            self.store.remember_device(message.accepted.username, self.signin.base_url, token)
        if self.locked and self.link is not None and self.desk is not None:
            await self._unlock(message.session)
            return
        await self._open(message.session)

    async def _open(self, session: Session, *, layout: Layout | None = None) -> None:
        self.link = self.signin.open(session)
        self.desk = Desk(self.link, session.account, channel=self.channel)
        store = LayoutStore(self.link)
        if layout is None:
            try:
                layout = await store.restore()
            except ApiError as error:
                await self.show_signin(error.message)
                return
        self.workspace = WorkspaceScreen(
            self.desk, layout, store, self.status_line, quote_seconds=self.quote_seconds
        )
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        await self.switch_screen(self.workspace)
        self.last_activity = self.monotonic()
        self.follow()

    def watch_stream(self) -> None:
        """The status bar says whether the events stream is live."""
        if self.workspace is not None and self.link is not None:
            state = "live" if self.link.connected else "reconnecting"
            if state != self.workspace.stream:
                self.workspace.update_status(state)

    def status_line(self) -> str:
        if self.link is None:
            return ""
        session = self.link.session
        server = "[b red]LIVE[/b red]" if session.environment == "live" else "[b]PAPER[/b]"
        return (
            f"{session.username} · {session.account}  │  {server}  │  "
            f"channel [b]{self.channel}[/b] {self.version}"
        )

    # --- the events stream ----------------------------------------------------------------
    def follow(self) -> None:
        """Follow the events stream in a task of its own (stopped cleanly on exit)."""
        if self._follower is not None:
            self._follower.cancel()
        if self.link is not None:
            self._follower = asyncio.create_task(self._follow(self.link))

    async def _follow(self, link: Link) -> None:
        try:
            async for frame in link.events():
                if self.workspace is None:
                    continue
                if frame.get("type") == "resync":  # missed too much: fetch everything again
                    self.workspace.action_reload()
                    continue
                self.workspace.handle_event(frame)
        except SessionEnded as ended:
            if link is self.link:
                await self.session_ended(ended.reason)

    async def session_ended(self, reason: str) -> None:
        self.ended_reason = reason
        old, self.link, self.workspace, self.desk = self.link, None, None, None
        if old is not None:
            await old.close()
        if self.detached is not None:
            self.exit(message=f"The Workstation session ended: {reason}")
            return
        self.locked = False
        await self.show_signin(f"Signed out: {reason}")

    # --- idle lock ------------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.MouseScrollUp):
            self.last_activity = self.monotonic()
        await super().on_event(event)

    def check_idle_lock(self) -> None:
        if self.locked or self.link is None or self.detached is not None:
            return
        if self.monotonic() - self.last_activity >= self.idle_seconds:
            self.lock()

    def lock(self) -> None:
        assert self.link is not None
        self.locked = True
        session = self.link.session
        self.push_screen(
            LockScreen(
                self.signin,
                self.store,
                username=self.typed_username or session.username,
                environment=session.environment,
                channel=self.channel,
                minutes=max(1, int(self.idle_seconds // 60)),
            )
        )

    async def _unlock(self, session: Session) -> None:
        assert self.link is not None and self.desk is not None
        old = self.link
        self.link = self.signin.open(session)
        self.desk.link = self.link
        if self.workspace is not None:
            self.workspace.store.link = self.link
        self.locked = False
        self.last_activity = self.monotonic()
        while not isinstance(self.screen, WorkspaceScreen):
            await self.pop_screen()
        self.follow()
        with contextlib.suppress(ApiError):
            await old.request("POST", "logout")
        await old.close()

    # --- detached panels and the command palette ---------------------------------------
    def detach_panel(self, kind: str) -> None:
        if self.link is None:
            return
        found = handoffs.Handoff(self.signin.base_url, self.link.session, kind, self.channel)
        handoffs.write(found, folder=self.handoff_folder)
        self.notify(
            f"Run `gatehouse workstation --panel {kind}` in another terminal within a minute "
            "to open this panel there (no second sign-in).",
            timeout=15,
        )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, WorkspaceScreen):
            return
        for title, action, help_text in (
            ("Layout: save", screen.action_save_layout, "Save the current layout (Ctrl+S)"),
            ("Layout: save as…", screen.action_save_layout_as, "Save under a new name"),
            ("Layout: switch…", screen.action_switch_layout, "Open another layout (Ctrl+L)"),
            ("Layout: rename…", screen.action_rename_layout, "Rename the current layout"),
            ("Layout: delete", screen.action_delete_layout, "Delete the current layout"),
            ("Layout: reset", screen.action_reset_layout, "Back to the template's panels"),
            ("Panel: add…", screen.action_add_panel, "Add a panel (Ctrl+O)"),
            ("Panel: detach", screen.action_detach_panel, "Open the focused panel elsewhere"),
            ("Lock now", self.lock, "Lock the Workstation behind a re-authentication"),
        ):
            yield SystemCommand(title, help_text, action)
        for kind, title in TITLES.items():
            yield SystemCommand(
                f"Detach: {title}", f"Open {title} in another terminal", self._detacher(kind)
            )

    def _detacher(self, kind: str) -> Callable[[], None]:
        return lambda: self.detach_panel(kind)

    async def on_unmount(self) -> None:
        """Close the connections (the events socket cleanly) whichever way the app ends."""
        if self._follower is not None:
            self._follower.cancel()
            await asyncio.gather(self._follower, return_exceptions=True)
        if self.link is not None:
            await self.link.close()
            self.link = None
        await self.signin.close()

    async def action_quit(self) -> None:
        if self.link is not None and self.detached is None:
            with contextlib.suppress(ApiError):
                await self.link.request("POST", "logout")  # detached panels close with it
            await self.link.close()
            self.link = None
        await self.signin.close()
        self.exit()


async def version_note(signin: SignIn, version: str, channel: str) -> str:
    """A sentence when the server wants a newer Workstation on this channel."""
    versions = await signin.versions()
    wanted = versions.get(channel, {}) if isinstance(versions, dict) else {}
    minimum = str(wanted.get("minimum", "")) if isinstance(wanted, dict) else ""
    if minimum and _parts(version) < _parts(minimum):
        return (
            f"This Workstation is {version}; the server asks for {minimum} or newer on the "
            f"{channel} channel. Upgrade with: pip install --upgrade gatehouse"
        )
    return ""


def _parts(version: str) -> tuple[int, ...]:
    found = []
    for part in version.split("."):
        digits = re.match(r"\d*", part)
        found.append(int(digits.group() or 0) if digits else 0)
    return tuple(found)

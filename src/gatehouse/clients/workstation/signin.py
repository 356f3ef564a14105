"""The sign-in screen: username (optionally remembered), password, server live|paper and
channel stable|latest, then the second factor (``factor.py``). Errors in plain words; a
lockout counts down until the account may try again."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select, Static

from gatehouse.clients.workstation.config import Preferences, PreferenceStore
from gatehouse.clients.workstation.formatting import countdown
from gatehouse.clients.workstation.link import ApiError, SignIn
from gatehouse.clients.workstation.wording import lockout_text, plain


@dataclass(frozen=True)
class PasswordAccepted:
    login_id: str
    factors: list[str]
    notices: list[str]
    environment: str
    channel: str
    username: str


class PasswordStep(Message):
    def __init__(self, accepted: PasswordAccepted) -> None:
        super().__init__()
        self.accepted = accepted


class SignInScreen(Screen[None]):
    """The first screen. ``reason`` says why it is shown again (revoked, locked out…)."""

    BINDINGS = [("ctrl+q", "app.quit", "Quit")]

    def __init__(
        self,
        signin: SignIn,
        store: PreferenceStore,
        *,
        reason: str = "",
        version_note: str = "",
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        super().__init__()
        self.signin = signin
        self.store = store
        self.preferences = store.load()
        self.reason = reason
        self.version_note = version_note
        self._locked_until: float | None = None
        self._timer: Timer | None = None
        self._lock_code = "locked"
        self._monotonic = monotonic or time.monotonic

    def compose(self) -> ComposeResult:
        prefs = self.preferences
        with Vertical(id="signin-box"):
            yield Static("GATEHOUSE WORKSTATION", id="brand")
            yield Label("Sign in", classes="heading")
            yield Input(prefs.username, placeholder="Username", id="username")
            yield Input(password=True, placeholder="Password", id="password")
            yield Checkbox("Remember username", prefs.remember_username, id="remember")
            with Horizontal(classes="choices"):
                yield Label("Server", classes="choice-label")
                yield Select(
                    [("Live trading", "live"), ("Paper trading", "paper")],
                    value=prefs.environment,
                    allow_blank=False,
                    id="environment",
                )
            with Horizontal(classes="choices"):
                yield Label("Channel", classes="choice-label")
                yield Select(
                    [("Stable", "stable"), ("Latest (preview panels)", "latest")],
                    value=prefs.channel,
                    allow_blank=False,
                    id="channel",
                )
            yield Button("Sign in", id="signin", variant="primary")
            yield Static(self.reason, id="signin-error", classes="error")
            yield Static(self.version_note, id="version-note")
            yield Static(f"Server: {self.signin.base_url}", id="server-address")
        yield Footer()

    def on_mount(self) -> None:
        field = "#password" if self.preferences.username else "#username"
        self.query_one(field, Input).focus()

    def say(self, text: str) -> None:
        self.query_one("#signin-error", Static).update(text)

    def _now(self) -> float:
        return self._monotonic()

    def _choice(self, selector: str) -> str:
        value: Any = self.query_one(selector, Select).value
        return str(value)

    def _remember(self, username: str | None) -> None:
        """Save the choices on screen; the username only once the server accepted the password
        (``None`` keeps the one saved before): a password typed into the username field by
        mistake must not reach the disk."""
        remember = self.query_one("#remember", Checkbox).value
        saved = self.store.load()
        kept = saved.username if username is None else username
        self.store.save(
            Preferences(
                username=kept if remember else "",
                remember_username=remember,
                environment=self._choice("#environment"),
                channel=self._choice("#channel"),
                server=self.signin.base_url,
                device_tokens=saved.device_tokens,
            )
        )

    @on(Input.Submitted, "#username")
    def next_field(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#signin")
    async def submit(self) -> None:
        if self._locked_until is not None:
            return
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username or not password:
            self.say("Enter your username and password.")
            return
        environment = self._choice("#environment")
        self._remember(None)
        button = self.query_one("#signin", Button)
        button.disabled = True
        self.say("Signing in…")
        try:
            started = await self.signin.start(
                username,
                password,
                environment,
                device_token=self.store.device_token(username, self.signin.base_url),
            )
        except ApiError as error:
            self.query_one("#password", Input).value = ""
            self.say(plain(error))
            retry = error.details.get("retry_after")
            if error.code in ("locked", "rate_limited") and retry is not None:
                self._lock_for(float(retry), error.code)
            return
        finally:
            button.disabled = self._locked_until is not None
        self._remember(username)
        self.say("")
        self.post_message(
            PasswordStep(
                PasswordAccepted(
                    login_id=str(started["login_id"]),
                    factors=[str(f) for f in started.get("factors", [])],
                    notices=[str(n) for n in started.get("notices", [])],
                    environment=environment,
                    channel=self._choice("#channel"),
                    username=username,
                )
            )
        )

    def _lock_for(self, seconds: float, code: str) -> None:
        self._lock_code = code
        self._locked_until = self._now() + seconds
        self.query_one("#signin", Button).disabled = True
        self._timer = self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        if self._locked_until is None:
            return
        left = self._locked_until - self._now()
        if left <= 0:
            self._locked_until = None
            if self._timer is not None:
                self._timer.stop()
            self.query_one("#signin", Button).disabled = False
            self.say("You can try again now.")
            return
        if self._lock_code == "locked":
            self.say(lockout_text(left))
        else:
            self.say(f"Too many attempts in a row. Wait {countdown(left)} before trying again.")

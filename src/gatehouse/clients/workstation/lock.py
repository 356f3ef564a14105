"""The idle lock: after the Workstation's idle timeout the workspace is hidden behind a
re-authentication prompt (password, then a second factor), as the trading desks do.

The password step sends this device's known-device token, as the first sign-in does: the
re-authentication spends the device's own failure budget, so strangers guessing the
password cannot keep the owner locked out of an unlocked-for-lunch Workstation."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from gatehouse.clients.workstation.config import PreferenceStore
from gatehouse.clients.workstation.link import ApiError, SignIn
from gatehouse.clients.workstation.signin import PasswordAccepted, PasswordStep
from gatehouse.clients.workstation.wording import plain


class LockScreen(Screen[None]):
    def __init__(
        self,
        signin: SignIn,
        store: PreferenceStore,
        *,
        username: str,
        environment: str,
        channel: str,
        minutes: int,
    ) -> None:
        super().__init__()
        self.signin = signin
        self.store = store
        self.username = username
        self.environment = environment
        self.channel = channel
        self.minutes = minutes

    def compose(self) -> ComposeResult:
        with Vertical(id="lock-box"):
            yield Static("GATEHOUSE WORKSTATION — LOCKED", id="brand")
            yield Label(
                f"Locked after {self.minutes} minutes without activity. "
                f"Sign in again as {self.username} to continue."
            )
            yield Input(password=True, placeholder="Password", id="lock-password")
            yield Button("Unlock", id="unlock", variant="primary")
            yield Static("", id="lock-error", classes="error")

    def on_mount(self) -> None:
        self.query_one("#lock-password", Input).focus()

    @on(Input.Submitted, "#lock-password")
    @on(Button.Pressed, "#unlock")
    async def unlock(self) -> None:
        password = self.query_one("#lock-password", Input).value
        self.query_one("#lock-password", Input).value = ""
        try:
            started = await self.signin.start(
                self.username,
                password,
                self.environment,
                device_token=self.store.device_token(self.username, self.signin.base_url),
            )
        except ApiError as error:
            self.query_one("#lock-error", Static).update(plain(error))
            return
        self.post_message(
            PasswordStep(
                PasswordAccepted(
                    login_id=str(started["login_id"]),
                    factors=[str(f) for f in started.get("factors", [])],
                    notices=[str(n) for n in started.get("notices", [])],
                    environment=self.environment,
                    channel=self.channel,
                    username=self.username,
                )
            )
        )

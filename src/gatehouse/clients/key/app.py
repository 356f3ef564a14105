"""``gatehouse key``: the authenticator app in the terminal (Textual).

Unlock with the PIN, then: every enrolled account's current code with a countdown bar to the
next one; enrollment of new accounts; and push requests, shown with their context and three
numbers — the PIN again (the phone's biometric check) and the number on the sign-in screen
approve, or Deny refuses. Screens post messages up; the app holds the unlocked device.
"""

from __future__ import annotations

import asyncio
from collections import deque
from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Header, Input, Label, ProgressBar, Static

from gatehouse.clients.key import actions
from gatehouse.clients.key.store import Account, DeviceFile, KeyStoreError, UnlockedDevice
from gatehouse.clients.sdk.key_client import KeyApiError, KeyClient, Now, PushRequest, utc_now
from gatehouse.domain.identity.factors import totp


class Unlocked(Message):
    def __init__(self, device: UnlockedDevice) -> None:
        super().__init__()
        self.device = device


class UnlockScreen(Screen[None]):
    """The PIN: chosen on first use, asked for on every start."""

    def __init__(self, file: DeviceFile) -> None:
        super().__init__()
        self.file = file

    def compose(self) -> ComposeResult:
        yield Header()
        if self.file.exists():
            prompt = "Enter your PIN to unlock this Key."
        else:
            prompt = "Choose a PIN (at least 6 characters) to protect this Key."
        with Vertical(id="unlock-box"):
            yield Label(prompt, id="unlock-prompt")
            yield Input(password=True, placeholder="PIN", id="pin")
            yield Button("Unlock", id="unlock", variant="primary")
            yield Static("", id="unlock-error")

    @on(Input.Submitted, "#pin")
    @on(Button.Pressed, "#unlock")
    async def unlock(self) -> None:
        pin = self.query_one("#pin", Input).value
        try:
            device = await asyncio.to_thread(self.file.open_or_create, pin)
        except KeyStoreError as error:
            self.query_one("#unlock-error", Static).update(str(error))
            return
        self.post_message(Unlocked(device))


class AccountCard(Vertical):
    """One account's code and the countdown to the next one."""

    def __init__(self, account: Account, index: int) -> None:
        super().__init__(classes="account")
        self.account = account
        self.index = index

    def compose(self) -> ComposeResult:
        yield Label(self.account.label)
        yield Static("", id=f"code-{self.index}", classes="code")
        yield ProgressBar(
            total=totp.STEP_SECONDS, show_eta=False, show_percentage=False, id=f"left-{self.index}"
        )

    def show(self, code: str, seconds_left: int) -> None:
        self.query_one(f"#code-{self.index}", Static).update(actions.format_code(code))
        self.query_one(f"#left-{self.index}", ProgressBar).update(progress=seconds_left)


class CodesScreen(Screen[None]):
    def __init__(self, device: UnlockedDevice, now: Now) -> None:
        super().__init__()
        self.device = device
        self.now = now

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="accounts"):
            if not self.device.accounts:
                yield Label("No account yet: enroll this Key with an activation code.")
            for index, account in enumerate(self.device.accounts):
                yield AccountCard(account, index)
        yield Static("", id="status")
        yield Button("Enroll an account", id="enroll")
        yield Footer()

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(1.0, self.tick)

    def tick(self) -> None:
        shown = {c.account.device_id: c for c in actions.current_codes(self.device, self.now())}
        for card in self.query(AccountCard):
            found = shown.get(card.account.device_id)
            if found is not None:
                card.show(found.code, found.seconds_left)

    def say(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    @on(Button.Pressed, "#enroll")
    def ask_enroll(self) -> None:
        self.app.push_screen(EnrollScreen(self.device, self.now), self._enrolled)

    async def _enrolled(self, account: Account | None) -> None:
        if account is None:
            return
        await self.recompose()
        self.tick()
        self.say(f"Enrolled {account.label}.")
        if isinstance(self.app, KeyApp):
            self.app.listen(account)


class EnrollScreen(ModalScreen[Account | None]):
    def __init__(self, device: UnlockedDevice, now: Now) -> None:
        super().__init__()
        self.device = device
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(id="enroll-box"):
            yield Label("Enroll: the server address and the activation code it showed you.")
            yield Input(placeholder="https://broker.example.com", id="server")
            yield Input(placeholder="Activation code, e.g. 7KQ2-M9XD-4HTA", id="code")
            yield Input(placeholder="Name of this device (optional)", id="device-name")
            with Horizontal():
                yield Button("Enroll", id="do-enroll", variant="primary")
                yield Button("Cancel", id="cancel-enroll")
            yield Static("", id="enroll-error")

    @on(Button.Pressed, "#cancel-enroll")
    def cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#do-enroll")
    async def enroll(self) -> None:
        server = self.query_one("#server", Input).value.strip()
        code = self.query_one("#code", Input).value.strip()
        name = self.query_one("#device-name", Input).value.strip() or "Gatehouse Key"
        if server.startswith("gatehouse-key://"):
            server, code = actions.parse_enrollment_uri(server)
        try:
            account = await actions.enroll(
                self.device, server=server, code=code, name=name, now=self.now
            )
        except (KeyApiError, KeyStoreError, OSError, ValueError) as error:
            self.query_one("#enroll-error", Static).update(f"Not enrolled: {error}")
            return
        self.dismiss(account)


class PushScreen(ModalScreen[str]):
    """A sign-in asks for approval: its context, the PIN, three numbers, and Deny."""

    def __init__(
        self, device: UnlockedDevice, account: Account, request: PushRequest, now: Now
    ) -> None:
        super().__init__()
        self.device = device
        self.account = account
        self.request = request
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(id="push-box"):
            yield Label(actions.describe_request(self.request), id="push-context")
            yield Label(
                "Is it you? Unlock with your PIN, then pick the number on the sign-in screen."
            )
            yield Input(password=True, placeholder="PIN", id="push-pin")
            with Horizontal(id="choices"):
                for number in self.request.choices:
                    yield Button(str(number), id=f"pick-{number}", classes="choice")
            yield Button("Deny — it was not me", id="deny", variant="error")
            yield Static("", id="push-error")

    def _pin_ok(self) -> bool:
        return self.device.pin_matches(self.query_one("#push-pin", Input).value)

    @on(Button.Pressed, ".choice")
    async def pick(self, event: Button.Pressed) -> None:
        await self._answer(int(str(event.button.label)))

    @on(Button.Pressed, "#deny")
    async def deny(self) -> None:
        await self._answer(None)

    async def _answer(self, picked: int | None) -> None:
        if picked is not None and not await asyncio.to_thread(self._pin_ok):
            self.query_one("#push-error", Static).update("That PIN is not right.")
            return
        try:
            result = await actions.answer(
                self.device, self.account, self.request, picked=picked, now=self.now
            )
        except (KeyApiError, OSError) as error:
            result = getattr(error, "code", "failed")
        self.dismiss(result)


RESULTS = {
    "approved": "Approved: the sign-in goes ahead.",
    "denied": "Denied: the sign-in was blocked.",
    "wrong_number": "That was not the number on the sign-in screen: the sign-in was blocked.",
}


class KeyApp(App[None]):
    TITLE = "Gatehouse Key"
    CSS = """
    #unlock-box, #enroll-box, #push-box { padding: 1 2; width: 72; height: auto; }
    .account { height: auto; margin: 1 2; }
    .code { text-style: bold; }
    #choices { height: auto; }
    .choice { margin: 0 1; }
    """
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(
        self, *, path: Path | None = None, now: Now = utc_now, poll_seconds: float = 3.0
    ) -> None:
        super().__init__()
        self.file = DeviceFile(path)
        self.now = now
        self.poll_seconds = poll_seconds
        self.device: UnlockedDevice | None = None
        self._waiting: deque[tuple[Account, PushRequest]] = deque()
        self._showing = False

    def on_mount(self) -> None:
        self.push_screen(UnlockScreen(self.file))

    def on_unlocked(self, message: Unlocked) -> None:
        self.device = message.device
        self.switch_screen(CodesScreen(message.device, self.now))
        for account in message.device.accounts:
            self.listen(account)

    def listen(self, account: Account) -> None:
        self._listen(account)

    @work(group="listen", exit_on_error=False)
    async def _listen(self, account: Account) -> None:
        assert self.device is not None
        identity = self.device.identity(account)
        while True:
            try:
                async with KeyClient(account.server, now=self.now) as client:
                    async for request in client.listen(identity, poll_seconds=self.poll_seconds):
                        self._waiting.append((account, request))
                        self._show_next()
            except (KeyApiError, OSError) as error:
                self.notify(f"{account.label}: {error}", severity="warning")
                await asyncio.sleep(max(self.poll_seconds, 1.0))

    def _show_next(self) -> None:
        if self._showing or not self._waiting or self.device is None:
            return
        account, request = self._waiting.popleft()
        if request.expires_at <= self.now():
            self._show_next()
            return
        self._showing = True
        self.push_screen(PushScreen(self.device, account, request, self.now), self._answered)

    def _answered(self, result: str | None) -> None:
        self._showing = False
        if isinstance(self.screen, CodesScreen):
            self.screen.say(RESULTS.get(result or "", f"Not answered: {result}"))
        self._show_next()

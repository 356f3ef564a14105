"""The second factor, as the user chooses: push (the number shown large, a live wait),
TOTP, SMS with resend, or the two code-card cells. Posts ``SignedIn`` with the session."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Digits, Footer, Input, Label, Static

from gatehouse.clients.workstation.formatting import countdown
from gatehouse.clients.workstation.link import ApiError, Session, SignIn
from gatehouse.clients.workstation.signin import PasswordAccepted
from gatehouse.clients.workstation.wording import plain

FACTOR_NAMES = {
    "push": "Approve on my Key",
    "totp": "Authenticator code",
    "sms": "Text me a code",
    "card": "Code card",
}
ENDS_SIGNIN = {"login_not_found", "login_expired", "locked", "push_denied", "push_wrong_number"}


class SignedIn(Message):
    def __init__(self, session: Session, accepted: PasswordAccepted) -> None:
        super().__init__()
        self.session = session
        self.accepted = accepted


class SignInFailed(Message):
    """The sign-in attempt is over (expired, locked, denied): back to the first screen."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class SecondFactorScreen(Screen[None]):
    BINDINGS = [("escape", "cancel", "Start again")]

    def __init__(self, signin: SignIn, accepted: PasswordAccepted) -> None:
        super().__init__()
        self.signin = signin
        self.accepted = accepted
        self.factor = ""
        self.push_left = 0.0

    def compose(self) -> ComposeResult:
        with Vertical(id="factor-box"):
            yield Static("GATEHOUSE WORKSTATION", id="brand")
            yield Label(
                f"Second factor for {self.accepted.username} ({self.accepted.environment})",
                classes="heading",
            )
            if "card_spent" in self.accepted.notices:
                yield Static(plain(ApiError(409, "card_spent", "")), classes="notice")
            with Horizontal(id="factor-choices"):
                for factor in ("push", "totp", "sms", "card"):
                    if factor in self.accepted.factors:
                        yield Button(FACTOR_NAMES[factor], id=f"use-{factor}", classes="factor")
            with Vertical(id="factor-body"):
                yield Label("", id="factor-prompt")
                yield Digits("", id="push-number")
                yield Static("", id="push-wait")
                yield Input(placeholder="6-digit code", id="code", max_length=12)
                with Horizontal(id="card-row"):
                    yield Input(placeholder="", id="cell-1", max_length=3)
                    yield Input(placeholder="", id="cell-2", max_length=3)
                with Horizontal(id="factor-actions"):
                    yield Button("Verify", id="verify", variant="primary")
                    yield Button("Send again", id="resend")
            yield Static("", id="factor-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        self._show("")
        for preferred in ("totp", "push", "sms", "card"):
            if preferred in self.accepted.factors:
                self.query_one(f"#use-{preferred}", Button).focus()
                break

    def _show(self, factor: str) -> None:
        self.factor = factor
        self.query_one("#push-number").display = factor == "push"
        self.query_one("#push-wait").display = factor == "push"
        self.query_one("#code").display = factor in ("totp", "sms")
        self.query_one("#card-row").display = factor == "card"
        self.query_one("#verify").display = factor in ("totp", "sms", "card")
        self.query_one("#resend").display = factor in ("sms", "push")

    def say(self, text: str) -> None:
        self.query_one("#factor-error", Static).update(text)

    def prompt(self, text: str) -> None:
        self.query_one("#factor-prompt", Label).update(text)

    def action_cancel(self) -> None:
        self.post_message(SignInFailed(""))

    def _failed(self, error: ApiError) -> None:
        if error.code in ENDS_SIGNIN:
            self.post_message(SignInFailed(plain(error)))
        else:
            self.say(plain(error))

    @on(Button.Pressed, ".factor")
    async def choose(self, event: Button.Pressed) -> None:
        factor = (event.button.id or "").removeprefix("use-")
        self.say("")
        self._show(factor)
        if factor == "totp":
            self.prompt("Enter the 6-digit code from your authenticator app.")
            self.query_one("#code", Input).focus()
        else:
            await self._challenge(factor)

    @on(Button.Pressed, "#resend")
    async def resend(self) -> None:
        await self._challenge(self.factor)

    async def _challenge(self, factor: str) -> None:
        try:
            answer = await self.signin.challenge(self.accepted.login_id, factor)
        except ApiError as error:
            self._failed(error)
            return
        if factor == "sms":
            left = answer.get("sends_left")
            self.prompt(
                f"We sent a code to {answer.get('sent_to', 'your phone')}. "
                f"Enter it below ({left} more sends allowed)."
            )
            self.query_one("#code", Input).value = ""
            self.query_one("#code", Input).focus()
        elif factor == "card":
            cells = [str(c) for c in answer.get("cells", [])]
            self.prompt(f"Type the cells {' and '.join(cells)} from your code card.")
            for index, cell in enumerate(cells[:2], start=1):
                box = self.query_one(f"#cell-{index}", Input)
                box.placeholder = cell
                box.value = ""
            self.query_one("#cell-1", Input).focus()
        elif factor == "push":
            self.query_one("#push-number", Digits).update(str(answer.get("number", "")))
            self.prompt("Open Gatehouse Key and pick this number:")
            self.push_left = float(answer.get("expires_in", 120))
            self._wait_push()

    @work(exclusive=True, group="push", exit_on_error=False)
    async def _wait_push(self) -> None:
        wait = self.query_one("#push-wait", Static)
        while self.factor == "push" and self.push_left > 0:
            wait.update(f"Waiting for your approval… {countdown(self.push_left)} left")
            step = 1
            try:
                session = await self.signin.wait(self.accepted.login_id, step)
            except ApiError as error:
                self._failed(error)
                return
            if session is not None:
                self.post_message(SignedIn(session, self.accepted))
                return
            self.push_left -= step
        if self.factor == "push":
            wait.update("The request expired. Press 'Send again' for a new one.")

    @on(Input.Submitted, "#code")
    @on(Input.Submitted, "#cell-2")
    @on(Button.Pressed, "#verify")
    async def verify(self) -> None:
        code: str | list[str]
        if self.factor == "card":
            code = [self.query_one(f"#cell-{i}", Input).value.strip() for i in (1, 2)]
            if not all(code):
                self.say("Type both cells.")
                return
        else:
            code = self.query_one("#code", Input).value.strip().replace(" ", "")
            if not code:
                self.say("Enter the code.")
                return
        try:
            session = await self.signin.verify(self.accepted.login_id, self.factor, code)
        except ApiError as error:
            self.query_one("#code", Input).value = ""
            self._failed(error)
            return
        self.post_message(SignedIn(session, self.accepted))

    @on(Input.Submitted, "#cell-1")
    def next_cell(self) -> None:
        self.query_one("#cell-2", Input).focus()

"""``gatehouse support``: the support console on the command line (the operator's side).

The same use cases as ``/v1/api/support`` (``service/support/console.py``), audited with the actor
``cli``; message threads are read and answered as a named support agent (``--agent``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.text import Text

from gatehouse.cli.common import UserName, cell, out, record_table, rows_table, run

if TYPE_CHECKING:
    from gatehouse.bootstrap import Runtime

T = TypeVar("T")
ACTOR = "cli"
support_app = typer.Typer(
    help="The support console: help users who are stuck.", no_args_is_help=True
)


def _run(work: Callable[[Runtime], Awaitable[T]]) -> T:
    return run(work)


ACTIVITY = ["at", "event", "platform", "environment", "address", "factor", "actor"]


def _print(data: dict[str, Any], as_json: bool) -> None:
    """A record: its fields, then each list in it (Key devices, activity…) as a table of its own."""
    if as_json:
        print(json.dumps(data, default=str))
        return
    lists = {key: value for key, value in data.items() if isinstance(value, list)}
    out.print(record_table({k: v for k, v in data.items() if k not in lists}))
    for key, rows in lists.items():
        title = key.replace("_", " ")
        if not rows:
            out.print(f"{title}: none")
        elif all(isinstance(row, dict) for row in rows):
            columns = (
                ACTIVITY
                if key == "recent_activity"
                else list(dict.fromkeys(k for r in rows for k in r))
            )
            out.print(rows_table(rows, columns, title=title))
        else:
            out.print(Text(f"{title}: {', '.join(cell(row) for row in rows)}"))  # as typed


JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@support_app.command("find")
def find(
    query: Annotated[str, typer.Argument(help="A username, email, phone or account id (or part).")],
    as_json: JsonFlag = False,
) -> None:
    """Find users by username, email, phone or account id."""
    from gatehouse.service.support import console as support

    found = _run(lambda rt: support.find_users(rt.ctx, query))
    if as_json:
        print(json.dumps(found))
        return
    out.print(rows_table(found, ["username", "email", "phone", "live", "paper", "locked"]))


@support_app.command("show")
def show(name: UserName, as_json: JsonFlag = False) -> None:
    """A user's accounts, factors, lock state, Key devices and recent sign-in activity."""
    from gatehouse.service.support import console as support

    _print(_run(lambda rt: support.show_user(rt.ctx, name, actor=ACTOR)), as_json)


@support_app.command("activity")
def activity(
    name: UserName,
    limit: Annotated[
        int, typer.Option(min=1, max=500, help="How many entries, newest first.")
    ] = 20,
    as_json: JsonFlag = False,
) -> None:
    """Recent sign-in activity (the audit log) of a user."""
    from gatehouse.service.support import console as support

    rows = _run(lambda rt: support.activity(rt.ctx, name, limit=limit))
    if as_json:
        print(json.dumps(rows))
        return
    out.print(rows_table(rows, ACTIVITY))


@support_app.command("unlock")
def unlock(name: UserName) -> None:
    """Lift a lock and any lockout (sign-in or recovery)."""
    from gatehouse.service.support import console as support

    _run(lambda rt: support.unlock(rt.ctx, name, actor=ACTOR))
    out.print(f"Unlocked {name}.")


@support_app.command("reset-factors")
def reset_factors(
    name: UserName,
    key_devices: Annotated[bool, typer.Option(help="Revoke every Key device.")] = True,
    totp: Annotated[bool, typer.Option(help="Remove the authenticator (TOTP) secret.")] = True,
    card: Annotated[bool, typer.Option(help="Deactivate the code card.")] = True,
    as_json: JsonFlag = False,
) -> None:
    """Reset second factors after a lost phone or card (SMS keeps working)."""
    from gatehouse.service.support import console as support

    result = _run(
        lambda rt: support.reset_factors(
            rt.ctx, name, actor=ACTOR, key_devices_=key_devices, totp=totp, card=card
        )
    )
    _print(result, as_json)


@support_app.command("revoke-device")
def revoke_device(
    name: UserName,
    device_id: Annotated[str, typer.Argument(help="The device's id (see `support show`).")],
) -> None:
    """Revoke one Key device reported lost (its TOTP seed is withdrawn too)."""
    from gatehouse.service.support import console as support

    _run(lambda rt: support.revoke_device(rt.ctx, name, device_id, actor=ACTOR))
    out.print(f"Revoked device {device_id} of {name}.")


@support_app.command("temp-password")
def temp_password(name: UserName) -> None:
    """Issue a temporary password, to be changed at the next sign-in; every session ends."""
    from gatehouse.service.support import console as support

    result = _run(lambda rt: support.temporary_password(rt.ctx, name, actor=ACTOR))
    out.print(f"Temporary password for {name}: [bold]{result['temporary_password']}[/]")
    out.print(
        f"{result['sessions_ended']} session(s) ended. Give it to the user over a verified channel."
    )


@support_app.command("reenroll-code")
def reenroll_code(name: UserName) -> None:
    """A single-use Key re-enrollment code (24 h), used in place of an activation code."""
    from gatehouse.service.support import console as support

    result = _run(lambda rt: support.reenrollment_code(rt.ctx, name, actor=ACTOR))
    out.print(f"Re-enrollment code for {name}: [bold]{result['code']}[/] (valid 24 h, once)")
    out.print(f"gatehouse key enroll --server {result['server']} --code {result['code']}")


@support_app.command("verify-identity")
def verify_identity(name: UserName) -> None:
    """Ask the user's security questions and check the answers they give you."""
    from gatehouse.service.support import console as support

    info = _run(lambda rt: support.show_user(rt.ctx, name, actor=ACTOR))
    questions = info["security_questions"]
    if not questions:
        out.print(f"{name} has no security questions: verify them another way.")
        raise typer.Exit(1)
    answers = [typer.prompt(q["text"], hide_input=True) for q in questions]
    result = _run(lambda rt: support.identity_check(rt.ctx, name, answers, actor=ACTOR))
    out.print(
        f"{result['matched']} of {result['of']} answers match: "
        + ("verified." if result["verified"] else "NOT verified.")
    )
    if not result["verified"]:
        raise typer.Exit(1)


@support_app.command("threads")
def threads(
    agent: Annotated[str, typer.Option(help="Your support username.")], as_json: JsonFlag = False
) -> None:
    """Every message thread, newest first, with unread counts for support."""
    from gatehouse.service.identity import users
    from gatehouse.service.support import messages

    async def work(rt: Runtime) -> dict[str, Any]:
        return await messages.list_threads(rt.ctx, await _agent(rt, agent, users))

    found = _run(work)
    if as_json:
        print(json.dumps(found))
        return
    columns = ["thread_id", "username", "subject", "messages", "unread", "updated_at"]
    out.print(rows_table(found["threads"], columns))


@support_app.command("reply")
def reply(
    thread_id: Annotated[str, typer.Argument(help="The thread's id (see `support threads`).")],
    body: Annotated[str, typer.Option(help="The message.")],
    agent: Annotated[str, typer.Option(help="Your support username.")],
) -> None:
    """Answer a thread as a support agent (the user sees it at once)."""
    from gatehouse.service.identity import users
    from gatehouse.service.support import messages

    async def work(rt: Runtime) -> dict[str, Any]:
        return await messages.post(rt.ctx, await _agent(rt, agent, users), thread_id, body=body)

    sent = _run(work)
    out.print(f"Sent message {sent['seq']} in thread {thread_id}.")


async def _agent(rt: Runtime, name: str, users: Any) -> Any:
    from gatehouse.domain.errors import Forbidden
    from gatehouse.domain.identity.users import Role

    user = await users.get(rt.ctx, name)
    if user.role != Role.SUPPORT.value:
        raise Forbidden(f"{name} is not a support agent.")
    return user

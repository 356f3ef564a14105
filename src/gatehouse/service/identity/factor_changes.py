"""Changing how a user signs in: the recent-authentication check every such change passes
first (``domain/identity/step_up``), and the notice each change sends the user (message
center in the change's transaction, e-mail after it)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from gatehouse.domain.identity import step_up as rules
from gatehouse.domain.identity.users import User
from gatehouse.domain.support.messages import Side, Thread
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.ports import UnitOfWork

log = logging.getLogger(__name__)
SECURITY_AUTHOR = "Gatehouse security"


async def require_recent(ctx: ServiceContext, uow: UnitOfWork, principal: Principal) -> None:
    """``reauth_required`` unless this session's last password + second factor is recent."""
    session = principal.session
    last = None
    if session.device_id is None:  # a gateway device's session never had a second factor
        last = await uow.passkeys.last_full_signin(session.public_id)
    rules.ensure_recent(last, now=ctx.clock.now())


async def notify_change(
    ctx: ServiceContext, uow: UnitOfWork, user: User, what: str
) -> Callable[[], Awaitable[None]]:
    """A security notice in the message center (in this transaction) and, returned to run
    after the commit, an e-mail: "<what> on your account"."""
    assert user.id is not None
    now = ctx.clock.now()
    text = (
        f"{what} on your Gatehouse account at {now:%Y-%m-%d %H:%M} UTC. "
        "If this was not you, sign out everywhere from Settings, change your password "
        "and contact support at once."
    )
    thread = Thread(
        public_id=ctx.new_public_id(),
        user_id=user.id,
        subject=f"Security: {what}"[:120],
        created_at=now,
        updated_at=now,
    )
    await uow.messages.add_thread(thread)
    message = await uow.messages.add_message(
        thread, side=Side.SUPPORT, author=SECURITY_AUTHOR, body=text, at=now
    )
    await uow.events.append(
        user_id=user.id,
        type="message.created",
        account=user.live_account_id,
        data={"thread_id": thread.public_id, "subject": thread.subject, **message.view()},
        at=now,
    )
    email = user.email

    async def send() -> None:
        if ctx.mailer is None or not email:
            return
        try:
            await ctx.mailer.send(to=email, subject=f"Gatehouse: {what}", text=text)
        except Exception:  # the change is done; a mail outage must not undo or hide it
            log.warning("the security notice to %s was not sent", email, exc_info=True)

    return send

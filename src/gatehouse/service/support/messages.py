"""The secure message center: user ↔ support threads, unread counts, live delivery.

A user sees their own threads; support sees every thread (a shared team inbox: one read
marker for the whole team). Every new message is appended as a ``message.created`` account
event in the same transaction, so the sync layer delivers it to all of the user's sessions;
reading a thread appends ``message.read`` so their other sessions update the unread badge.
"""

from __future__ import annotations

from typing import Any

from gatehouse.domain.errors import InvalidInput, NotFound
from gatehouse.domain.identity.users import Role, User, normalize_username
from gatehouse.domain.support.messages import Message, Side, Thread, check_body, check_subject
from gatehouse.service.context import ServiceContext
from gatehouse.service.ports import UnitOfWork


def side_of(user: User) -> Side:
    return Side.SUPPORT if user.role == Role.SUPPORT.value else Side.USER


async def _thread(uow: UnitOfWork, user: User, thread_id: str) -> Thread:
    thread = await uow.messages.thread(thread_id) if len(thread_id) <= 32 else None
    if thread is None or (side_of(user) is Side.USER and thread.user_id != user.id):
        raise NotFound("No such message thread.")  # someone else's thread does not exist
    return thread


async def _announce(ctx: ServiceContext, uow: UnitOfWork, thread: Thread, message: Message) -> None:
    owner = await uow.users.get(thread.user_id)
    assert owner is not None and owner.id is not None
    await uow.events.append(
        user_id=owner.id,
        type="message.created",
        account=owner.live_account_id,
        data={"thread_id": thread.public_id, "subject": thread.subject, **message.view()},
        at=message.created_at,
    )


async def list_threads(ctx: ServiceContext, user: User) -> dict[str, Any]:
    side = side_of(user)
    owner = user.id if side is Side.USER else None
    async with ctx.uow() as uow:
        found = await uow.messages.threads(user_id=owner, side=side)
    threads = [
        thread.view(unread=unread, username=username if side is Side.SUPPORT else "")
        for thread, username, unread in found
    ]
    return {"threads": threads, "unread": sum(int(str(t["unread"])) for t in threads)}


async def create_thread(
    ctx: ServiceContext,
    user: User,
    *,
    subject: object,
    body: object,
    username: object = None,
) -> dict[str, Any]:
    """Open a thread with its first message; support names the user it writes to."""
    title, text = check_subject(subject), check_body(body)
    side = side_of(user)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        if side is Side.SUPPORT:
            if not isinstance(username, str):
                raise InvalidInput("Name the user to write to.", field="username")
            owner = await uow.users.by_username(normalize_username(username)[:64])
            if owner is None or owner.role == Role.SUPPORT.value:
                raise NotFound(f"No user named {username[:64]!r}.")
        else:
            owner = await uow.users.get(user.id or 0)
        assert owner is not None and owner.id is not None
        thread = Thread(
            public_id=ctx.new_public_id(),
            user_id=owner.id,
            subject=title,
            created_at=now,
            updated_at=now,
        )
        await uow.messages.add_thread(thread)
        message = await uow.messages.add_message(
            thread, side=side, author=user.username, body=text, at=now
        )
        await _announce(ctx, uow, thread, message)
        await uow.commit()
    return {"thread": thread.view(unread=0, username=owner.username), "messages": [message.view()]}


async def read_thread(ctx: ServiceContext, user: User, thread_id: str) -> dict[str, Any]:
    """A thread and its messages (reading does not mark it read: ``mark_read`` does)."""
    side = side_of(user)
    async with ctx.uow() as uow:
        thread = await _thread(uow, user, thread_id)
        assert thread.id is not None
        messages = await uow.messages.messages(thread.id)
        owner = await uow.users.get(thread.user_id)
    other = Side.SUPPORT if side is Side.USER else Side.USER
    unread = sum(1 for m in messages if m.side == other.value and m.seq > thread.read_marker(side))
    return {
        "thread": thread.view(unread=unread, username=owner.username if owner else ""),
        "messages": [m.view() for m in messages],
    }


async def post(ctx: ServiceContext, user: User, thread_id: str, *, body: object) -> dict[str, Any]:
    text = check_body(body)
    side = side_of(user)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        thread = await _thread(uow, user, thread_id)
        message = await uow.messages.add_message(
            thread, side=side, author=user.username, body=text, at=now
        )
        await _announce(ctx, uow, thread, message)
        await uow.commit()
    return {"thread_id": thread.public_id, **message.view()}


async def mark_read(ctx: ServiceContext, user: User, thread_id: str) -> dict[str, Any]:
    side = side_of(user)
    async with ctx.uow() as uow:
        thread = await _thread(uow, user, thread_id)
        assert thread.id is not None
        if thread.read_marker(side) < thread.last_seq:
            await uow.messages.mark_read(thread.id, side=side, seq=thread.last_seq)
            if side is Side.USER:
                owner = await uow.users.get(thread.user_id)
                assert owner is not None and owner.id is not None
                await uow.events.append(
                    user_id=owner.id,
                    type="message.read",
                    account=owner.live_account_id,
                    data={"thread_id": thread.public_id, "seq": thread.last_seq},
                    at=ctx.clock.now(),
                )
            await uow.commit()
        unread = await uow.messages.unread(
            user_id=user.id if side is Side.USER else None, side=side
        )
    return {"thread_id": thread.public_id, "read_up_to": thread.last_seq, "unread": unread}


async def unread(ctx: ServiceContext, user: User) -> dict[str, Any]:
    side = side_of(user)
    async with ctx.uow() as uow:
        count = await uow.messages.unread(user_id=user.id if side is Side.USER else None, side=side)
    return {"unread": count}

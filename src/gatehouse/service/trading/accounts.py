"""Which brokerage accounts a session may use, and the accounts themselves.

A session sees only the account of its own environment. Naming the user's account of the
other environment is ``WrongEnvironment`` (with a sentence saying which to sign in to);
any other id — someone else's or none at all — is ``AccountNotFound``, the same answer
whether or not it exists.
"""

from __future__ import annotations

from collections.abc import Sequence

from gatehouse.domain.errors import AccountNotFound, WrongEnvironment
from gatehouse.domain.trading.accounts import BrokerageAccount, environment_of
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity.sessions import Principal
from gatehouse.service.trading.workspace import open_accounts


def owned(principal: Principal, account_id: str | None) -> str:
    """The session's account named ``account_id`` (its only account when ``None``)."""
    mine = principal.account_ids
    if account_id is None or account_id == "":
        return mine[0]
    if account_id in mine:
        return account_id
    user = principal.user
    if account_id in (user.live_account_id, user.paper_account_id):
        theirs = environment_of(account_id)
        raise WrongEnvironment(
            f"Account {account_id} is a {theirs} account and this is a "
            f"{principal.environment} session: sign in to {theirs} to use it."
        )
    raise AccountNotFound(f"No account {account_id!r} is available to this session.")


async def for_session(ctx: ServiceContext, principal: Principal) -> list[BrokerageAccount]:
    """The session's accounts, opened on first use (from this node's book cache if there)."""
    wanted = set(principal.account_ids)
    now = ctx.clock.now()
    cached = [ctx.books.get(account_id, now) for account_id in principal.account_ids]
    if all(cached):
        return [entry.account for entry in cached if entry is not None]
    async with ctx.uow() as uow:
        assert principal.user.id is not None
        found: Sequence[BrokerageAccount] = await uow.brokerage.for_user(principal.user.id)
        if not wanted <= {a.account_id for a in found}:
            await open_accounts(ctx, uow, principal.user, now=ctx.clock.now())
            await uow.commit()
            found = await uow.brokerage.for_user(principal.user.id)
    return [a for a in found if a.account_id in wanted]


async def select(ctx: ServiceContext, principal: Principal, account_id: str) -> str:
    """IBKR's account switch: the session has one account per environment, so this only
    checks that ``account_id`` is the session's."""
    return owned(principal, account_id)

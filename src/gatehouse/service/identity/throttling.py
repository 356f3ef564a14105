"""Applying the throttle rules to sign-in: per account (all platforms) and per address."""

from __future__ import annotations

from datetime import datetime

from gatehouse.domain.errors import AccountLocked, RateLimited
from gatehouse.domain.identity.throttle import ThrottlePolicy, Verdict, address_key
from gatehouse.service.ports import UnitOfWork

HARD_LOCK_MESSAGE = (
    "This account is locked after too many failed sign-ins. Reset your password "
    "(Forgot password?) or contact support to unlock it."
)


def raise_for(verdict: Verdict, *, address: bool = False) -> None:
    if verdict.allowed:
        return
    if verdict.permanent and not address:
        raise AccountLocked(HARD_LOCK_MESSAGE, retry_after=None)
    if verdict.locked and not address:
        raise AccountLocked(retry_after=verdict.wait)
    raise RateLimited(
        "Too many failed attempts; wait before trying again.", retry_after=verdict.wait
    )


async def check(
    uow: UnitOfWork,
    *,
    account: str,
    address: str,
    now: datetime,
    account_policy: ThrottlePolicy,
    address_policy: ThrottlePolicy,
) -> bool:
    """Refuse the attempt while the address or the account must wait.

    Returns whether the account has failures on record (so success knows to clear them).
    """
    found = await uow.throttles.peek_many([address_key(address), account])
    if address_key(address) in found:
        raise_for(found[address_key(address)].verdict(now, address_policy), address=True)
    if account in found:
        raise_for(found[account].verdict(now, account_policy))
        return found[account].failures > 0
    return False


async def record_failure(
    uow: UnitOfWork,
    *,
    account: str,
    address: str,
    now: datetime,
    account_policy: ThrottlePolicy,
    address_policy: ThrottlePolicy,
) -> Verdict:
    """Count a failure against both keys; returns the account's verdict after it."""
    found = await uow.throttles.lock_many([address_key(address), account])
    found[address_key(address)].record_failure(now, address_policy)
    verdict = found[account].record_failure(now, account_policy)
    await uow.throttles.save(list(found.values()))
    return verdict


async def reserve(
    uow: UnitOfWork,
    *,
    account: str,
    address: str,
    now: datetime,
    account_policy: ThrottlePolicy,
    address_policy: ThrottlePolicy,
) -> Verdict:
    """Take one attempt from both budgets before the (slow) check, or refuse it.

    The rows are locked, so concurrent attempts on any node queue here and each sees the
    others' reservations. The attempt counts as a failure unless ``release``d. Returns the
    account's verdict for the attempt after this one, were this one to fail.
    """
    keys = [address_key(address), account]
    found = await uow.throttles.lock_many(keys)
    raise_for(found[keys[0]].verdict(now, address_policy), address=True)
    raise_for(found[account].verdict(now, account_policy))
    found[keys[0]].record_failure(now, address_policy)
    verdict = found[account].record_failure(now, account_policy)
    await uow.throttles.save(list(found.values()))
    return verdict


async def release(uow: UnitOfWork, *, account: str, address: str) -> None:
    """The reserved attempt succeeded: give it back to both budgets."""
    await uow.throttles.release([address_key(address), account])


async def clear(uow: UnitOfWork, account: str) -> None:
    """Forget the key's failures and lockout (a success, or an unlock)."""
    await uow.throttles.clear(account)

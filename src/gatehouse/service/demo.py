"""The demo account an embedded Gatehouse offers on first start, ready to sign in to."""

from __future__ import annotations

from dataclasses import dataclass

from gatehouse.domain.identity.passwords import generate_password
from gatehouse.service.context import ServiceContext
from gatehouse.service.identity import users

DEMO_USERNAME = "demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    paper_username: str
    paper_password: str
    otpauth_uri: str
    phone: str


async def create_demo(ctx: ServiceContext) -> DemoAccount | None:
    """Create the demo user when the database has no users yet; None otherwise."""
    async with ctx.uow() as uow:
        if await uow.users.count() > 0:
            return None
    password = generate_password(tokens=ctx.tokens)
    phone = "+15555550100"
    created = await users.create(
        ctx,
        username=DEMO_USERNAME,
        password=password,
        email="demo@example.com",
        phone=phone,
        actor="demo",
    )
    uri = await users.enroll_totp(ctx, DEMO_USERNAME, actor="demo")
    return DemoAccount(
        username=created.user.username,
        password=password,
        paper_username=created.user.paper_username,
        paper_password=created.paper_password,
        otpauth_uri=uri,
        phone=phone,
    )

"""The one interactive sign-in of ``gatehouse gateway login`` over the SDK: password, then one
second factor (push with the number to pick on the Key device, TOTP, SMS or the code card)."""

from __future__ import annotations

from collections.abc import Callable

from gatehouse.clients.sdk import AsyncGatehouse, CardChallenge, FactorUnavailable, Session

Ask = Callable[[str], str]
Tell = Callable[[str], None]
FACTORS = ("push", "totp", "sms", "card")
PUSH_WAIT_SECONDS = 180.0


async def sign_in(
    client: AsyncGatehouse,
    *,
    username: str,
    password: str,
    environment: str,
    factor: str | None,
    ask: Ask,
    tell: Tell,
) -> Session:
    """A full gateway session after the password and a second factor."""
    started = await client.login(
        username, password, "gateway", environment, device_name="gatehouse gateway login"
    )
    offered = [f for f in started.factors if f in FACTORS]
    if factor is None:
        factor = offered[0] if len(offered) == 1 else ask(f"Second factor ({'/'.join(offered)})")
    factor = factor.strip().lower()
    if factor not in offered:
        raise FactorUnavailable(
            "factor_unavailable", f"{factor!r} is not one of {', '.join(offered)}.", status=409
        )
    if factor == "push":
        challenge = await client.challenge("push")
        tell(f"Approve the request on your Key device: pick {getattr(challenge, 'number', '?')}.")
        return await client.wait(PUSH_WAIT_SECONDS)
    if factor == "totp":
        return await client.verify("totp", ask("Code from your authenticator app").strip())
    if factor == "sms":
        await client.challenge("sms")
        tell("A code was sent by text message.")
        return await client.verify("sms", ask("Code from the text message").strip())
    challenge = await client.challenge("card")
    cells = challenge.cells if isinstance(challenge, CardChallenge) else ()
    return await client.verify("card", [ask(f"Code card cell {cell}").strip() for cell in cells])

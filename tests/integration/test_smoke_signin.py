"""Smoke: a full sign-in with password and TOTP over real HTTP."""

from tests.support.signin import full_signin


async def test_full_signin(client, alice, clock):
    body = await full_signin(client, alice, clock)
    assert body["accounts"] == [alice.live_account]
    me = await client.get("/v1/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200, me.text

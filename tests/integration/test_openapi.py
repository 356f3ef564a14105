"""The OpenAPI document says what the server really sends (issue 15 #12): the error statuses
with the one error body on every operation, and no 422 (bad input is a 400)."""

from __future__ import annotations

import pytest
from tests.support.signin import login


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_every_operation_declares_the_real_error_responses(client, alice):
    document = (await client.get("/v1/api/openapi.json")).json()
    assert "422" not in str(document) and "HTTPValidationError" not in str(document)
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "message"]
    operations = [op for ops in document["paths"].values() for op in ops.values()]
    assert len(operations) > 50
    for operation in operations:
        responses = operation["responses"]
        for status in ("400", "401", "403", "404", "409", "410", "413", "423", "429"):
            content = responses[status]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}, operation
    # and what the server sends for bad input is what the document says: a 400 error body
    bad = await client.post("/v1/api/auth/login", json={"username": 5})
    assert bad.status_code == 400
    assert set(error["required"]) <= set(bad.json())
    wrong = await login(client, alice.username, "Wrong-Horse-42-battery")
    assert wrong.status_code == 401 and set(error["required"]) <= set(wrong.json())

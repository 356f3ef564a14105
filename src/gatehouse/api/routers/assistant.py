"""The assistant endpoint: plain language in, one typed intent out (ibot does the reading)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field, StrictStr

from gatehouse.api.auth import CurrentPrincipal
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.api.schemas import Body
from gatehouse.clients import ibot

router = APIRouter(route_class=LeanRoute, tags=["assistant"])


class AssistantBody(Body):
    text: StrictStr = Field(max_length=ibot.parser.MAX_LENGTH)


@router.post("/assistant")
async def assistant(body: AssistantBody, principal: CurrentPrincipal) -> dict[str, object]:
    """What ``text`` asks for. Orders come back as previews that the user must confirm."""
    return ibot.parse(body.text).to_dict()

"""Statements of one account: ``/accounts/{acct}/statements/realized`` and ``…/activity``,
as JSON, CSV or PDF (``format=``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from gatehouse.api.auth import Ctx, CurrentPrincipal
from gatehouse.api.lean_routes import LeanRoute
from gatehouse.service.trading import statements
from gatehouse.service.trading.statements import StatementFile

router = APIRouter(
    route_class=LeanRoute, prefix="/accounts/{account}/statements", tags=["statements"]
)


def _shape(result: dict[str, Any] | StatementFile) -> Any:
    if isinstance(result, StatementFile):
        disposition = f'attachment; filename="{result.filename}"'
        return Response(
            result.body, media_type=result.media_type, headers={"content-disposition": disposition}
        )
    return result


@router.get("/realized")
async def realized(
    account: str,
    principal: CurrentPrincipal,
    ctx: Ctx,
    year: str | None = Query(default=None, max_length=10),
    fmt: str | None = Query(default=None, alias="format", max_length=10),
) -> Any:
    return _shape(await statements.realized(ctx, principal, account, year=year, fmt=fmt))


@router.get("/activity")
async def activity(
    account: str,
    principal: CurrentPrincipal,
    ctx: Ctx,
    start: str | None = Query(default=None, max_length=20),
    end: str | None = Query(default=None, max_length=20),
    fmt: str | None = Query(default=None, alias="format", max_length=10),
) -> Any:
    return _shape(
        await statements.activity_statement(ctx, principal, account, start=start, end=end, fmt=fmt)
    )

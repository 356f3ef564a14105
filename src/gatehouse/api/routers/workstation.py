"""``GET /workstation/version``: per channel, the oldest Workstation the server accepts and
the newest there is, so an outdated one says so and how to upgrade. Needs no session."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gatehouse import __version__

router = APIRouter(tags=["workstation"])


@router.get("/workstation/version")
async def version(request: Request) -> dict[str, dict[str, str]]:
    settings = request.app.state.runtime.settings
    return {
        "stable": {"minimum": settings.workstation_minimum_stable, "latest": __version__},
        "latest": {"minimum": settings.workstation_minimum_latest, "latest": __version__},
    }

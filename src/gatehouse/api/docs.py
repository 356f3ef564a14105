"""``/v1/api/docs``: Swagger UI for the OpenAPI document, with no third party at run time.

Swagger UI's assets (version 5, which reads OpenAPI 3.1) come from the installed
``fastapi-offline`` package — only its files are used, none is copied into this repository —
and are served from this origin; the page's only script of our own is
``/static/js/api-docs.js`` (no inline script), and it carries every page's security headers.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response

from gatehouse.domain.errors import NotFound
from gatehouse.web.security import PAGE_HEADERS

DOCS_PATH = "/v1/api/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"
ASSETS = Path(str(files("fastapi_offline") / "static"))
SERVED = {  # the files the page uses, and nothing else of the package
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse API</title>
<link rel="icon" href="{assets}/favicon.png">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="/static/js/api-docs.js"></script>
</body>
</html>
"""


def install(app: FastAPI, *, openapi_url: str) -> None:
    """Serve the docs page and its assets (call with FastAPI's own ``docs_url=None``)."""
    page = PAGE.format(assets=ASSETS_PATH, openapi=openapi_url)

    @app.get(DOCS_PATH, include_in_schema=False)
    async def docs() -> Response:
        return HTMLResponse(page, headers={**PAGE_HEADERS, "Cache-Control": "no-cache"})

    @app.get(ASSETS_PATH + "/{name}", include_in_schema=False)
    async def asset(name: str) -> Response:
        if name not in SERVED:
            raise NotFound("Not found.")
        return FileResponse(
            ASSETS / name,
            media_type=SERVED[name],
            headers={**PAGE_HEADERS, "Cache-Control": "no-cache"},
        )

"""Lean routes: reads that need nothing but their path, the caller and the context skip
FastAPI's per-request dependency pass.

For every request FastAPI walks the route's dependency tree (``solve_dependencies``): cache
keys, scope checks, query and cookie parsing for each level, whatever the route declares. For
the hottest reads — a path string or two, ``CurrentPrincipal`` and ``Ctx``, answering a
``Response`` they built themselves — that walk cost about 40 of the ~95 µs the application
spent per request (profile in docs/benchmarks.md, "Portal"). ``LeanRoute`` serves such routes
with a handler that does exactly what the walk would have done for them: the path strings
from the route's match, the context, then the caller through ``auth.principal`` with all its
checks. Any route that declares anything else (a query, header, cookie or body parameter, a
validated path parameter, another dependency, a synchronous endpoint, a return value FastAPI
must serialise) keeps FastAPI's handler, unchanged. The routes, their OpenAPI description and
their errors (raised to the handlers of ``api/errors.py``) are the same either way;
tests/unit/test_lean_routes.py checks which routes are lean and that both paths answer alike.

Dependencies given to ``include_router`` itself are not seen here: Gatehouse gives none
(``api/app.py``); route- and router-level dependencies are, and make a route non-lean.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from gatehouse.api import auth

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class LeanRoute(APIRoute):
    """An ``APIRoute`` that serves itself without the dependency walk when it can."""

    def get_route_handler(self) -> Handler:
        return lean_handler(self) or super().get_route_handler()


def lean_handler(route: APIRoute) -> Handler | None:
    """The lean handler of ``route``, or None when FastAPI's own must serve it."""
    dependant = route.dependant
    endpoint = route.endpoint
    if _declares_more(dependant) or route.dependencies or not _answers_response(endpoint):
        return None
    paths: list[tuple[str, str]] = []
    for field in dependant.path_params:
        if field.field_info.annotation is not str or field.field_info.metadata:
            return None  # validated or converted: FastAPI's pass does that
        paths.append((field.name, field.alias))
    contexts: list[str] = []
    callers: list[str] = []
    for sub in dependant.dependencies:
        if sub.name is None:
            return None
        if sub.call is auth.context and _only_request(sub):
            contexts.append(sub.name)
        elif sub.call is auth.principal and _principal_shape(sub):
            callers.append(sub.name)
        else:
            return None
    request_name = dependant.request_param_name
    call: Callable[..., Awaitable[Response]] = endpoint

    async def handle(request: Request) -> Response:
        found = request.path_params
        arguments: dict[str, Any] = {name: found[alias] for name, alias in paths}
        ctx = await auth.context(request)
        for name in contexts:
            arguments[name] = ctx
        if callers:
            caller = await auth.principal(request, ctx)
            for name in callers:
                arguments[name] = caller
        if request_name is not None:
            arguments[request_name] = request
        return await call(**arguments)

    return handle


def _declares_more(dependant: Dependant) -> bool:
    return bool(
        dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
    )


def _only_request(sub: Dependant) -> bool:
    """A dependency that takes the request alone (``auth.context``)."""
    return not (_declares_more(sub) or sub.path_params or sub.dependencies)


def _principal_shape(sub: Dependant) -> bool:
    """``auth.principal`` as declared today: the request and the context, nothing else."""
    if _declares_more(sub) or sub.path_params:
        return False
    return all(inner.call is auth.context and _only_request(inner) for inner in sub.dependencies)


def _answers_response(endpoint: Callable[..., Any]) -> bool:
    """An async endpoint annotated to return a ``Response``: FastAPI passes those through."""
    if not inspect.iscoroutinefunction(endpoint):
        return False
    try:
        answer = typing.get_type_hints(endpoint).get("return")
    except (NameError, TypeError):
        return False
    return isinstance(answer, type) and issubclass(answer, Response)

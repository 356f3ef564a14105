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

Once the router has sent a GET for a path to a lean handler (and it answered), the path is
remembered (``LeanPaths``): the next GET for that same path, with no body, goes from the app's
front door straight to that handler (``serve``), past the middleware layers, the router and
Starlette's request wrappers, about half of what was left of a request's cost. The router
made the choice, so the same path always reaches the same handler; what the layers it skips
would have done to such a request is done here with their own pieces: the app's exception
handlers, HSTS (``api/hsts.py``); the body limit and the page security headers do nothing
for a bodiless request under ``/v1/``. tests/integration/test_lean_routes.py compares status,
headers and body of both ways for every lean route and caller.
"""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import params as fastapi_params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from gatehouse.api import auth, hsts

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
LEARN = "gatehouse.lean_paths"  # scope key: the LeanPaths a lean handler may add its path to
API_PREFIX = "/v1/"
BODY_HEADERS = (b"content-length", b"transfer-encoding")


class LeanPaths:
    """The GET paths the router has sent to a lean handler: path -> (handler, path params).

    At most ``limit`` paths (they include account ids and conids); when full it starts
    again, so a client asking for endless made-up paths costs a router pass, never memory.
    Only answers below 400 are remembered.
    """

    __slots__ = ("_known", "hits", "limit")

    def __init__(self, limit: int = 4096) -> None:
        self._known: dict[str, tuple[Handler, dict[str, str]]] = {}
        self.limit = limit
        self.hits = 0

    def __len__(self) -> int:
        return len(self._known)

    def find(self, scope: Scope) -> tuple[Handler, dict[str, str]] | None:
        """The handler for this request, when it is a bodiless GET for a remembered path.
        Otherwise None, and a GET that could be remembered is marked for its handler."""
        if scope["method"] != "GET" or scope.get("root_path") or not _bodiless(scope):
            return None
        path: str = scope["path"]
        found = self._known.get(path)
        if found is None:
            if path.startswith(API_PREFIX):
                scope[LEARN] = self
            return None
        self.hits += 1
        return found

    def remember(self, path: str, handler: Handler, params: dict[str, str]) -> None:
        if len(self._known) >= self.limit:
            self._known.clear()
        self._known[path] = (handler, params)


def _bodiless(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name in BODY_HEADERS and (name != b"content-length" or value != b"0"):
            return False
    return True


async def serve(
    app: Any, found: tuple[Handler, dict[str, str]], scope: Scope, receive: Receive, send: Send
) -> None:
    """Answer a remembered GET with its lean handler, as the full stack would have."""
    handler, params = found
    scope["app"] = app
    scope["path_params"] = params
    request = Request(scope, receive)
    unexpected: Exception | None = None
    try:
        response = await handler(request)
    except Exception as exc:  # the app's own handlers answer, as Starlette's layers would
        response, unexpected = await _error_response(app, request, exc)
    if hsts.applies(scope, app.state.public_https):
        response.headers.setdefault("Strict-Transport-Security", hsts.HSTS)
    await response(scope, receive, send)
    if unexpected is not None:
        raise unexpected  # as Starlette's ServerErrorMiddleware does, for the server's log


async def _error_response(
    app: Any, request: Request, exc: Exception
) -> tuple[Response, Exception | None]:
    handlers: dict[Any, Any] = app.exception_handlers
    for kind in type(exc).__mro__:
        handler = handlers.get(kind)
        if handler is not None:
            answer: Response = await handler(request, exc)
            return answer, (exc if kind is Exception else None)
    raise exc


class LeanRoute(APIRoute):
    """An ``APIRoute`` that serves itself without the dependency walk when it can."""

    def get_route_handler(self) -> Handler:
        return lean_handler(self) or super().get_route_handler()


class LeanBodyRoute(APIRoute):
    """A ``LeanRoute`` that may also take one JSON body model (the sign-in steps).

    The lean handler reads only the plain case: ``Content-Type: application/json`` and a
    body that parses to an object the model accepts. Anything else — another content type,
    no body, bad JSON, a field the model refuses — goes to FastAPI's own handler for the
    same request (the body is read once and kept), so every refusal is FastAPI's, unchanged.
    """

    def get_route_handler(self) -> Handler:
        full = super().get_route_handler()
        return lean_handler(self, fallback=full) or full


def lean_handler(route: APIRoute, *, fallback: Handler | None = None) -> Handler | None:
    """The lean handler of ``route``, or None when FastAPI's own must serve it.

    With ``fallback`` (FastAPI's handler of the route) a route may also take one body
    model; requests the lean handler does not read plainly are handed to ``fallback``.
    """
    dependant = route.dependant
    endpoint = route.endpoint
    body = _body_model(route) if fallback is not None else None
    if (
        _declares_more(dependant, body=body is not None)
        or route.dependencies
        or not _answers_response(endpoint)
    ):
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
        if body is not None:
            assert fallback is not None
            parsed = await _plain_body(request, body[1])
            if parsed is None:
                return await fallback(request)
            arguments[body[0]] = parsed
        ctx = await auth.context(request)
        for name in contexts:
            arguments[name] = ctx
        if callers:
            caller = await auth.principal(request, ctx)
            for name in callers:
                arguments[name] = caller
        if request_name is not None:
            arguments[request_name] = request
        response = await call(**arguments)
        known: LeanPaths | None = request.scope.get(LEARN)
        if known is not None and response.status_code < 400:
            known.remember(request.scope["path"], handle, dict(found))
        return response

    return handle


def _body_model(route: APIRoute) -> tuple[str, type[BaseModel]] | None:
    """The route's one body parameter, when it is a whole JSON object read into a model."""
    params = route.dependant.body_params
    if len(params) != 1 or route.body_field is None:
        return None
    field = params[0]
    model = field.field_info.annotation
    if (
        type(field.field_info) is not fastapi_params.Body  # not a form or a file
        or getattr(field.field_info, "embed", False)
        or field.field_info.metadata
        or not (isinstance(model, type) and issubclass(model, BaseModel))
    ):
        return None
    return field.name, model


async def _plain_body(request: Request, model: type[BaseModel]) -> BaseModel | None:
    """The body as ``model`` when it is plainly JSON that the model accepts; else None (then
    FastAPI's handler reads it, with its own errors). The body was buffered whole by
    ``api/limits.BodySizeLimit`` (refused there when too large or not clean UTF-8)."""
    if request.headers.get("content-type", "").lower() != "application/json":
        return None
    raw = await request.body()  # kept on the request: FastAPI's handler reads it again
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    try:
        return model.model_validate(parsed, from_attributes=True)
    except ValidationError:
        return None


def _declares_more(dependant: Dependant, *, body: bool = False) -> bool:
    return bool(
        dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or (dependant.body_params and not body)
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

"""Request-size limit: refuse bodies over the configured size before anything parses them;
and refuse JSON bodies whose text is not Unicode (bad UTF-8, lone surrogates)."""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gatehouse.api.errors import error_response
from gatehouse.domain.errors import MalformedRequest, PayloadTooLarge

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
BAD_TEXT = "The request body must be JSON in UTF-8 with no lone surrogates (\\ud800-\\udfff)."


def is_clean_text(body: bytes) -> bool:
    """Whether every string a JSON parser would read from ``body`` can be stored as UTF-8.

    Python's ``json`` accepts raw surrogate bytes (ED A0 80) and escapes like ``"\\ud800"``
    whose strings then fail wherever they are encoded (the database, a file) with a 500.
    The common case costs one strict decode and one byte search.
    """
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if not _SURROGATE_ESCAPE.search(body):
        return True
    try:
        parsed = json.loads(body)
    except ValueError:
        return True  # not JSON: the endpoint's parser refuses it
    stack = [parsed]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return b"json" in value.lower()
    return True  # no content type: FastAPI reads the body as JSON


class BodySizeLimit:
    """Reads the whole body (up to the limit) before the app sees it, so a body that is too
    large is refused with 413 whether or not it declared its length."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await error_response(PayloadTooLarge())(scope, receive, send)
                return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await error_response(PayloadTooLarge())(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        if body and _is_json(scope) and not is_clean_text(bytes(body)):
            await error_response(MalformedRequest(BAD_TEXT))(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: wait for a disconnect
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

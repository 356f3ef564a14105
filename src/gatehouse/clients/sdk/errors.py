"""Typed errors of the SDK: the server's ``{"error","message"}`` bodies become exceptions.

The class is chosen by the server's stable ``code`` first, then by the HTTP status; every
error keeps ``code``, ``status``, ``message``, ``retry_after`` and the body's other fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class GatehouseApiError(Exception):
    """The server refused a request (or could not be reached); ``code`` is its stable code."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 0,
        retry_after: float | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{message} ({code})" if message else code)
        self.code = code
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.details: dict[str, Any] = dict(details or {})


class ConnectionLost(GatehouseApiError):
    """The server could not be reached, or the connection broke mid-request."""

    def __init__(self, message: str = "The server could not be reached.") -> None:
        super().__init__("connection_lost", message)


class InvalidInput(GatehouseApiError):
    """400: the request was not valid (``details["field"]`` often names the field)."""


class OrderRejected(InvalidInput):
    """400: an order was refused (insufficient funds, no price, short sale, ...)."""


class NotSignedIn(GatehouseApiError):
    """401: no session, or it has expired or ended; sign in again."""


class SessionEnded(NotSignedIn):
    """The session ended (revoked, signed out, expired); ``reason`` says which."""

    def __init__(self, reason: str, message: str = "", *, code: str = "session_ended") -> None:
        super().__init__(code, message or f"The session ended: {reason}.", status=401)
        self.reason = reason


class ReauthRequired(GatehouseApiError):
    """401 ``reauth_required``: the session is fine, but this needs a fresh password and
    second factor (step-up, registering a gateway, an old passkey device)."""


class InvalidCredentials(GatehouseApiError):
    """401: the username or password is wrong (the same answer for unknown users)."""


class InvalidCode(GatehouseApiError):
    """401: the second-factor code is wrong, or was already used (``code_reused``)."""


class PushDenied(GatehouseApiError):
    """401: the push was denied on the Key device, or the wrong number was picked."""


class Forbidden(GatehouseApiError):
    """403: the session may not do this (CSRF, scope, paper only, ...)."""


class ScopeDenied(Forbidden):
    """403 ``scope``: the credential's scope (e.g. a read-only gateway) does not allow it."""


class PasswordChangeRequired(Forbidden):
    """403: a temporary password must be changed before anything else."""


class NotFound(GatehouseApiError):
    """404: no such thing (account, order, watchlist, sign-in, route, ...)."""


class Conflict(GatehouseApiError):
    """409: the request conflicts with the current state."""


class WrongEnvironment(Conflict):
    """409: paper credentials used on live, or live credentials on paper."""


class FactorUnavailable(Conflict):
    """409: that second factor is not available (none enrolled, card spent, ...)."""


class ChallengeRequired(Conflict):
    """409: ask for a challenge (``challenge(factor)``) before verifying this factor."""


class Expired(GatehouseApiError):
    """410: the sign-in or its challenge has expired; start again."""


class PayloadTooLarge(InvalidInput):
    """413: the request body is too large."""


class Locked(GatehouseApiError):
    """423: the account is locked; ``retry_after`` seconds (None: until support unlocks)."""


class RateLimited(GatehouseApiError):
    """429: too many attempts or requests; wait ``retry_after`` seconds."""


class ServerError(GatehouseApiError):
    """5xx: the server failed or a service it depends on is unavailable."""


class WaitTimedOut(GatehouseApiError):
    """The wait for a push approval ran out before the user answered."""

    def __init__(self, message: str = "No answer came from the Key device in time.") -> None:
        super().__init__("wait_timeout", message)


BY_CODE: dict[str, type[GatehouseApiError]] = {
    "invalid_credentials": InvalidCredentials,
    "bad_signature": InvalidCredentials,
    "invalid_code": InvalidCode,
    "code_reused": InvalidCode,
    "push_denied": PushDenied,
    "push_wrong_number": PushDenied,
    "not_authenticated": NotSignedIn,
    "session_expired": NotSignedIn,
    "reauth_required": ReauthRequired,
    "forbidden": Forbidden,
    "csrf_failed": Forbidden,
    "paper_only": Forbidden,
    "scope": ScopeDenied,
    "password_change_required": PasswordChangeRequired,
    "wrong_environment": WrongEnvironment,
    "factor_unavailable": FactorUnavailable,
    "card_spent": FactorUnavailable,
    "challenge_required": ChallengeRequired,
    "login_expired": Expired,
    "challenge_expired": Expired,
    "locked": Locked,
    "rate_limited": RateLimited,
    "resend_limit": RateLimited,
    "payload_too_large": PayloadTooLarge,
    "layout_too_large": PayloadTooLarge,
    "order_rejected": OrderRejected,
    "insufficient_funds": OrderRejected,
    "short_not_allowed": OrderRejected,
    "sell_exceeds_position": OrderRejected,
    "no_market_price": OrderRejected,
}

BY_STATUS: dict[int, type[GatehouseApiError]] = {
    400: InvalidInput,
    401: NotSignedIn,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Expired,
    413: PayloadTooLarge,
    422: InvalidInput,
    423: Locked,
    429: RateLimited,
}


def error_class(code: str, status: int) -> type[GatehouseApiError]:
    """The exception class for a server error: by code, else by status."""
    found = BY_CODE.get(code)
    if found is not None:
        return found
    if status >= 500:
        return ServerError
    return BY_STATUS.get(status, GatehouseApiError)


def _seconds(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def from_response(status: int, body: object, headers: Mapping[str, str]) -> GatehouseApiError:
    """The typed error for a refused HTTP response (``body`` is its parsed JSON, if any)."""
    fields: dict[str, Any] = dict(body) if isinstance(body, dict) else {}
    code = str(fields.pop("error", "") or f"http_{status}")
    message = str(fields.pop("message", "") or f"The server answered HTTP {status}.")
    retry_after = _seconds(fields.get("retry_after"))
    if retry_after is None:
        retry_after = _seconds(headers.get("retry-after"))
    kind = error_class(code, status)
    return kind(code, message, status=status, retry_after=retry_after, details=fields)

"""Server error codes (domain/errors.py, docs/signin.md) in plain words for the screens."""

from __future__ import annotations

from gatehouse.clients.workstation.formatting import countdown
from gatehouse.clients.workstation.link import ApiError

PLAIN = {
    "invalid_credentials": "That username and password do not match. Check both and try again.",
    "wrong_environment": (
        "These credentials belong to the other trading environment: switch the server "
        "between live and paper (paper has its own username and password)."
    ),
    "factor_unavailable": "This account has no second factor set up; ask support.",
    "login_not_found": "This sign-in has ended. Start again.",
    "login_expired": "This sign-in took too long and expired. Start again.",
    "challenge_required": "Ask for a code first.",
    "challenge_expired": "That code has expired. Ask for a new one.",
    "invalid_code": "That code is not right. Check it and try again.",
    "code_reused": "That code was already used. Wait for the next one.",
    "card_spent": "Your code card has no unused cells left. Use another factor.",
    "resend_limit": "No more codes can be sent for this sign-in. Start again later.",
    "push_denied": "The sign-in was denied on your Key device.",
    "push_wrong_number": "The number picked on your Key did not match: the sign-in was blocked.",
    "password_change_required": (
        "Your password is temporary: change it in the Client Portal first, then sign in here."
    ),
    "unreachable": "The server cannot be reached. Check the address and your network.",
    "connection_lost": "The server cannot be reached. Check the address and your network.",
    "push_expired": "The request on your Key expired. Press 'Send again' for a new one.",
    "not_authenticated": "You are signed out. Sign in again.",
    "session_expired": "Your session has expired. Sign in again.",
}


def lockout_text(seconds: float | None) -> str:
    if seconds is None:
        return "This account is locked by support. Contact support to unlock it."
    return f"Too many failed attempts: the account is locked. Try again in {countdown(seconds)}."


def plain(error: ApiError) -> str:
    """A sentence for a person; the server's own message when the code is unknown."""
    if error.code == "locked":
        retry = error.details.get("retry_after")
        if retry is None and error.message:  # locked until unlocked: the server says how
            return error.message
        return lockout_text(float(retry) if retry is not None else None)
    if error.code == "rate_limited":
        retry = float(error.details.get("retry_after") or 1)
        return f"Too many attempts in a row. Wait {countdown(retry)} before trying again."
    if error.code == "invalid_code" and error.details.get("clock_offset_seconds") is not None:
        return f"{PLAIN['invalid_code']} {error.message}"
    return PLAIN.get(error.code, error.message)

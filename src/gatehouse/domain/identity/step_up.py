"""Step-up: changing how one signs in needs a recent full authentication (NIST SP 800-63B §6.1).

Adding, replacing or removing an authenticator (authenticator app, code card, SMS number,
passkey, Key device) or changing the password is allowed only within a few minutes of a
password + second factor — the sign-in that opened the session, or a step-up inside it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import ReauthRequired

STEP_UP_SECONDS = 300
# A step-up is a sign-in attempt that completes into the session it names, not a new one.
_MARKER = "step-up:"


def marker(session_public_id: str) -> str:
    """The device name a step-up's sign-in attempt carries (it opens no session)."""
    return f"{_MARKER}{session_public_id}"


def is_step_up_for(device_name: str, session_public_id: str) -> bool:
    return device_name == marker(session_public_id)


def is_step_up(device_name: str) -> bool:
    return device_name.startswith(_MARKER)


def ensure_recent(last_full: datetime | None, *, now: datetime) -> None:
    """Refuse with ``reauth_required`` unless a full authentication happened lately."""
    if last_full is None or now - as_utc(last_full) > timedelta(seconds=STEP_UP_SECONDS):
        raise ReauthRequired(
            "Confirm it is you: enter your password and a second factor again "
            f"(needed within {STEP_UP_SECONDS // 60} minutes of a change to how you sign in)."
        )

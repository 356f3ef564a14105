"""Passkeys (WebAuthn) for the mobile biometric unlock, and the periodic full re-authentication.

A thin, explicit layer over py_webauthn: every check takes what it depends on as keyword
arguments (the expected challenge, relying party, origin, stored key and sign count) and
returns what the caller must store. User verification (the biometric or device PIN) is
always required. Nothing here reads the clock or stores anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import (
    InvalidAuthenticationResponse,
    InvalidCBORData,
    InvalidJSONStructure,
    InvalidRegistrationResponse,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import InvalidInput, PasskeyRejected

CHALLENGE_BYTES = 32
TIMEOUT_MS = 60_000
_VERIFY_ERRORS = (
    InvalidAuthenticationResponse,
    InvalidRegistrationResponse,
    InvalidJSONStructure,
    InvalidCBORData,
    ValueError,
    KeyError,
    TypeError,
)


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys belong to: the site's host name (``id``), its origin and a name."""

    id: str
    origin: str
    name: str = "Gatehouse"


@dataclass(frozen=True)
class NewPasskey:
    """A verified registration: what to store for later unlocks."""

    credential_id: str  # base64url
    public_key: bytes
    sign_count: int
    backed_up: bool
    aaguid: str


def registration_options(
    rp: RelyingParty,
    *,
    challenge: bytes,
    user_handle: bytes,
    username: str,
    exclude: list[str],
) -> dict[str, Any]:
    """``PublicKeyCredentialCreationOptions`` as JSON: a discoverable, user-verified key."""
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=user_handle,
        user_name=username,
        user_display_name=username,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in exclude
        ],
    )
    found: dict[str, Any] = json.loads(options_to_json(options))
    return found


def authentication_options(rp: RelyingParty, *, challenge: bytes) -> dict[str, Any]:
    """``PublicKeyCredentialRequestOptions`` as JSON: any discoverable key, verified user."""
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    found: dict[str, Any] = json.loads(options_to_json(options))
    return found


def verify_registration(
    credential: dict[str, Any], *, rp: RelyingParty, expected_challenge: bytes
) -> NewPasskey:
    """Check a new credential against the challenge, site and origin; PasskeyRejected if not."""
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=expected_challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
    except _VERIFY_ERRORS as error:
        raise PasskeyRejected(f"The passkey could not be registered: {error}") from None
    return NewPasskey(
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        backed_up=verified.credential_backed_up,
        aaguid=verified.aaguid,
    )


def verify_assertion(
    credential: dict[str, Any],
    *,
    rp: RelyingParty,
    expected_challenge: bytes,
    public_key: bytes,
    sign_count: int,
) -> int:
    """Check an unlock; returns the new sign count to store. PasskeyRejected if it fails."""
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=expected_challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=public_key,
            credential_current_sign_count=sign_count,
            require_user_verification=True,
        )
    except _VERIFY_ERRORS as error:
        raise PasskeyRejected(f"The passkey was not accepted: {error}") from None
    return int(verified.new_sign_count)


def credential_id_of(credential: object) -> str:
    """The base64url credential id a browser's response names; InvalidInput if it has none."""
    raw = credential.get("rawId") or credential.get("id") if isinstance(credential, dict) else None
    if not isinstance(raw, str) or not 1 <= len(raw) <= 1400:
        raise InvalidInput("credential must be a WebAuthn credential object.", field="credential")
    try:
        return bytes_to_base64url(base64url_to_bytes(raw))
    except ValueError:
        raise InvalidInput("credential.rawId is not base64url.", field="credential") from None


def reauth_due_at(last_full_signin: datetime, *, days: int) -> datetime:
    """When a device's passkey stops unlocking until the full second factor is given again."""
    return as_utc(last_full_signin) + timedelta(days=days)


def needs_full_signin(last_full_signin: datetime | None, *, now: datetime, days: int) -> bool:
    """True when this device has no full sign-in within the last ``days`` days."""
    return last_full_signin is None or now >= reauth_due_at(last_full_signin, days=days)


@dataclass(eq=False)
class Passkey:
    """A registered passkey: its credential id, public key and signature counter."""

    public_id: str
    credential_id: str
    user_id: int
    public_key: bytes
    sign_count: int
    environment: str
    created_at: datetime
    device_name: str = ""
    backed_up: bool = False
    aaguid: str = ""
    last_used_at: datetime | None = None


@dataclass(frozen=True)
class PasskeyChallenge:
    """A one-time WebAuthn challenge: for registering (a signed-in user) or unlocking."""

    public_id: str
    purpose: str  # "register" | "unlock"
    challenge: str  # hex
    expires_at: datetime
    user_id: int | None = None
    environment: str = ""

    def challenge_bytes(self) -> bytes:
        return bytes.fromhex(self.challenge)

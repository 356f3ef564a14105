"""Every error Gatehouse reports: typed exceptions with a stable ``code``.

Only ``gatehouse.api.errors`` turns these into HTTP statuses; the domain and the
services only raise them. The ``code`` strings are part of the public API.
"""

from __future__ import annotations

from typing import Any


class GatehouseError(Exception):
    """Base of every expected failure; ``code`` is stable, ``message`` is for people."""

    code = "error"
    message = "Something went wrong."

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or type(self).message
        self.details: dict[str, Any] = details
        super().__init__(self.message)


# --- input -----------------------------------------------------------------------------
class InvalidInput(GatehouseError):
    code = "invalid_input"
    message = "The request is not valid."


class MalformedRequest(InvalidInput):
    code = "malformed_request"
    message = "The request body is not valid JSON."


class PayloadTooLarge(InvalidInput):
    code = "payload_too_large"
    message = "The request body is too large."


class WeakPassword(InvalidInput):
    code = "weak_password"
    message = "The password does not meet the password policy."


class NotFound(GatehouseError):
    code = "not_found"
    message = "Not found."


class Conflict(GatehouseError):
    code = "conflict"
    message = "The request conflicts with the current state."


class AlreadyExists(Conflict):
    code = "already_exists"
    message = "That already exists."


# --- sign-in ---------------------------------------------------------------------------
class InvalidCredentials(GatehouseError):
    """Wrong username or password; identical whether or not the user exists."""

    code = "invalid_credentials"
    message = "Invalid username password combination."


class WrongEnvironment(GatehouseError):
    code = "wrong_environment"
    message = "These credentials belong to the other trading environment."


class AccountLocked(GatehouseError):
    code = "locked"
    message = "Too many failed attempts: the account is temporarily locked."


class RateLimited(GatehouseError):
    code = "rate_limited"
    message = "Too many requests; slow down."


class LoginNotFound(GatehouseError):
    code = "login_not_found"
    message = "This sign-in attempt does not exist or has ended; start again."


class LoginExpired(GatehouseError):
    code = "login_expired"
    message = "This sign-in attempt has expired; start again."


class FactorUnavailable(GatehouseError):
    code = "factor_unavailable"
    message = "That second factor is not available for this account."


class ChallengeRequired(GatehouseError):
    code = "challenge_required"
    message = "Ask for a challenge for this factor before verifying it."


class ChallengeExpired(GatehouseError):
    code = "challenge_expired"
    message = "The challenge has expired; ask for a new one."


class InvalidCode(GatehouseError):
    code = "invalid_code"
    message = "The code is not valid."


class CodeReused(GatehouseError):
    code = "code_reused"
    message = "That code has already been used; wait for the next one."


class CardSpent(GatehouseError):
    code = "card_spent"
    message = "Your security code card has no unused cells left; use another factor."


class ResendLimit(GatehouseError):
    code = "resend_limit"
    message = "No more codes can be sent for this sign-in; start again later."


class PasswordChangeRequired(GatehouseError):
    code = "password_change_required"
    message = "The password is temporary and must be changed."


class PasskeyRejected(GatehouseError):
    code = "passkey_rejected"
    message = "The passkey was not accepted."


class ReauthRequired(GatehouseError):
    """A passkey unlock refused because the device's last full sign-in is too old."""

    code = "reauth_required"
    message = "Sign in with your password and second factor again to keep using your passkey."


# --- sessions --------------------------------------------------------------------------
class NotAuthenticated(GatehouseError):
    code = "not_authenticated"
    message = "Sign in first."


# --- Key devices and push approval -----------------------------------------------------
class InvalidActivationCode(GatehouseError):
    code = "invalid_activation_code"
    message = "That activation code is not valid, has expired or was already used."


class DeviceNotRecognized(NotAuthenticated):
    code = "device_not_recognized"
    message = "This Key device is not enrolled, or it was revoked; enroll it again."


class StaleRequest(NotAuthenticated):
    code = "stale_request"
    message = "The signed request is too old or from the future; check the device clock."


class BadSignature(GatehouseError):
    code = "bad_signature"
    message = "The signature does not match this device's key."


class PushNotFound(NotFound):
    code = "push_not_found"
    message = "No such push request."


class PushAlreadyDecided(Conflict):
    code = "push_already_decided"
    message = "This push request was already answered or replaced."


class PushDenied(GatehouseError):
    code = "push_denied"
    message = "The sign-in was denied on your Key device."


class PushWrongNumber(GatehouseError):
    code = "push_wrong_number"
    message = "The number picked on your Key device did not match; the sign-in was blocked."


# --- recovery --------------------------------------------------------------------------
class InvalidRecoveryToken(InvalidInput):
    code = "invalid_recovery_token"
    message = "This recovery link is not valid, has expired or was already used; ask for a new one."


class RecoveryNotFound(NotFound):
    code = "recovery_not_found"
    message = "This recovery attempt does not exist or has ended; start again."


class RecoveryFailed(GatehouseError):
    code = "recovery_failed"
    message = "The answers or the code are not right."


class QuestionsNotSet(Conflict):
    code = "questions_not_set"
    message = "This account has no security questions."


class SessionExpired(NotAuthenticated):
    code = "session_expired"
    message = "The session has expired; sign in again."


class CsrfFailed(GatehouseError):
    code = "csrf_failed"
    message = "The request is missing its CSRF token."


class Forbidden(GatehouseError):
    code = "forbidden"
    message = "You may not do that."


class ScopeDenied(Forbidden):
    code = "scope"
    message = "This session is read-only: it may not place, change or cancel orders, or move money."


# --- brokerage -------------------------------------------------------------------------
class OrderRejected(GatehouseError):
    code = "order_rejected"
    message = "The order was rejected."


class InsufficientFunds(OrderRejected):
    code = "insufficient_funds"
    message = "Not enough available funds."


class UnknownInstrument(NotFound):
    code = "unknown_instrument"
    message = "No instrument has that contract id."


class ServiceUnavailable(GatehouseError):
    code = "service_unavailable"
    message = "A service Gatehouse depends on is unavailable; try again shortly."


# --- brokerage: trading core ------------------------------------------------------------
class ShortSaleNotAllowed(OrderRejected):
    code = "short_not_allowed"
    message = "Short selling is not allowed in a cash account."


class SellExceedsPosition(OrderRejected):
    code = "sell_exceeds_position"
    message = "You cannot sell more shares than you hold in a cash account."


class NoMarketPrice(OrderRejected):
    code = "no_market_price"
    message = "There is no market price to value this order; use a limit order."


class InvalidOrderTransition(Conflict):
    code = "invalid_order_transition"
    message = "The order cannot move to that status."


# --- market data, watchlists, alerts, layouts, statements -------------------------------
class WatchlistNotFound(NotFound):
    code = "watchlist_not_found"
    message = "No watchlist has that id."


class WatchlistExists(AlreadyExists):
    code = "watchlist_exists"
    message = "A watchlist with that id already exists."


class AlertNotFound(NotFound):
    code = "alert_not_found"
    message = "No price alert has that id."


class LayoutNotFound(NotFound):
    code = "layout_not_found"
    message = "No layout has that name."


class LayoutTooLarge(PayloadTooLarge):
    code = "layout_too_large"
    message = "The layout document is too large."


class LimitReached(Conflict):
    code = "limit_reached"
    message = "You have reached the maximum number of these."


# --- brokerage: accounts, orders, replies, funding --------------------------------------
class AccountNotFound(NotFound):
    code = "account_not_found"
    message = "No such account is available to this session."


class OrderNotFound(NotFound):
    code = "order_not_found"
    message = "No order has that id in this account."


class ReplyNotFound(NotFound):
    code = "reply_not_found"
    message = "This question was already answered, has expired, or never existed."


class PaperOnly(Forbidden):
    code = "paper_only"
    message = "Only paper accounts can do that."


class UnsupportedSecType(InvalidInput):
    code = "unsupported_sec_type"
    message = "Only stocks and ETFs are traded here; options, futures and bonds are not."

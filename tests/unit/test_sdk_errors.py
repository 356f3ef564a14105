"""The SDK's error mapping: the server's code picks the class, else the HTTP status."""

from __future__ import annotations

import pytest

from gatehouse.clients.sdk import errors as e


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (401, "invalid_credentials", e.InvalidCredentials),
        (401, "code_reused", e.InvalidCode),
        (401, "push_wrong_number", e.PushDenied),
        (401, "session_expired", e.NotSignedIn),
        (401, "reauth_required", e.ReauthRequired),
        (401, "device_not_recognized", e.NotSignedIn),  # by status
        (403, "scope", e.ScopeDenied),
        (403, "password_change_required", e.PasswordChangeRequired),
        (403, "csrf_failed", e.Forbidden),
        (404, "order_not_found", e.NotFound),
        (409, "wrong_environment", e.WrongEnvironment),
        (409, "card_spent", e.FactorUnavailable),
        (409, "invalid_order_transition", e.Conflict),
        (410, "challenge_expired", e.Expired),
        (400, "insufficient_funds", e.OrderRejected),
        (400, "invalid_input", e.InvalidInput),
        (413, "layout_too_large", e.PayloadTooLarge),
        (423, "locked", e.Locked),
        (429, "resend_limit", e.RateLimited),
        (503, "service_unavailable", e.ServerError),
        (418, "teapot", e.GatehouseApiError),
    ],
)
def test_the_class_follows_the_code_then_the_status(status, code, kind):
    error = e.from_response(status, {"error": code, "message": "No."}, {})
    assert type(error) is kind
    assert (error.status, error.code, error.message) == (status, code, "No.")


def test_retry_after_and_details_are_kept():
    body = {"error": "rate_limited", "message": "Wait.", "retry_after": 8, "field": "x"}
    error = e.from_response(429, body, {"retry-after": "99"})
    assert error.retry_after == 8.0 and error.details == {"retry_after": 8, "field": "x"}
    from_header = e.from_response(429, {"error": "rate_limited"}, {"retry-after": "3"})
    assert from_header.retry_after == 3.0
    locked = e.from_response(423, {"error": "locked", "retry_after": None}, {})
    assert locked.retry_after is None


def test_a_body_that_is_not_an_error_object_still_gives_a_typed_error():
    error = e.from_response(502, "<html>Bad gateway</html>", {})
    assert isinstance(error, e.ServerError) and error.code == "http_502" and error.message

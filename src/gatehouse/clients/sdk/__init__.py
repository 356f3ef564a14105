"""The Python SDK of Gatehouse's public API: ``AsyncGatehouse`` (async) and ``Gatehouse`` (sync).

Clients (Gateway, Workstation, Key, TWS API) reach the server only through this package;
see docs/sdk.md.
"""

from gatehouse.clients.sdk.blocking import Gatehouse
from gatehouse.clients.sdk.client import AsyncGatehouse
from gatehouse.clients.sdk.errors import (
    ChallengeRequired,
    Conflict,
    ConnectionLost,
    Expired,
    FactorUnavailable,
    Forbidden,
    GatehouseApiError,
    InvalidCode,
    InvalidCredentials,
    InvalidInput,
    Locked,
    NotFound,
    NotSignedIn,
    OrderRejected,
    PasswordChangeRequired,
    PayloadTooLarge,
    PushDenied,
    RateLimited,
    ReauthRequired,
    ScopeDenied,
    ServerError,
    SessionEnded,
    WaitTimedOut,
    WrongEnvironment,
)
from gatehouse.clients.sdk.events import EventStream
from gatehouse.clients.sdk.known_device import DeviceTokens, FileDeviceTokens
from gatehouse.clients.sdk.models import (
    CardChallenge,
    Challenge,
    Event,
    LoginChallenge,
    PushChallenge,
    Resync,
    Session,
    SmsChallenge,
)
from gatehouse.clients.sdk.trading import OrderTicket, PlacedOrder, Question

__all__ = [
    "AsyncGatehouse",
    "CardChallenge",
    "Challenge",
    "ChallengeRequired",
    "Conflict",
    "ConnectionLost",
    "DeviceTokens",
    "Event",
    "EventStream",
    "Expired",
    "FactorUnavailable",
    "FileDeviceTokens",
    "Forbidden",
    "Gatehouse",
    "GatehouseApiError",
    "InvalidCode",
    "InvalidCredentials",
    "InvalidInput",
    "Locked",
    "LoginChallenge",
    "NotFound",
    "NotSignedIn",
    "OrderRejected",
    "OrderTicket",
    "PasswordChangeRequired",
    "PayloadTooLarge",
    "PlacedOrder",
    "PushChallenge",
    "PushDenied",
    "Question",
    "RateLimited",
    "ReauthRequired",
    "Resync",
    "ScopeDenied",
    "ServerError",
    "Session",
    "SessionEnded",
    "SmsChallenge",
    "WaitTimedOut",
    "WrongEnvironment",
]

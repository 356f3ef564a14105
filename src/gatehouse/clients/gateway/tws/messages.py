"""TWS API message ids (incoming requests, outgoing answers), tick types and the IBKR error
codes and texts the server sends."""

from __future__ import annotations

from enum import IntEnum


class In(IntEnum):
    """Requests a client sends (the first field)."""

    REQ_MKT_DATA = 1
    CANCEL_MKT_DATA = 2
    PLACE_ORDER = 3
    CANCEL_ORDER = 4
    REQ_OPEN_ORDERS = 5
    REQ_ACCT_DATA = 6
    REQ_EXECUTIONS = 7
    REQ_IDS = 8
    REQ_CONTRACT_DATA = 9
    REQ_MKT_DEPTH = 10
    CANCEL_MKT_DEPTH = 11
    REQ_NEWS_BULLETINS = 12
    CANCEL_NEWS_BULLETINS = 13
    SET_SERVER_LOGLEVEL = 14
    REQ_AUTO_OPEN_ORDERS = 15
    REQ_ALL_OPEN_ORDERS = 16
    REQ_MANAGED_ACCTS = 17
    REQ_HISTORICAL_DATA = 20
    REQ_SCANNER_SUBSCRIPTION = 22
    CANCEL_SCANNER_SUBSCRIPTION = 23
    REQ_SCANNER_PARAMETERS = 24
    CANCEL_HISTORICAL_DATA = 25
    REQ_CURRENT_TIME = 49
    REQ_REAL_TIME_BARS = 50
    CANCEL_REAL_TIME_BARS = 51
    REQ_FUNDAMENTAL_DATA = 52
    REQ_GLOBAL_CANCEL = 58
    REQ_MARKET_DATA_TYPE = 59
    REQ_POSITIONS = 61
    REQ_ACCOUNT_SUMMARY = 62
    CANCEL_ACCOUNT_SUMMARY = 63
    CANCEL_POSITIONS = 64
    START_API = 71
    REQ_POSITIONS_MULTI = 74
    CANCEL_POSITIONS_MULTI = 75
    REQ_ACCOUNT_UPDATES_MULTI = 76
    CANCEL_ACCOUNT_UPDATES_MULTI = 77
    REQ_SEC_DEF_OPT_PARAMS = 78
    REQ_MATCHING_SYMBOLS = 81
    REQ_HEAD_TIMESTAMP = 87
    CANCEL_HEAD_TIMESTAMP = 90
    REQ_PNL = 92
    CANCEL_PNL = 93
    REQ_PNL_SINGLE = 94
    CANCEL_PNL_SINGLE = 95
    REQ_HISTORICAL_TICKS = 96
    REQ_TICK_BY_TICK_DATA = 97
    CANCEL_TICK_BY_TICK_DATA = 98
    REQ_COMPLETED_ORDERS = 99
    REQ_USER_INFO = 104


class Out(IntEnum):
    """Messages the server sends (the first field)."""

    TICK_PRICE = 1
    TICK_SIZE = 2
    ORDER_STATUS = 3
    ERR_MSG = 4
    OPEN_ORDER = 5
    ACCT_VALUE = 6
    PORTFOLIO_VALUE = 7
    ACCT_UPDATE_TIME = 8
    NEXT_VALID_ID = 9
    CONTRACT_DATA = 10
    EXECUTION_DATA = 11
    MANAGED_ACCTS = 15
    HISTORICAL_DATA = 17
    TICK_GENERIC = 45
    TICK_STRING = 46
    CURRENT_TIME = 49
    CONTRACT_DATA_END = 52
    OPEN_ORDER_END = 53
    ACCT_DOWNLOAD_END = 54
    EXECUTION_DATA_END = 55
    TICK_SNAPSHOT_END = 57
    MARKET_DATA_TYPE = 58
    COMMISSION_REPORT = 59
    POSITION_DATA = 61
    POSITION_END = 62
    ACCOUNT_SUMMARY = 63
    ACCOUNT_SUMMARY_END = 64
    POSITION_MULTI = 71
    POSITION_MULTI_END = 72
    ACCOUNT_UPDATE_MULTI = 73
    ACCOUNT_UPDATE_MULTI_END = 74
    SYMBOL_SAMPLES = 79
    TICK_REQ_PARAMS = 81
    HEAD_TIMESTAMP = 88
    HISTORICAL_DATA_UPDATE = 90
    PNL = 94
    PNL_SINGLE = 95
    COMPLETED_ORDER = 101
    COMPLETED_ORDERS_END = 102
    USER_INFO = 107


class Tick(IntEnum):
    """Tick types of tickPrice / tickSize / tickString / tickGeneric."""

    BID_SIZE = 0
    BID = 1
    ASK = 2
    ASK_SIZE = 3
    LAST = 4
    LAST_SIZE = 5
    HIGH = 6
    LOW = 7
    VOLUME = 8
    CLOSE = 9
    OPEN = 14
    LAST_TIMESTAMP = 45
    HALTED = 49


NO_ID = -1

# IBKR error codes and their texts (the clients act on the codes; texts follow TWS's wording).
PACING = 100  # more than 50 messages a second
DUPLICATE_ORDER_ID = 103
NO_SECURITY_DEFINITION = 200
ORDER_REJECTED = 201
ORDER_CANCELLED = 202
HISTORICAL_DATA_ERROR = 162
NO_HISTORICAL_QUERY = 366
ALREADY_CONNECTED = 326  # clientId in use
NOT_CONNECTED = 504
UNSUPPORTED_NO_ID = 321  # a request Gatehouse does not serve, with no request id
UNSUPPORTED = 322  # a request Gatehouse does not serve, answered on its request id
ORDER_NOT_FOUND = 10147
UPSTREAM_LOST = 1100
UPSTREAM_RESTORED_LOST = 1101
UPSTREAM_RESTORED = 1102
FARM_MARKET_DATA_OK = 2104
FARM_HMDS_OK = 2106
FARM_SECDEF_OK = 2158

TEXTS = {
    PACING: "Max rate of messages per second has been exceeded:max=50 rec={count} (1)",
    DUPLICATE_ORDER_ID: "Duplicate order id",
    NO_SECURITY_DEFINITION: "No security definition has been found for the request",
    ORDER_REJECTED: "Order rejected - reason:{reason}",
    ORDER_CANCELLED: "Order Canceled - reason:{reason}",
    HISTORICAL_DATA_ERROR: "Historical Market Data Service error message:{reason}",
    NO_HISTORICAL_QUERY: "No historical data query found for ticker id:{ticker}",
    ALREADY_CONNECTED: "Unable to connect as the client id is already in use. Retry with a "
    "unique client id.",
    UNSUPPORTED_NO_ID: "Error validating request.-'{name}' : cause - {name} (message id {msg_id}) "
    "is not supported by Gatehouse",
    UNSUPPORTED: "Error processing request.-'{name}' : cause - {name} (message id {msg_id}) "
    "is not supported by Gatehouse",
    ORDER_NOT_FOUND: "OrderId {order_id} that needs to be cancelled is not found.",
    UPSTREAM_LOST: "Connectivity between IB and Trader Workstation has been lost.",
    UPSTREAM_RESTORED_LOST: "Connectivity between IB and Trader Workstation has been restored - "
    "data lost.",
    UPSTREAM_RESTORED: "Connectivity between IB and Trader Workstation has been restored - "
    "data maintained.",
    FARM_MARKET_DATA_OK: "Market data farm connection is OK:usfarm",
    FARM_HMDS_OK: "HMDS data farm connection is OK:ushmds",
    FARM_SECDEF_OK: "Sec-def data farm connection is OK:secdefnj",
}


def error_text(code: int, **values: object) -> str:
    return TEXTS[code].format(**values)


def request_name(msg_id: int) -> str:
    """A request's API name (``reqScannerSubscription``) for error texts."""
    try:
        words = In(msg_id).name.lower().split("_")
    except ValueError:
        return f"message {msg_id}"
    return words[0] + "".join(w.capitalize() for w in words[1:])

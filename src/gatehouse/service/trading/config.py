"""Operator choices for the brokerage core, built from settings by ``gatehouse.bootstrap``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from gatehouse.domain.trading.margin import AccountType
from gatehouse.domain.trading.questions import DEFAULT_PRICE_PERCENTAGE, DEFAULT_TOTAL_VALUE_LIMIT


@dataclass(frozen=True)
class TradingConfig:
    paper_starting_cash: Decimal = Decimal(1_000_000)
    live_account_type: AccountType = AccountType.MARGIN
    paper_account_type: AccountType = AccountType.MARGIN
    settlement_seconds: float = 0.0  # 0: a transfer settles at the matching engine's next step
    reply_ttl_seconds: int = 300  # how long an order waits for its questions to be answered
    total_value_limit: Decimal = DEFAULT_TOTAL_VALUE_LIMIT
    price_percentage: Decimal = DEFAULT_PRICE_PERCENTAGE
    book_cache_seconds: float = 2.0  # per-node cache of account books for reads
    engine_enabled: bool = True
    engine_max_sleep_seconds: float = 1.0

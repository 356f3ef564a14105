"""The whole schema: imports every table module so ``metadata`` knows all tables.

Each context keeps its tables in ``adapters/db/<context>/tables*.py`` on the shared
``metadata`` (``metadata.py``); add new modules here.
Alembic, the engine and the tests import this module, never a single table module.
"""

from __future__ import annotations

from gatehouse.adapters.db.identity import (
    tables,
    tables_gateway,
    tables_key,
    tables_passkeys,
    tables_recovery,
)
from gatehouse.adapters.db.lists import tables as tables_lists
from gatehouse.adapters.db.metadata import metadata
from gatehouse.adapters.db.support import tables as tables_messages
from gatehouse.adapters.db.sync import tables as tables_sync
from gatehouse.adapters.db.trading import tables as tables_trading

__all__ = [
    "metadata",
    "tables",
    "tables_gateway",
    "tables_key",
    "tables_lists",
    "tables_messages",
    "tables_passkeys",
    "tables_recovery",
    "tables_sync",
    "tables_trading",
]

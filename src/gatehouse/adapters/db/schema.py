"""The whole schema: imports every table module so ``metadata`` knows all tables.

Each area keeps its tables in its own module (``tables.py`` for identity and sign-in,
``tables_<area>.py`` for the others) on the shared ``metadata``; add new modules here.
Alembic, the engine and the tests import this module, never a single table module.
"""

from __future__ import annotations

from gatehouse.adapters.db import (
    tables,
    tables_key,
    tables_lists,
    tables_messages,
    tables_passkeys,
    tables_recovery,
    tables_trading,
)
from gatehouse.adapters.db.tables import metadata

__all__ = [
    "metadata",
    "tables",
    "tables_key",
    "tables_lists",
    "tables_messages",
    "tables_passkeys",
    "tables_recovery",
    "tables_trading",
]

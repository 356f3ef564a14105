"""nav history: each account's NAV, cash flow and return at every daily close

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 03:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gatehouse.adapters.db.trading.tables

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    money = gatehouse.adapters.db.trading.tables.Money(length=48)
    op.create_table(
        "nav_history",
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("nav", money, nullable=False),
        sa.Column("cash_flow", money, nullable=False),
        sa.Column("daily_return", money, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["brokerage_accounts.account_id"],
            name=op.f("fk_nav_history_account_id_brokerage_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "day", name=op.f("pk_nav_history")),
    )


def downgrade() -> None:
    op.drop_table("nav_history")

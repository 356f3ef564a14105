"""linked orders: bracket parents, one-cancels-all groups, trailing stops, outside RTH

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 03:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gatehouse.adapters.db.trading.tables

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("oca_group", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "trailing_amount",
                gatehouse.adapters.db.trading.tables.Money(length=48),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("trailing_type", sa.String(length=3), nullable=True))
        batch_op.add_column(
            sa.Column("outside_rth", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("outside_rth")
        batch_op.drop_column("trailing_type")
        batch_op.drop_column("trailing_amount")
        batch_op.drop_column("oca_group")
        batch_op.drop_column("parent_id")

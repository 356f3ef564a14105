"""known devices: an index on created_at, for pruning the expired ones in batches

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 11:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("known_devices", schema=None) as batch_op:
        batch_op.create_index("ix_known_devices_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("known_devices", schema=None) as batch_op:
        batch_op.drop_index("ix_known_devices_created_at")

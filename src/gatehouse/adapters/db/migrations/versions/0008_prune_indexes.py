"""short-lived identity rows: indexes on expires_at (created_at for the SMS outbox), for
pruning the ones no longer needed in batches, oldest first

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 14:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("push_challenges", "ix_push_challenges_expires_at", "expires_at"),
    ("key_activations", "ix_key_activations_expires_at", "expires_at"),
    ("recovery_tokens", "ix_recovery_tokens_expires_at", "expires_at"),
    ("recovery_attempts", "ix_recovery_attempts_expires_at", "expires_at"),
    ("gateway_challenges", "ix_gateway_challenges_expires_at", "expires_at"),
    ("sms_outbox", "ix_sms_outbox_created_at", "created_at"),
)


def upgrade() -> None:
    for table, name, column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, [column], unique=False)


def downgrade() -> None:
    for table, name, _column in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)

"""sessions and sign-in attempts: indexes for pruning the ones over (sessions by ended_at
and by expires_at; attempts by session_public_id then expires_at, which also serves
last_full_signin's lookup of the attempts behind a session)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 15:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("sessions", "ix_sessions_ended_at", ["ended_at"]),
    ("sessions", "ix_sessions_expires_at", ["expires_at"]),
    ("login_attempts", "ix_login_attempts_session_expires", ["session_public_id", "expires_at"]),
)


def upgrade() -> None:
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)

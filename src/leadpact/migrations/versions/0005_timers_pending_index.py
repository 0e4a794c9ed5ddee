"""an index on timers that are neither fired nor cancelled

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 03:45:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.create_index("ix_timers_pending", ["fired_at", "cancelled_at", "due_at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_index("ix_timers_pending")

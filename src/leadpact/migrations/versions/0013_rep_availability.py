"""a rep's return date, and who last changed their availability

Revision ID: 0013
Revises: 0007
Create Date: 2026-12-07 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import leadpact.db

revision = "0013"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("away_until", leadpact.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("availability_changed_by", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("availability_changed_at", leadpact.db.UtcDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.drop_column("availability_changed_at")
        batch_op.drop_column("availability_changed_by")
        batch_op.drop_column("away_until")

"""signed CRM webhook requests already received, to refuse replays

Revision ID: 0012
Revises: 0005
Create Date: 2026-12-07 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import leadpact.db

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "crm_webhook_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crm", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("received_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_webhook_signatures")),
        sa.UniqueConstraint("crm", "signature", name="uq_crm_webhook_signatures_crm_signature"),
    )
    with op.batch_alter_table("crm_webhook_signatures", schema=None) as batch_op:
        batch_op.create_index("ix_crm_webhook_signatures_received_at", ["received_at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("crm_webhook_signatures", schema=None) as batch_op:
        batch_op.drop_index("ix_crm_webhook_signatures_received_at")
    op.drop_table("crm_webhook_signatures")

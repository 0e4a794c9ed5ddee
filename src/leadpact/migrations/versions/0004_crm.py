"""crm connections and links

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 19:57:49.283155
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import leadpact.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "crm_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crm", sa.String(length=16), nullable=False),
        sa.Column("base_url", sa.Text(), nullable=True),
        sa.Column("token", sa.Text(), nullable=True),
        sa.Column("webhook_secret", sa.Text(), nullable=True),
        sa.Column("ca_bundle", sa.Text(), nullable=True),
        sa.Column("mapping_file", sa.Text(), nullable=True),
        sa.Column(
            "options", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("pull_cursor", leadpact.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_pull_at", leadpact.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_pull_changes", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_connections")),
        sa.UniqueConstraint("crm", name=op.f("uq_crm_connections_crm")),
    )
    op.create_table(
        "crm_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crm", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("local_id", sa.Integer(), nullable=False),
        sa.Column("crm_id", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=80), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("updated_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_links")),
        sa.UniqueConstraint("crm", "kind", "local_id", name="uq_crm_links_crm_kind_local"),
    )
    with op.batch_alter_table("crm_links", schema=None) as batch_op:
        batch_op.create_index("ix_crm_links_remote", ["crm", "kind", "crm_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("crm_links", schema=None) as batch_op:
        batch_op.drop_index("ix_crm_links_remote")

    op.drop_table("crm_links")
    op.drop_table("crm_connections")

"""historic outcomes on opportunities (by person or account alone, with their source); firmographics and the
provenance of enriched account values

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-07 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import leadpact.db

revision = "0009"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("opened_at", existing_type=leadpact.db.UtcDateTime(timezone=True), nullable=True)
        batch_op.add_column(sa.Column("source", sa.String(length=16), server_default="leadpact", nullable=False))
        batch_op.add_column(sa.Column("external_id", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("name", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("source_stage", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("owner", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("recorded_at", leadpact.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("details", leadpact.db.JsonDoc, server_default=sa.text("'{}'"),
                                      nullable=False))
        batch_op.create_unique_constraint("uq_opportunities_source_external_id", ["source", "external_id"])
        batch_op.create_index("ix_opportunities_account_id", ["account_id"], unique=False)

    op.create_table(
        "firmographics",
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("industry", sa.String(length=120), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("loaded_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_firmographics")),
    )
    op.create_table(
        "account_enrichments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("enriched_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_account_enrichments_account_id_accounts"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_enrichments")),
        sa.UniqueConstraint("account_id", "field", name="uq_account_enrichments_account_field"),
    )


def downgrade() -> None:

    op.drop_table("account_enrichments")
    op.drop_table("firmographics")
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunities_account_id")
        batch_op.drop_constraint("uq_opportunities_source_external_id", type_="unique")
        for column in ("details", "recorded_at", "owner", "source_stage", "name", "external_id", "source"):
            batch_op.drop_column(column)
        batch_op.alter_column("opened_at", existing_type=leadpact.db.UtcDateTime(timezone=True), nullable=False)
        batch_op.alter_column("person_id", existing_type=sa.Integer(), nullable=False)

"""handoffs, opportunities, outbox, channels, timers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 18:36:55.729498
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import leadpact.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "notification_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=True),
        sa.Column(
            "topics", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("rep_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["reps.id"], name=op.f("fk_notification_channels_rep_id_reps"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_channels")),
    )
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("rep_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("pact_version", sa.Integer(), nullable=True),
        sa.Column("routing_rule", sa.Integer(), nullable=True),
        sa.Column("routing_reason", sa.Text(), nullable=False),
        sa.Column("brief", sa.Text(), nullable=False),
        sa.Column(
            "brief_facts", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "timeline", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "criteria", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sla_due_at", leadpact.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("first_touch_at", leadpact.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("first_touch_source", sa.String(length=32), nullable=True),
        sa.Column("sla_breached_at", leadpact.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", leadpact.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("reassigned_at", leadpact.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("reassigned_from_rep_id", sa.Integer(), nullable=True),
        sa.Column("feedback_due_at", leadpact.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("disposition_at", leadpact.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("disposition_actor", sa.String(length=320), nullable=True),
        sa.Column("rejection_reason", sa.String(length=64), nullable=True),
        sa.Column("rejection_note", sa.Text(), nullable=True),
        sa.Column(
            "qualification",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_handoffs_account_id_accounts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_handoffs_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reassigned_from_rep_id"],
            ["reps.id"],
            name=op.f("fk_handoffs_reassigned_from_rep_id_reps"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["rep_id"], ["reps.id"], name=op.f("fk_handoffs_rep_id_reps"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_handoffs_team_id_teams"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
    )
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.create_index("ix_handoffs_person", ["person_id"], unique=False)
        batch_op.create_index("ix_handoffs_rep_state", ["rep_id", "state"], unique=False)

    op.create_table(
        "opportunities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Double(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("opened_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", leadpact.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("lost_reason", sa.String(length=120), nullable=True),
        sa.Column("crm_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_opportunities_account_id_accounts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["handoff_id"], ["handoffs.id"], name=op.f("fk_opportunities_handoff_id_handoffs"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_opportunities_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunities")),
    )
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opportunities_handoff_id"), ["handoff_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_person_id"), ["person_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("locked_by", sa.String(length=120), nullable=True),
        sa.Column("locked_until", leadpact.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("handoff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", leadpact.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["handoff_id"], ["handoffs.id"], name=op.f("fk_outbox_handoff_id_handoffs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_handoff_id"), ["handoff_id"], unique=False)

    op.create_table(
        "timers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("due_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("fired_at", leadpact.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("fired_by", sa.String(length=120), nullable=True),
        sa.Column("cancelled_at", leadpact.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["handoff_id"], ["handoffs.id"], name=op.f("fk_timers_handoff_id_handoffs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timers")),
        sa.UniqueConstraint("handoff_id", "kind", name="uq_timers_handoff_kind"),
    )
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.create_index("ix_timers_due", ["fired_at", "due_at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_index("ix_timers_due")

    op.drop_table("timers")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_handoff_id"))
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox")
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunities_person_id"))
        batch_op.drop_index(batch_op.f("ix_opportunities_handoff_id"))

    op.drop_table("opportunities")
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_index("ix_handoffs_rep_state")
        batch_op.drop_index("ix_handoffs_person")

    op.drop_table("handoffs")
    op.drop_table("notification_channels")

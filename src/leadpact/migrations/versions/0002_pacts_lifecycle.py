"""pact versions, approvals, activations, evaluations, lifecycle audit trail

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 18:14:30.923275
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import leadpact.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "lifecycle_transitions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=False),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("pact_version", sa.Integer(), nullable=True),
        sa.Column(
            "reasons", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("triggering_message_id", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_transitions")),
    )
    with op.batch_alter_table("lifecycle_transitions", schema=None) as batch_op:
        batch_op.create_index("ix_lifecycle_transitions_person_at", ["person_id", "at"], unique=False)

    op.create_table(
        "pact_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("approved_at", leadpact.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("activated_at", leadpact.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("retired_at", leadpact.db.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pact_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_pact_versions_version")),
    )
    with op.batch_alter_table("pact_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pact_versions_state"), ["state"], unique=False)

    op.create_table(
        "pact_activations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pact_version_id", sa.Integer(), nullable=False),
        sa.Column("previous_version", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("people_evaluated", sa.Integer(), nullable=False),
        sa.Column("people_moved", sa.Integer(), nullable=False),
        sa.Column(
            "moves", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pact_version_id"], ["pact_versions.id"], name=op.f("fk_pact_activations_pact_version_id_pact_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pact_activations")),
    )
    with op.batch_alter_table("pact_activations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pact_activations_pact_version_id"), ["pact_version_id"], unique=False)

    op.create_table(
        "pact_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pact_version_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(length=255), nullable=False),
        sa.Column("user_email", sa.String(length=320), nullable=False),
        sa.Column("at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pact_version_id"],
            ["pact_versions.id"],
            name=op.f("fk_pact_approvals_pact_version_id_pact_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_pact_approvals_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pact_approvals")),
        sa.UniqueConstraint("pact_version_id", "side", name="uq_pact_approvals_version_side"),
    )
    with op.batch_alter_table("pact_approvals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pact_approvals_pact_version_id"), ["pact_version_id"], unique=False)

    op.create_table(
        "evaluations",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("pact_version", sa.Integer(), nullable=False),
        sa.Column("fit_score", sa.Float(), nullable=False),
        sa.Column("grade", sa.String(length=8), nullable=True),
        sa.Column("engagement_score", sa.Float(), nullable=False),
        sa.Column("persona", sa.String(length=64), nullable=True),
        sa.Column("buying_role", sa.Boolean(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column(
            "matched", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "missing", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("evaluated_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_evaluations_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_evaluations")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_count", sa.Integer(), nullable=False, server_default="0"))
    _forbid_audit_changes()
    # Exactly one active version, enforced by the database as well as by activation's row lock.
    op.create_index(
        "uq_pact_versions_one_active",
        "pact_versions",
        ["state"],
        unique=True,
        sqlite_where=sa.text("state = 'active'"),
        postgresql_where=sa.text("state = 'active'"),
    )


APPEND_ONLY = "the lifecycle audit trail is append-only: rows cannot be updated or deleted"


def _forbid_audit_changes() -> None:
    """Make the database itself refuse edits to the audit trail, whatever client connects."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION lifecycle_transitions_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER lifecycle_transitions_append_only BEFORE UPDATE OR DELETE ON lifecycle_transitions "
            "FOR EACH ROW EXECUTE FUNCTION lifecycle_transitions_append_only()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER lifecycle_transitions_no_{action.lower()} BEFORE {action} ON lifecycle_transitions "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def downgrade() -> None:
    op.drop_index("uq_pact_versions_one_active", table_name="pact_versions")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS lifecycle_transitions_append_only ON lifecycle_transitions")
        op.execute("DROP FUNCTION IF EXISTS lifecycle_transitions_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS lifecycle_transitions_no_update")
        op.execute("DROP TRIGGER IF EXISTS lifecycle_transitions_no_delete")

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("event_count")

    op.drop_table("evaluations")
    with op.batch_alter_table("pact_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pact_approvals_pact_version_id"))

    op.drop_table("pact_approvals")
    with op.batch_alter_table("pact_activations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pact_activations_pact_version_id"))

    op.drop_table("pact_activations")
    with op.batch_alter_table("pact_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pact_versions_state"))

    op.drop_table("pact_versions")
    with op.batch_alter_table("lifecycle_transitions", schema=None) as batch_op:
        batch_op.drop_index("ix_lifecycle_transitions_person_at")

    op.drop_table("lifecycle_transitions")

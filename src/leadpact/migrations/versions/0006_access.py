"""sign-in and access: user sessions, failed sign-ins, installation secrets, personal tokens, the audit trail

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import leadpact.db

revision = "0006"
down_revision = "0012"
branch_labels = None
depends_on = None

APPEND_ONLY = "the audit trail is append-only: rows cannot be updated or deleted"


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", leadpact.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("ended_because", sa.String(length=32), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.create_index("ix_sign_in_failures_key_at", ["key", "at"], unique=False)
    op.create_table(
        "installation_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_installation_secrets")),
    )
    audit = op.create_table(
        "audit_trail",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_key_id", sa.Integer(), nullable=True),
        sa.Column("on_behalf_of", sa.String(length=320), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column(
            "details", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_trail")),
    )
    with op.batch_alter_table("audit_trail", schema=None) as batch_op:
        batch_op.create_index("ix_audit_trail_subject", ["subject", "action"], unique=False)
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_api_keys_user_id"), ["user_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_api_keys_user_id_users"), "users", ["user_id"], ["id"],
                                    ondelete="CASCADE")
    _signatures_into_the_trail(audit)
    _forbid_audit_changes()


def _signatures_into_the_trail(audit: sa.Table) -> None:
    """The pact document reads its signatures from the audit trail: carry over the ones given before it existed."""
    approvals = sa.table("pact_approvals", sa.column("pact_version_id", sa.Integer()), sa.column("side", sa.String()),
                         sa.column("user_id", sa.Integer()), sa.column("user_name", sa.String()),
                         sa.column("user_email", sa.String()), sa.column("at", leadpact.db.UtcDateTime()))
    versions = sa.table("pact_versions", sa.column("id", sa.Integer()), sa.column("version", sa.Integer()))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(approvals.c.side, approvals.c.user_id, approvals.c.user_name, approvals.c.user_email,
                  approvals.c.at, versions.c.version)
        .join(versions, versions.c.id == approvals.c.pact_version_id)
        .order_by(approvals.c.at)
    ).all()
    if rows:
        op.bulk_insert(audit, [
            {"at": row.at, "actor": row.user_email, "actor_user_id": row.user_id, "actor_key_id": None,
             "on_behalf_of": None, "action": "pact.signed", "subject": f"pact:{row.version}",
             "details": {"side": row.side, "name": row.user_name, "email": row.user_email}}
            for row in rows
        ])


def _forbid_audit_changes() -> None:
    """Make the database itself refuse edits to the audit trail, whatever client connects."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_trail_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_trail_append_only BEFORE UPDATE OR DELETE ON audit_trail "
            "FOR EACH ROW EXECUTE FUNCTION audit_trail_append_only()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_trail_no_{action.lower()} BEFORE {action} ON audit_trail "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_trail_append_only ON audit_trail")
        op.execute("DROP FUNCTION IF EXISTS audit_trail_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_trail_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_trail_no_delete")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_api_keys_user_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_api_keys_user_id"))
        batch_op.drop_column("user_id")
    with op.batch_alter_table("audit_trail", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_trail_subject")
    op.drop_table("audit_trail")
    op.drop_table("installation_secrets")
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_failures_key_at")
    op.drop_table("sign_in_failures")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))
    op.drop_table("user_sessions")

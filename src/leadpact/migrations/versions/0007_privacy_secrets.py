"""privacy and secrets: the erasure log, erased people, the audit trail's one redaction path, sealed secrets, and
outbox rows that reference their channel instead of copying its URL and secret

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-24 10:00:00.000000

Existing secrets are sealed here, in the migration (not on first use): after it, the database holds no CRM token,
webhook URL or signing secret in the clear. When there are some to seal, the key comes from LEADPACT_SECRETS_KEY or
the key file (`leadpact.sealing`), generated if neither exists. Outbox rows that copied a channel's URL and secret
now name the channel (`channel:N`) and lose the copy; their idempotency keys are renamed the same way so a repeated
notification is still recognised.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import leadpact.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
APPEND_ONLY = "the lifecycle audit trail is append-only: rows cannot be updated or deleted"
ERASURES_APPEND_ONLY = "the erasure log is append-only: rows cannot be updated or deleted"
# A redaction may change only `reasons` and `triggering_message_id`, and must name a recorded erasure.
SAME_FACTS = ("NEW.id = OLD.id AND NEW.person_id = OLD.person_id AND NEW.from_status = OLD.from_status AND "
              "NEW.to_status = OLD.to_status AND NEW.at = OLD.at AND NEW.actor = OLD.actor AND ")


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", leadpact.db.UtcDateTime(timezone=True), nullable=True))
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", leadpact.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("summary", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
    )
    with op.batch_alter_table("notification_channels", schema=None) as batch_op:
        # A sealed secret is longer than the 200 characters the plain one had.
        batch_op.alter_column("secret", existing_type=sa.String(length=200), type_=sa.Text(), existing_nullable=True)
    _triggers(redaction=True)
    _seal_stored_secrets()


def downgrade() -> None:
    _unseal_stored_secrets()
    _drop_triggers()
    _triggers(redaction=False)
    with op.batch_alter_table("notification_channels", schema=None) as batch_op:
        batch_op.alter_column("secret", existing_type=sa.Text(), type_=sa.String(length=200), existing_nullable=True)
    op.drop_table("erasures")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("erased_at")


def _triggers(*, redaction: bool) -> None:
    """The audit trail refuses updates and deletes; with `redaction`, except an erasure's redaction of reasons.
    The erasure log itself is append-only."""
    if redaction:
        _drop_triggers(erasures=False)
    if op.get_bind().dialect.name == "postgresql":
        allowed = (f"IF TG_OP = 'UPDATE' AND {SAME_FACTS}NEW.pact_version IS NOT DISTINCT FROM OLD.pact_version AND "
                   "jsonb_typeof(NEW.reasons -> 'erasure_id') = 'number' AND EXISTS (SELECT 1 FROM erasures WHERE "
                   "id = (NEW.reasons ->> 'erasure_id')::bigint) THEN RETURN NEW; END IF; ") if redaction else ""
        op.execute("CREATE OR REPLACE FUNCTION lifecycle_transitions_append_only() RETURNS trigger LANGUAGE plpgsql "
                   f"AS $$ BEGIN {allowed}RAISE EXCEPTION '{APPEND_ONLY}'; END $$")
        op.execute("CREATE TRIGGER lifecycle_transitions_append_only BEFORE UPDATE OR DELETE ON lifecycle_transitions "
                   "FOR EACH ROW EXECUTE FUNCTION lifecycle_transitions_append_only()")
        if redaction:
            op.execute("CREATE FUNCTION erasures_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                       f"$$ BEGIN RAISE EXCEPTION '{ERASURES_APPEND_ONLY}'; END $$")
            op.execute("CREATE TRIGGER erasures_append_only BEFORE UPDATE OR DELETE ON erasures "
                       "FOR EACH ROW EXECUTE FUNCTION erasures_append_only()")
        return
    when = (f" WHEN NOT ({SAME_FACTS}NEW.pact_version IS OLD.pact_version AND "
            "json_extract(NEW.reasons, '$.erasure_id') IN (SELECT id FROM erasures))") if redaction else ""
    op.execute(f"CREATE TRIGGER lifecycle_transitions_no_update BEFORE UPDATE ON lifecycle_transitions{when} "
               f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")
    if redaction:
        op.execute("CREATE TRIGGER lifecycle_transitions_no_delete BEFORE DELETE ON lifecycle_transitions "
                   f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER erasures_no_{action.lower()} BEFORE {action} ON erasures "
                       f"BEGIN SELECT RAISE(ABORT, '{ERASURES_APPEND_ONLY}'); END")


def _drop_triggers(*, erasures: bool = True) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS lifecycle_transitions_append_only ON lifecycle_transitions")
        if erasures:
            op.execute("DROP TRIGGER IF EXISTS erasures_append_only ON erasures")
            op.execute("DROP FUNCTION IF EXISTS erasures_append_only()")
        return
    op.execute("DROP TRIGGER IF EXISTS lifecycle_transitions_no_update")
    if erasures:
        op.execute("DROP TRIGGER IF EXISTS erasures_no_update")
        op.execute("DROP TRIGGER IF EXISTS erasures_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS lifecycle_transitions_no_delete")


def _tables() -> tuple[Any, Any, Any]:
    connections = sa.table("crm_connections", sa.column("id", sa.Integer), sa.column("token", sa.Text),
                           sa.column("webhook_secret", sa.Text))
    channels = sa.table("notification_channels", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                        sa.column("target", sa.Text), sa.column("secret", sa.Text))
    outbox = sa.table("outbox", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                      sa.column("destination", sa.Text), sa.column("payload", JSON),
                      sa.column("idempotency_key", sa.String))
    return connections, channels, outbox


def _seal_stored_secrets() -> None:
    """Seal the CRM tokens and channel targets and secrets stored in the clear; point outbox rows at channels."""
    from leadpact.sealing import is_sealed, seal

    bind = op.get_bind()
    connections, channels, outbox = _tables()
    targets = {(row.kind, row.target): row.id for row in bind.execute(sa.select(channels)).all()
               if row.target and not is_sealed(row.target)}
    for row in bind.execute(sa.select(outbox).where(outbox.c.kind.in_(("slack", "webhook")))).all():
        _point_at_channel(bind, outbox, row, targets)
    for table, columns in ((connections, ("token", "webhook_secret")), (channels, ("target", "secret"))):
        for row in bind.execute(sa.select(table)).mappings().all():
            values = {c: seal(row[c]) for c in columns if row[c] and not is_sealed(row[c])}
            if values:
                bind.execute(sa.update(table).where(table.c.id == row["id"]).values(**values))


def _unseal_stored_secrets() -> None:
    """Downgrade: the older code reads secrets in the clear (outbox rows keep naming their channel)."""
    from leadpact.sealing import is_sealed, unseal

    bind = op.get_bind()
    connections, channels, _outbox = _tables()
    for table, columns in ((connections, ("token", "webhook_secret")), (channels, ("target", "secret"))):
        for row in bind.execute(sa.select(table)).mappings().all():
            values = {c: unseal(row[c]) for c in columns if is_sealed(row[c])}
            if values:
                bind.execute(sa.update(table).where(table.c.id == row["id"]).values(**values))


def _point_at_channel(bind: Any, outbox: Any, row: Any, channels: dict[tuple[str, str], int]) -> None:
    payload = dict(row.payload or {})
    changes: dict[str, Any] = {}
    if "_secret" in payload:
        payload.pop("_secret")
        changes["payload"] = payload
    channel_id = channels.get((row.kind, row.destination))
    if channel_id is not None:
        changes["destination"] = f"channel:{channel_id}"
        suffix = f":{row.kind}:{row.destination}"
        if row.idempotency_key.endswith(suffix):
            renamed = row.idempotency_key[: -len(suffix)] + f":{row.kind}:channel:{channel_id}"
            if len(renamed) <= 200:
                changes["idempotency_key"] = renamed
    if changes:
        bind.execute(sa.update(outbox).where(outbox.c.id == row.id).values(**changes))

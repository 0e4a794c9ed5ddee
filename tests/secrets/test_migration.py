"""Migration 0007 seals the secrets stored before it and points outbox rows at their channel; its downgrade gives
the older code its secrets back in the clear."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import select
from sqlalchemy.engine import Engine

from leadpact.db import MIGRATIONS, Base
from leadpact.sealing import is_sealed, unseal
from tests.sla.factories import NOW

URL = "https://hooks.slack.com/services/T0001/B0001/legacyXYZ123"
SECRET = "whsec_legacy_0123456789"
TOKEN = "pat-legacy-token-0123456789"


def _alembic(engine: Engine, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_0007_seals_stored_secrets_and_points_outbox_rows_at_their_channel(engine: Engine) -> None:
    _alembic(engine, "0005", down=True)
    tables = Base.metadata.tables
    channels, connections, outbox = tables["notification_channels"], tables["crm_connections"], tables["outbox"]
    row = {"topic": "handoff.created", "state": "pending", "attempts": 0, "next_attempt_at": NOW, "created_at": NOW}
    with engine.begin() as connection:
        connection.execute(channels.insert().values(id=1, kind="webhook", target=URL, secret=SECRET, topics={},
                                                    is_active=True, created_at=NOW))
        connection.execute(connections.insert().values(crm="hubspot", token=TOKEN, webhook_secret=None, options={},
                                                       last_pull_changes=0, created_at=NOW, updated_at=NOW))
        connection.execute(outbox.insert(), [
            {**row, "kind": "webhook", "destination": URL, "payload": {"brief": "b", "_secret": SECRET},
             "idempotency_key": f"handoff.created:7:webhook:{URL}"},
            {**row, "kind": "webhook", "destination": "https://gone.example/hook",
             "payload": {"_secret": "old"}, "idempotency_key": "handoff.created:7:webhook:https://gone.example/hook"},
            {**row, "kind": "email", "destination": "rep@seller.test", "payload": {"brief": "b"},
             "idempotency_key": "handoff.created:7:email:rep@seller.test"},
        ])

    # Up to 0007 itself: later migrations (the head moves on) are not what this test is about.
    _alembic(engine, "0007")

    with engine.connect() as connection:
        channel = connection.execute(select(channels)).mappings().one()
        crm = connection.execute(select(connections)).mappings().one()
        rows = connection.execute(select(outbox).order_by(outbox.c.id)).mappings().all()
    assert is_sealed(channel["target"]) and is_sealed(channel["secret"]) and is_sealed(crm["token"])
    assert (unseal(channel["target"]), unseal(channel["secret"]), unseal(crm["token"])) == (URL, SECRET, TOKEN)
    assert [(r["destination"], r["idempotency_key"]) for r in rows] == [
        ("channel:1", "handoff.created:7:webhook:channel:1"),
        # A row whose channel is gone keeps its address, and loses the copied secret all the same.
        ("https://gone.example/hook", "handoff.created:7:webhook:https://gone.example/hook"),
        ("rep@seller.test", "handoff.created:7:email:rep@seller.test")]
    assert all("_secret" not in r["payload"] for r in rows) and rows[0]["payload"] == {"brief": "b"}

    _alembic(engine, "0005", down=True)
    with engine.connect() as connection:
        channel = connection.execute(select(channels.c.target, channels.c.secret)).one()
        crm_token = connection.execute(select(connections.c.token)).scalar_one()
    assert (channel.target, channel.secret, crm_token) == (URL, SECRET, TOKEN)
    _alembic(engine, "head")

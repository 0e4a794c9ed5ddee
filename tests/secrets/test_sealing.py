"""CRM tokens and channel URLs and secrets are sealed at rest with Fernet, under LEADPACT_SECRETS_KEY or a key
generated once into the data directory; a wrong or malformed key is a clear error; `leadpact secrets rotate`
re-seals everything under a new key."""

from __future__ import annotations

import json
import os
import stat
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from typer.testing import CliRunner

from leadpact.cli import app
from leadpact.clock import SimulatedClock
from leadpact.crm.base import CrmAuthError
from leadpact.crm.models import CrmConnection
from leadpact.crm.settings import connector_for, forget_connectors
from leadpact.db import session_scope
from leadpact.outbox import NotificationChannel, OutboxMessage, notify
from leadpact.outbox.channels import forget_channels
from leadpact.outbox.delivery import deliver_due
from leadpact.sealing import SecretsKeyError, key_ring, unseal
from tests.outbox.servers import WebhookReceiver
from tests.privacy.conftest import every_value
from tests.sla.factories import NOW, make_handoff, make_org

TOKEN = "pat-na1-0f3c9e2a-7d41-4b8e-9a55-tok3n"
HOOK_SECRET = "whsec_5b1f0c7e9d2a4e68"
APP_SECRET = "hubspot-app-secret-77d1"


def store(session, url: str) -> None:
    """A signed webhook channel and a HubSpot connection with a token and a webhook secret."""
    session.add(NotificationChannel(kind="webhook", target=url, secret=HOOK_SECRET, topics={}, is_active=True,
                                    created_at=NOW))
    session.add(CrmConnection(crm="hubspot", base_url="http://127.0.0.1:9", token=TOKEN, webhook_secret=APP_SECRET,
                              options={}, created_at=NOW, updated_at=NOW))
    session.flush()


def raw(engine) -> dict[tuple[str, str], str]:
    """The sealed columns as the database holds them."""
    with engine.connect() as connection:
        channel = connection.execute(select(NotificationChannel.__table__)).mappings().one()
        crm = connection.execute(select(CrmConnection.__table__)).mappings().one()
    return {("channel", "target"): channel["target"], ("channel", "secret"): channel["secret"],
            ("crm", "token"): crm["token"], ("crm", "webhook_secret"): crm["webhook_secret"]}


def announce(session, clock: SimulatedClock) -> None:
    org = make_org(session)
    handoff = make_handoff(session, rep=org.reps[0])
    notify(session=session, topic="handoff.created", now=clock.now(), key="k", handoff_id=handoff.id,
           payload={"handoff_id": handoff.id, "tier": "hot", "brief": "b", "person": {"name": "Ada"}})


def test_secrets_are_sealed_at_rest_with_a_key_generated_once_into_the_data_directory(engine, tmp_path) -> None:
    url = "https://hooks.example.test/services/T000/B000/XXXXsecretpath"
    with session_scope() as session:
        store(session, url)
    key_path = tmp_path / "data" / "secrets.key"
    assert key_path.exists() and stat.S_IMODE(key_path.stat().st_mode) == 0o600
    stored = raw(engine)
    assert all(value.startswith("fernet:") for value in stored.values())
    for secret in (url, HOOK_SECRET, TOKEN, APP_SECRET):
        assert not [place for place in every_value(engine) if secret.lower() in place[2]], secret
    with session_scope() as session:
        channel = session.scalars(select(NotificationChannel)).one()
        assert (channel.target, channel.secret) == (url, HOOK_SECRET)
        crm = session.scalars(select(CrmConnection)).one()
        assert (crm.token, crm.webhook_secret) == (TOKEN, APP_SECRET)
    key = key_path.read_text().strip()
    assert Fernet(key.encode()).decrypt(stored[("crm", "token")].removeprefix("fernet:").encode()).decode() == TOKEN
    # Another process (the same data directory) finds the same key; it is generated once.
    assert key_ring().keys == (key,)


def test_a_webhook_is_signed_with_the_secret_read_at_delivery(engine, session, clock) -> None:
    with WebhookReceiver(secret=HOOK_SECRET) as receiver:
        store(session, receiver.url)
        announce(session, clock)
        session.commit()
        assert deliver_due(engine=engine, now=clock.now(), worker_id="w1").delivered == 1
    [hook] = receiver.requests
    assert hook.verified and HOOK_SECRET.encode() not in hook.body


def test_a_wrong_key_is_a_clear_error_where_the_secret_is_used_and_nothing_is_lost(
        engine, session, clock, monkeypatch) -> None:
    with WebhookReceiver(secret=HOOK_SECRET) as receiver:
        store(session, receiver.url)
        announce(session, clock)
        session.commit()
        monkeypatch.setenv("LEADPACT_SECRETS_KEY", Fernet.generate_key().decode())
        forget_channels()
        forget_connectors()
        deliver_due(engine=engine, now=clock.now(), worker_id="w1")
        [row] = session.scalars(select(OutboxMessage).execution_options(populate_existing=True)).all()
        # Not dead: once the right key is back, the row goes out.
        assert row.state == "pending" and row.attempts == 1 and row.next_attempt_at >= clock.now() + timedelta(
            minutes=15)
        assert "cannot unseal a stored secret with the key from LEADPACT_SECRETS_KEY" in row.last_error
        assert receiver.requests == []
        listed = json.loads(CliRunner().invoke(app, ["channels", "list", "--json"]).output)
        assert listed[0]["target"] == "•••• (sealed under another key)"
        with pytest.raises(CrmAuthError, match="hubspot: cannot unseal a stored secret"):
            connector_for("hubspot", session=session)
        monkeypatch.delenv("LEADPACT_SECRETS_KEY")
        forget_channels()
        clock.set(row.next_attempt_at)
        assert deliver_due(engine=engine, now=clock.now(), worker_id="w1").delivered == 1
    assert [hook.verified for hook in receiver.requests] == [True]


@pytest.mark.parametrize(("value", "words"), [
    ("not-a-key", "LEADPACT_SECRETS_KEY: key 1 of 1 is not a Fernet key"),
    (" , ", "LEADPACT_SECRETS_KEY holds no key"),
    (f"{Fernet.generate_key().decode()},short", "key 2 of 2 is not a Fernet key"),
])
def test_a_malformed_key_is_refused_with_the_reason(engine, monkeypatch, value, words) -> None:
    monkeypatch.setenv("LEADPACT_SECRETS_KEY", value)
    with pytest.raises(SecretsKeyError, match=words), session_scope() as session:
        store(session, "https://hooks.example.test/x")
    with engine.connect() as connection:
        assert connection.execute(select(NotificationChannel.__table__)).all() == []


def test_rotate_with_the_key_file_reseals_everything_under_a_new_key(engine, tmp_path, monkeypatch) -> None:
    with session_scope() as session:
        store(session, "https://hooks.example.test/services/T/B/rot")
    key_path = tmp_path / "data" / "secrets.key"
    old_key, before = key_path.read_text().strip(), raw(engine)

    result = CliRunner().invoke(app, ["secrets", "rotate", "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["total"] == 4 and report["new_key_written"] is True
    new_key = key_path.read_text().strip()
    assert new_key != old_key and "\n" not in new_key and stat.S_IMODE(key_path.stat().st_mode) == 0o600
    after = raw(engine)
    assert all(after[k] != before[k] for k in before)
    assert all(Fernet(new_key.encode()).decrypt(v.removeprefix("fernet:").encode()) for v in after.values())
    with session_scope() as session:
        assert session.scalars(select(CrmConnection)).one().token == TOKEN
    # The old key alone opens none of it any more.
    monkeypatch.setenv("LEADPACT_SECRETS_KEY", old_key)
    with pytest.raises(SecretsKeyError, match="sealed under another key"):
        unseal(after[("crm", "token")])


def test_rotate_with_the_environment_key_moves_to_its_first_key(engine, monkeypatch) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("LEADPACT_SECRETS_KEY", old)
    with session_scope() as session:
        store(session, "https://hooks.example.test/services/T/B/env")
    monkeypatch.setenv("LEADPACT_SECRETS_KEY", f"{new},{old}")
    result = CliRunner().invoke(app, ["secrets", "rotate"])
    assert result.exit_code == 0 and "re-sealed 4 secret(s)" in result.output
    assert "drop the older keys" in result.output
    monkeypatch.setenv("LEADPACT_SECRETS_KEY", new)
    with session_scope() as session:
        assert session.scalars(select(NotificationChannel)).one().secret == HOOK_SECRET


def test_rotate_refuses_when_no_key_opens_a_secret_and_changes_nothing(engine, monkeypatch) -> None:
    with session_scope() as session:
        store(session, "https://hooks.example.test/services/T/B/lost")
    before = raw(engine)
    monkeypatch.setenv("LEADPACT_SECRETS_KEY", Fernet.generate_key().decode())
    result = CliRunner().invoke(app, ["secrets", "rotate"])
    assert result.exit_code == 2
    assert "none of the keys from LEADPACT_SECRETS_KEY opens it" in result.output and "nothing was changed" in \
        result.output
    assert raw(engine) == before


def test_new_key_prints_a_usable_key() -> None:
    result = CliRunner().invoke(app, ["secrets", "new-key"])
    assert result.exit_code == 0
    Fernet(result.output.strip().splitlines()[-1].encode())
    assert os.environ.get("LEADPACT_SECRETS_KEY") is None

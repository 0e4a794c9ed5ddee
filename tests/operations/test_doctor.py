"""`leadpact doctor`: each check that fails says what is wrong and what to do about it; a sound deployment passes.
The SMTP relay and the CRM are real servers on loopback, reached as the doctor reaches them in production."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from leadpact.cli import app as cli
from leadpact.keys.service import create_key
from leadpact.operations import Check, run_checks
from leadpact.outbox import NotificationChannel, enqueue
from leadpact.outbox.settings import get_outbox_settings
from leadpact.pact.models import PactVersion
from tests.conftest import free_port
from tests.crm.conftest import hubspot, hubspot_env  # noqa: F401 - the HubSpot contract server
from tests.handoff.factories import NORTHWIND, NOW
from tests.outbox.servers import SmtpServer
from tests.sla.factories import make_org


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


@pytest.fixture
def relay(monkeypatch) -> SmtpServer:
    with SmtpServer() as server:
        monkeypatch.setenv("LEADPACT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("LEADPACT_SMTP_PORT", str(server.port))
        yield server


@pytest.fixture
def sound(session, clock, relay) -> None:
    """A deployment with nothing to fix: an active pact, a write key, a rep, a signed webhook, a relay."""
    clock.set(NOW)
    session.add(PactVersion(version=1, name="northwind", source=NORTHWIND, state="active", created_by="t",
                            created_at=NOW, activated_at=NOW))
    create_key(session=session, scope="ingest", name="site", now=NOW)
    make_org(session)
    session.add(NotificationChannel(kind="webhook", target="https://hooks.example/leadpact", secret="s", topics={},
                                    is_active=True, created_at=NOW))
    session.commit()


def test_a_sound_deployment_passes_every_check(engine, sound) -> None:
    checks = run_checks(engine=engine)
    assert [c.name for c in checks] == ["database", "migrations", "pact", "keys", "smtp", "channels", "outbox", "crm"]
    assert {c.status for c in checks} == {"ok"}, [c for c in checks if c.status != "ok"]
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "fix:" not in result.output and "[ok  ] smtp: 127.0.0.1:" in result.output


def test_an_unreachable_database_says_which_setting_to_fix(tmp_path, monkeypatch) -> None:
    from leadpact.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'leadpact.db'}")
    checks = by_name(run_checks(engine=engine))
    assert checks["database"].status == "fail" and "unable to open database file" in checks["database"].detail
    assert "LEADPACT_DATABASE_URL" in checks["database"].fix
    assert "pact" not in checks  # nothing else that needs the database is tried


def test_migrations_behind_say_run_init(engine, sound) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    check = by_name(run_checks(engine=engine))["migrations"]
    assert check.status == "fail" and "the database is at 0003" in check.detail
    assert "`leadpact init`" in check.fix


def test_no_active_pact_says_how_to_activate_one(engine, session, sound) -> None:
    session.execute(text("UPDATE pact_versions SET state = 'retired'"))
    session.commit()
    check = by_name(run_checks(engine=engine))["pact"]
    assert check.status == "fail" and "nobody is evaluated" in check.detail
    assert "`leadpact pact activate N --by EMAIL`" in check.fix


def test_no_write_key_says_how_to_create_one(engine, session, sound) -> None:
    session.execute(text("UPDATE api_keys SET revoked_at = created_at"))
    session.commit()
    check = by_name(run_checks(engine=engine))["keys"]
    assert check.status == "fail" and "cannot send events" in check.detail
    assert "`leadpact keys create --scope ingest" in check.fix


def test_no_smtp_relay_says_which_settings_point_at_one(engine, session, sound, monkeypatch) -> None:
    monkeypatch.delenv("LEADPACT_SMTP_HOST")
    enqueue(session=session, kind="email", topic="handoff.created", destination="rep@seller.test", payload={},
            idempotency_key="waiting", now=NOW)
    session.commit()
    check = by_name(run_checks(engine=engine))["smtp"]
    assert check.status == "fail" and "no SMTP relay configured" in check.detail and "(1 waiting now)" in check.detail
    assert "LEADPACT_SMTP_HOST" in check.fix and "LEADPACT_SMTP_PORT" in check.fix


def test_an_unreachable_smtp_relay_says_so_and_what_to_check(engine, sound, monkeypatch) -> None:
    port = free_port()  # nothing listens there
    monkeypatch.setenv("LEADPACT_SMTP_PORT", str(port))
    check = by_name(run_checks(engine=engine, smtp_timeout=2))["smtp"]
    assert check.status == "fail" and check.detail.startswith(f"cannot reach 127.0.0.1:{port}")
    assert "LEADPACT_SMTP_HOST" in check.fix


def test_a_relay_without_starttls_says_to_check_the_starttls_setting(engine, sound, monkeypatch) -> None:
    monkeypatch.setenv("LEADPACT_SMTP_STARTTLS", "true")  # the loopback relay offers no STARTTLS
    check = by_name(run_checks(engine=engine))["smtp"]
    assert check.status == "fail" and "STARTTLS" in check.detail
    assert "LEADPACT_SMTP_STARTTLS" in check.fix


def test_a_channel_that_is_not_a_url_or_unsigned_says_how_to_replace_it(engine, session, sound) -> None:
    session.add_all([
        NotificationChannel(kind="slack", target="hooks.slack.com/services/T/B/X", topics={}, is_active=True,
                            created_at=NOW),
        NotificationChannel(kind="webhook", target="https://crm.example/in", secret=None, topics={}, is_active=True,
                            created_at=NOW),
    ])
    session.commit()
    check = by_name(run_checks(engine=engine))["channels"]
    assert check.status == "fail"
    assert "is not a URL" in check.detail and "is unsigned" in check.detail
    assert "`leadpact channels add --kind slack --target https://…`" in check.fix and "`--secret`" in check.fix


def test_dead_letters_and_an_idle_worker_say_what_to_run(engine, session, clock, sound) -> None:
    dead = enqueue(session=session, kind="webhook", topic="handoff.created", destination="x", payload={},
                   idempotency_key="dead", now=clock.now())
    dead.state = "dead"
    enqueue(session=session, kind="webhook", topic="handoff.created", destination="x", payload={},
            idempotency_key="overdue", now=clock.now())
    session.commit()
    clock.advance(timedelta(minutes=20))
    checks = by_name(run_checks(engine=engine))
    assert checks["outbox"].status == "warn" and "1 message(s) were given up on" in checks["outbox"].detail
    assert "`leadpact outbox retry ID`" in checks["outbox"].fix
    assert checks["worker"].status == "fail" and "has waited 20 minutes" in checks["worker"].detail
    assert "`leadpact worker`" in checks["worker"].fix


def test_a_crm_that_refuses_its_token_says_how_to_reconnect(engine, sound, hubspot_env, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setenv("LEADPACT_HUBSPOT_TOKEN", "expired-token")
    check = by_name(run_checks(engine=engine))["crm hubspot"]
    assert check.status == "fail" and "CrmAuthError" in check.detail
    assert "`leadpact crm connect --to hubspot --token …`" in check.fix


def test_a_reachable_crm_is_checked_for_the_fields_its_mapping_needs(engine, sound, hubspot_env) -> None:  # noqa: F811
    check = by_name(run_checks(engine=engine))["crm hubspot"]
    assert check.status in ("ok", "fail") and "owners" in check.detail
    if check.status == "fail":
        assert "missing:" in check.detail and "--create-properties" in check.fix


def test_the_command_exits_1_and_prints_each_fix(engine, sound, monkeypatch) -> None:
    monkeypatch.delenv("LEADPACT_SMTP_HOST")
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 1
    assert "[FAIL] smtp: no SMTP relay configured" in result.output
    assert "       fix: Set LEADPACT_SMTP_HOST" in result.output
    as_json = json.loads(CliRunner().invoke(cli, ["doctor", "--json"]).stdout)
    assert {c["name"]: c["status"] for c in as_json}["smtp"] == "fail"
    assert get_outbox_settings().smtp_host is None

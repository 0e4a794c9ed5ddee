"""The operator's probes and request ids: `/healthz` answers while the process lives, `/readyz` only when the
database answers at the current migrations (503 with the reason otherwise), and every request carries an id, its
own or a new one, in the response and in the log lines written while it is served."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from leadpact import db as db_module
from leadpact.api import Anyone
from leadpact.app import create_app
from leadpact.config import get_settings
from leadpact.telemetry import JsonFormatter, configure_logging


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app()) as served:
        yield served


@pytest.fixture
def http_log() -> Iterator[io.StringIO]:
    """The JSON lines the request log writes while the test runs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("leadpact.http")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(previous)


def test_healthz_answers_while_the_process_lives(client) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_is_ready_on_a_reachable_database_at_the_current_migrations(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready" and body["database"] == "ok" and body["reasons"] == []
    assert body["migration"] == body["expected_migration"]


def test_readyz_is_503_with_the_reason_when_migrations_are_behind(client, engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready" and body["migration"] == "0004"
    assert body["reasons"] == [f"migrations not current: the database is at 0004, this code expects "
                               f"{body['expected_migration']}; run `leadpact init`"]


def test_readyz_is_503_with_the_reason_when_the_database_is_unreachable(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'no such directory' / 'leadpact.db'}"
    monkeypatch.setenv("LEADPACT_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        with TestClient(create_app()) as client:
            response = client.get("/readyz")
    finally:
        db_module._engines.pop(db_module.normalise_url(url), None)
        get_settings.cache_clear()
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "unreachable"
    [reason] = body["reasons"]
    assert reason.startswith("database unreachable (OperationalError: unable to open database file)")
    assert "LEADPACT_DATABASE_URL" in reason


def test_a_request_id_sent_is_echoed_and_logged(client, http_log) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42"})
    assert response.headers["x-request-id"] == "lb-7f3a.42"
    [line] = [json.loads(line) for line in http_log.getvalue().splitlines()]
    assert line["request_id"] == "lb-7f3a.42" and line["message"] == "GET /healthz 200"
    assert (line["route"], line["status"], line["level"], line["logger"]) == ("/healthz", 200, "info", "leadpact.http")
    assert line["duration_ms"] >= 0


def test_a_request_without_an_id_gets_a_new_one_each_time(client) -> None:
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first.headers["x-request-id"]) == 32 and first.headers["x-request-id"] != second.headers["x-request-id"]


@pytest.mark.parametrize("sent", [b"", b"a b", b"x" * 129, b"<script>", "ok\u00e9".encode()])
def test_an_unusable_request_id_is_replaced_not_echoed(client, sent) -> None:
    response = client.get("/healthz", headers={b"X-Request-ID": sent})
    echoed = response.headers["x-request-id"]
    assert echoed != sent.decode("latin-1") and re.fullmatch("[0-9a-f]{32}", echoed)


def test_log_lines_written_while_serving_carry_the_request_id(database_url) -> None:
    app = create_app()
    stream = io.StringIO()

    @app.get("/speaks")
    def speaks(_: Anyone) -> dict[str, str]:  # a route with its access rule, as every route has
        logging.getLogger("leadpact.test").warning("something worth saying", extra={"lead": 7})
        return {}

    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logging.getLogger("leadpact.test").addHandler(handler)
    try:
        with TestClient(app) as client:
            client.get("/speaks", headers={"X-Request-ID": "req-1"})
    finally:
        logging.getLogger("leadpact.test").removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert (line["message"], line["request_id"], line["lead"], line["level"]) == (
        "something worth saying", "req-1", 7, "warning")


def test_configure_logging_writes_json_lines_with_the_traceback(capsys) -> None:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        configure_logging(level="WARNING")
        configure_logging(level="WARNING")  # twice: still one handler
        try:
            raise ValueError("bad")
        except ValueError:
            logging.getLogger("leadpact.x").exception("failed")
        logging.getLogger("leadpact.x").info("not at this level")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    [line] = [json.loads(x) for x in capsys.readouterr().err.splitlines()]
    assert line["message"] == "failed" and line["level"] == "error"
    assert line["exception"].startswith("Traceback") and "ValueError: bad" in line["exception"]
